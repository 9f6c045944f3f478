# The official Kubernetes Python client against one simulated cluster: list, watch (the client
# sends watch=True), create, a service-account token, and the error codes it raises.
# usage: client-checks.py KUBECONFIG  -> one JSON object on stdout
import json
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
out = {}

out["namespaces"] = sorted(ns.metadata.name for ns in core.list_namespace().items)

body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="from-python"), data={"a": "b"})
out["created"] = core.create_namespaced_config_map("default", body).metadata.name

codes = {}
for label, call in [
    ("duplicate", lambda: core.create_namespaced_config_map("default", body)),
    ("missing", lambda: core.read_namespaced_config_map("nope", "default")),
    ("invalid", lambda: core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="Not_A_Name")))),
]:
    try:
        call()
        codes[label] = 0
    except ApiException as e:
        codes[label] = [e.status, json.loads(e.body)["reason"]]
out["errors"] = codes

seen = []
w = watch.Watch()
for event in w.stream(core.list_namespaced_config_map, "default", timeout_seconds=10):
    seen.append([event["type"], event["object"].metadata.name])
    if event["object"].metadata.name == "from-python":
        w.stop()
out["watched"] = seen

core.create_namespaced_service_account("default", client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="py-user")))
request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))
token = core.create_namespaced_service_account_token("py-user", "default", request)
out["token"] = {"length": len(token.status.token), "expiration": str(token.status.expiration_timestamp)}

print(json.dumps(out))
