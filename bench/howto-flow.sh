#!/usr/bin/env bash
# The vendor how-to's kubectl commands for "Turn the cluster into a management cluster", "Add a
# managed cluster to the management cluster" and "Turn the cluster into a managed cluster", as a
# person would type them, against Calico Enterprise 3.22 names (tigera-manager). The how-to's
# `watch kubectl get tigerastatus` is replaced by what a person watching it does: look every 2 s.
#   usage: howto-flow.sh KUBECONFIG MANAGEMENT_CONTEXT MANAGED_CONTEXT MANAGED_CLUSTER_NAME
set -euo pipefail
export KUBECONFIG="$1"
MGMT="$2"
MANAGED="$3"
export MANAGED_CLUSTER="$4"
KUBECTL="${KUBECTL:-kubectl}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Turn the cluster into a management cluster: the NodePort service in tigera-manager.
"$KUBECTL" --context "$MGMT" create -f - <<EOF
apiVersion: v1
kind: Service
metadata:
  name: tigera-manager-mcm
  namespace: tigera-manager
spec:
  ports:
  - nodePort: 30449
    port: 9449
    protocol: TCP
    targetPort: 9449
  selector:
    k8s-app: tigera-manager
  type: NodePort
EOF

# "Export the service port number, and the public IP or host of the management cluster."
NODE_IP="$("$KUBECTL" --context "$MGMT" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="ExternalIP")].address}')"
export MANAGEMENT_CLUSTER_ADDR="$NODE_IP:30449"

"$KUBECTL" --context "$MGMT" apply -f - <<EOF
apiVersion: operator.tigera.io/v1
kind: ManagementCluster
metadata:
  name: tigera-secure
spec:
  address: $MANAGEMENT_CLUSTER_ADDR
EOF

# Add a managed cluster and save the manifest with its ManagementClusterConnection and Secret.
"$KUBECTL" --context "$MGMT" -o jsonpath="{.spec.installationManifest}" > "$MANAGED_CLUSTER.yaml" create -f - <<EOF
apiVersion: projectcalico.org/v3
kind: ManagedCluster
metadata:
  name: $MANAGED_CLUSTER
EOF

# Turn the cluster into a managed cluster.
"$KUBECTL" --context "$MANAGED" apply -f "$MANAGED_CLUSTER.yaml"

# `watch kubectl get tigerastatus` until management-cluster-connection and compliance are Available.
for _ in $(seq 1 60); do
	available="$("$KUBECTL" --context "$MANAGED" get tigerastatus | awk '($1 == "management-cluster-connection" || $1 == "compliance") && $2 == "True"' | wc -l)"
	if [ "$available" -eq 2 ]; then
		exit 0
	fi
	sleep 2
done
echo "howto-flow: management-cluster-connection and compliance not Available after 2 minutes" >&2
exit 1
