// What each simulated cluster holds at start (issue 2): `mgmt` with Calico Enterprise installed as a
// management cluster, `managed-i` installed as managed and connected, `standalone-i`, and `bare-i`
// (plain Kubernetes). Installed clusters are seeded by applying the same demo manifests a user would,
// then letting the simulated operator settle with every delay at 0.
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import yaml from 'js-yaml';
import {installationObjects} from './operator-calico-api.js';
import {ensureNamespace, ensureObject, listObjects, typeOf} from './operator-store.js';
import type {Operator} from './operator.js';
import {ApiError, type KubeObject, type ObjectStore} from './types.js';

export type SimRole = 'management' | 'managed' | 'standalone' | 'bare';

export const managementAddressPort = 30449;

/** The demo directory (demo/manifests, demo/license.yaml, demo/pull-secret.json), from source or dist. */
let demoDir: string | undefined;

export function demoDirectory(): string {
	if (demoDir) return demoDir;
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		const candidate = join(dir, 'demo');
		if (existsSync(join(candidate, 'manifests', 'tigera-operator.yaml'))) {
			demoDir = candidate;
			return candidate;
		}
		dir = dirname(dir);
	}
	throw new Error('calico-mcm sim: the demo manifests (demo/manifests/tigera-operator.yaml) were not found beside the program');
}

const parsed = new Map<string, KubeObject[]>();

/** The documents of a demo file, parsed once per process. */
export function demoDocuments(relativePath: string): KubeObject[] {
	let docs = parsed.get(relativePath);
	if (!docs) {
		const text = readFileSync(join(demoDirectory(), relativePath), 'utf8');
		docs = yaml.loadAll(text).filter((d): d is KubeObject => d !== null && typeof d === 'object');
		parsed.set(relativePath, docs);
	}
	return docs;
}

/** Creates each object (missing namespaces first); objects that exist already are left alone. */
export function applyObjects(store: ObjectStore, objects: KubeObject[]): void {
	for (const obj of objects) {
		const type = typeOf(store, obj.apiVersion, obj.kind);
		if (!type) throw new Error(`calico-mcm sim: cannot seed ${obj.kind} "${obj.metadata.name}": ${obj.apiVersion} is not served`);
		// Create first and ask questions on failure: start-up of 1,000 clusters is mostly these calls.
		try {
			store.create(type, obj);
		} catch (error) {
			if (error instanceof ApiError && error.code === 409) continue;
			if (!(error instanceof ApiError && error.code === 404 && type.namespaced && obj.metadata.namespace)) throw error;
			ensureNamespace(store, obj.metadata.namespace);
			ensureObject(store, obj);
		}
	}
}

/** Node addresses of cluster number `index` (0-based across the fleet): unique per cluster. */
export function nodeAddresses(index: number, node: number): {internal: string; external: string} {
	return {
		internal: `10.${(index >> 8) & 255}.${index & 255}.${10 + node}`,
		external: `198.${18 + ((index >> 14) & 1)}.${(index >> 6) & 255}.${((index & 63) << 2) + node + 1}`,
	};
}

export function nodeNames(clusterName: string): string[] {
	return [`${clusterName}-control-plane`, `${clusterName}-worker`, `${clusterName}-worker2`];
}

/** Plain Kubernetes: nodes and a default StorageClass (the store seeds namespaces and RBAC). */
export function seedKubernetes(store: ObjectStore, clusterName: string, index: number): void {
	const nodeType = typeOf(store, 'v1', 'Node');
	nodeNames(clusterName).forEach((name, n) => {
		const {internal, external} = nodeAddresses(index, n);
		const controlPlane = n === 0;
		const started = new Date(Date.now() - 86_400_000 * 30).toISOString().replace(/\.\d+Z$/, 'Z');
		if (!nodeType || store.get(nodeType, undefined, name)) return;
		store.create(nodeType, {
			apiVersion: 'v1', kind: 'Node',
			metadata: {
				name,
				labels: {
					'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
					...(controlPlane ? {'node-role.kubernetes.io/control-plane': ''} : {}),
				},
			},
			spec: {podCIDR: `192.168.${n}.0/24`},
			status: {
				addresses: [{type: 'InternalIP', address: internal}, {type: 'ExternalIP', address: external}, {type: 'Hostname', address: name}],
				conditions: [{type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: started, lastHeartbeatTime: started}],
				capacity: {cpu: '4', memory: '16393740Ki', pods: '110'},
				allocatable: {cpu: '4', memory: '16291340Ki', pods: '110'},
				nodeInfo: {
					kubeletVersion: 'v1.33.1', kubeProxyVersion: 'v1.33.1', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-113-generic',
					containerRuntimeVersion: 'containerd://1.7.18', operatingSystem: 'linux', architecture: 'amd64',
				},
			},
		});
	});
	applyObjects(store, [{
		apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
		metadata: {name: 'standard', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}},
		provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
	}]);
}

let pullSecretJson: Buffer | undefined;

export function pullSecret(): KubeObject {
	const json = pullSecretJson ??= readFileSync(join(demoDirectory(), 'pull-secret.json'));
	return {
		apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
		metadata: {name: 'tigera-pull-secret', namespace: 'tigera-operator'},
		data: {'.dockerconfigjson': json.toString('base64')},
	};
}

export const elasticsearchStorageClass: KubeObject = {
	apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
	metadata: {name: 'tigera-elasticsearch'},
	provisioner: 'rancher.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true,
};

/** The first half of an install (issue 4's plan): operator, storage, Prometheus operator, pull secret, custom resources. */
export function seedEnterpriseResources(store: ObjectStore, role: Exclude<SimRole, 'bare'>): void {
	applyObjects(store, demoDocuments('manifests/tigera-operator.yaml'));
	if (role !== 'managed') applyObjects(store, [elasticsearchStorageClass]);
	applyObjects(store, demoDocuments('manifests/tigera-prometheus-operator.yaml'));
	applyObjects(store, [pullSecret()]);
	const resources = demoDocuments('manifests/custom-resources.yaml')
		.filter((d) => role !== 'managed' || (d.kind !== 'Manager' && d.kind !== 'LogStorage'));
	applyObjects(store, resources);
}

/** The second half, once `apiserver` is Available: license (not on managed clusters) and policies. */
export function seedEnterpriseLicenseAndPolicies(store: ObjectStore, role: Exclude<SimRole, 'bare'>): void {
	if (role !== 'managed') applyObjects(store, demoDocuments('license.yaml'));
	applyObjects(store, demoDocuments(role === 'managed' ? 'manifests/tigera-policies-managed.yaml' : 'manifests/tigera-policies.yaml'));
}

/** Makes a cluster a management cluster: the mcm NodePort service (names of its version) and the ManagementCluster. */
export function seedManagementCluster(store: ObjectStore, operator: Operator, address: string): void {
	const names = operator.names;
	ensureNamespace(store, names.managerNamespace);
	applyObjects(store, [
		{
			apiVersion: 'v1', kind: 'Service',
			metadata: {name: names.mcmService, namespace: names.managerNamespace},
			spec: {type: 'NodePort', selector: names.managerSelector, ports: [{port: 9449, protocol: 'TCP', targetPort: 9449, nodePort: managementAddressPort}]},
		},
		{apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name: 'tigera-secure'}, spec: {address}},
	]);
}

/** Creates ManagedCluster `name` on the management cluster; returns the installation manifest's objects. */
export function createManagedCluster(management: ObjectStore, managementName: string, name: string): KubeObject[] {
	const type = typeOf(management, 'projectcalico.org/v3', 'ManagedCluster');
	if (!type) throw new Error('calico-mcm sim: the management cluster does not serve projectcalico.org/v3 ManagedCluster');
	const stored = management.create(type, {apiVersion: 'projectcalico.org/v3', kind: 'ManagedCluster', metadata: {name}, spec: {operatorNamespace: 'tigera-operator'}});
	// The objects the create response's manifest holds, without writing and parsing its YAML.
	const address = (listObjects(management, 'operator.tigera.io/v1', 'ManagementCluster')[0]?.spec as {address?: string} | undefined)?.address ?? '';
	return installationObjects({clusterName: managementName, managed: stored, address, operatorNamespace: 'tigera-operator', store: management});
}
