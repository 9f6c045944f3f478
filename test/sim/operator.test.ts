// The simulated Tigera operator, driven through the Kubernetes API with @kubernetes/client-node, as
// the console and the plans drive it.
import {readFileSync} from 'node:fs';
import type {KubernetesObject} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {kubeClients, startTestFleet, statusOf, waitFor, type TestFleet} from '../helpers/fleet.js';

const demo = (path: string) => new URL(`../../demo/${path}`, import.meta.url);
const documents = (path: string) => yaml.loadAll(readFileSync(demo(path), 'utf8')).filter(Boolean) as KubernetesObject[];

type Conditions = {status?: {conditions?: Array<{type: string; status: string; reason?: string; message?: string}>}};
const condition = (obj: unknown, type: string) => (obj as Conditions).status?.conditions?.find((c) => c.type === type);

async function apply(fleet: TestFleet, context: string, objects: KubernetesObject[]): Promise<void> {
	const {objects: api} = kubeClients(fleet, context);
	for (const obj of objects) {
		try {
			await api.create(obj);
		} catch (error) {
			if ((error as {code?: number}).code !== 409) throw error;
		}
	}
}

async function tigeraStatuses(fleet: TestFleet, context: string): Promise<Map<string, KubernetesObject>> {
	const {custom} = kubeClients(fleet, context);
	const list = await custom.listClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses'}) as {items: KubernetesObject[]};
	return new Map(list.items.map((o) => [o.metadata?.name ?? '', o]));
}

describe('install on a bare cluster with the demo manifests', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		fleet = await startTestFleet({managed: 1, standalone: 0, bare: 1});
	});
	afterAll(async () => fleet?.stop());

	it('serves no Calico API before the operator is installed', async () => {
		const {custom} = kubeClients(fleet, 'bare-1');
		expect(await statusOf(custom.listClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses'}))).toBe(404);
	});

	it('brings every component up in order, the licensed ones only after the license', async () => {
		const operatorDocs = documents('manifests/tigera-operator.yaml');
		await apply(fleet, 'bare-1', operatorDocs.filter((d) => d.kind === 'CustomResourceDefinition'));
		await apply(fleet, 'bare-1', operatorDocs.filter((d) => d.kind !== 'CustomResourceDefinition'));
		await apply(fleet, 'bare-1', [{apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'tigera-elasticsearch'}, provisioner: 'x'} as KubernetesObject]);
		const prometheus = documents('manifests/tigera-prometheus-operator.yaml');
		await apply(fleet, 'bare-1', prometheus.filter((d) => d.kind === 'CustomResourceDefinition' || d.kind === 'Namespace'));
		await apply(fleet, 'bare-1', prometheus.filter((d) => d.kind !== 'CustomResourceDefinition' && d.kind !== 'Namespace'));
		await apply(fleet, 'bare-1', [{
			apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
			metadata: {name: 'tigera-pull-secret', namespace: 'tigera-operator'},
			data: {'.dockerconfigjson': readFileSync(demo('pull-secret.json')).toString('base64')},
		} as KubernetesObject]);
		await apply(fleet, 'bare-1', documents('manifests/custom-resources.yaml'));

		const beforeLicense = await waitFor(async () => {
			const s = await tigeraStatuses(fleet, 'bare-1');
			return condition(s.get('apiserver'), 'Available')?.status === 'True' ? s : undefined;
		});
		expect(condition(beforeLicense.get('calico'), 'Available')?.status).toBe('True');
		for (const gated of ['manager', 'log-storage', 'compliance', 'intrusion-detection', 'monitor']) {
			expect(condition(beforeLicense.get(gated), 'Available')?.status, gated).toBe('False');
			expect(condition(beforeLicense.get(gated), 'Progressing')?.message, gated).toMatch(/License/);
		}

		await apply(fleet, 'bare-1', documents('license.yaml'));
		const after = await waitFor(async () => {
			const s = await tigeraStatuses(fleet, 'bare-1');
			return [...s.values()].every((o) => condition(o, 'Available')?.status === 'True') ? s : undefined;
		});
		// What tigera/operator v1.43.0 publishes on a single-tenant cluster with LogStorage: one TigeraStatus
		// per LogStorage sub-controller (pkg/controller/logstorage/initializer/conditions_controller.go).
		expect([...after.keys()].sort()).toEqual([
			'apiserver', 'calico', 'compliance', 'intrusion-detection', 'log-collector', 'log-storage', 'log-storage-access',
			'log-storage-dashboards', 'log-storage-elastic', 'log-storage-esmetrics', 'log-storage-kubecontrollers', 'log-storage-secrets',
			'manager', 'monitor', 'packet-capture-api', 'policy-recommendation', 'tiers',
		]);
		await apply(fleet, 'bare-1', documents('manifests/tigera-policies.yaml'));
		const {custom, core} = kubeClients(fleet, 'bare-1');
		const tier = await custom.getClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'tiers', name: 'allow-tigera'});
		expect((tier as KubernetesObject).metadata?.name).toBe('allow-tigera');
		const installation = await custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'installations', name: 'default'}) as {status?: {calicoVersion?: string; variant?: string}};
		expect(installation.status).toMatchObject({calicoVersion: 'v3.24.0', variant: 'TigeraSecureEnterprise'});
		const pods = await core.listNamespacedPod({namespace: 'tigera-operator'});
		expect(pods.items.map((p) => p.metadata?.name)).toContain(fleet.operator('bare-1').podName);
		const log = await core.readNamespacedPodLog({name: fleet.operator('bare-1').podName, namespace: 'tigera-operator'});
		expect(log).toMatch(/apiserver is Available/);
	});

	it('keeps log-storage-elastic Degraded without the tigera-elasticsearch StorageClass, log-storage Available', async () => {
		await fleet.store('bare-1').delete(fleet.store('bare-1').lookupKind('storage.k8s.io/v1', 'StorageClass')!, undefined, 'tigera-elasticsearch');
		await waitFor(() => fleet.tigeraStatus('bare-1', 'log-storage-elastic', 'Degraded') === 'True');
		const s = await tigeraStatuses(fleet, 'bare-1');
		expect(condition(s.get('log-storage-elastic'), 'Degraded')).toMatchObject({
			reason: 'ResourceNotFound', message: 'Failed to get storage class: couldn\'t find storage class tigera-elasticsearch, this must be provided',
		});
		expect(condition(s.get('log-storage'), 'Available')?.status).toBe('True');
	});
});

describe('speed above 0', () => {
	it('turns components Available one after another: calico, then apiserver, then the rest', async () => {
		const fleet = await startTestFleet({managed: 0, standalone: 0, bare: 1, speed: 0.02});
		try {
			const store = fleet.store('bare-1');
			const order: string[] = [];
			const progressedFirst = new Set<string>();
			store.subscribe((e) => {
				if (e.resourceType.kind !== 'TigeraStatus') return;
				if (condition(e.object, 'Progressing')?.status === 'True') progressedFirst.add(e.object.metadata.name);
				if (condition(e.object, 'Available')?.status === 'True' && condition(e.old, 'Available')?.status !== 'True') {
					order.push(e.object.metadata.name);
				}
			});
			const operatorDocs = documents('manifests/tigera-operator.yaml');
			await apply(fleet, 'bare-1', operatorDocs.filter((d) => d.kind === 'CustomResourceDefinition'));
			await apply(fleet, 'bare-1', operatorDocs.filter((d) => d.kind !== 'CustomResourceDefinition'));
			await apply(fleet, 'bare-1', documents('manifests/custom-resources.yaml').filter((d) => ['Installation', 'APIServer'].includes(d.kind ?? '')));
			await waitFor(() => fleet.tigeraStatus('bare-1', 'tiers') === 'True');
			expect(order).toEqual(['calico', 'apiserver', 'tiers']);
			expect([...progressedFirst].sort()).toEqual(['apiserver', 'calico', 'tiers']);
		} finally {
			await fleet.stop();
		}
	});
});

describe('management and managed clusters', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		fleet = await startTestFleet({managed: 1, standalone: 2, bare: 0});
	});
	afterAll(async () => fleet?.stop());

	const managedCluster = (name: string) => ({apiVersion: 'projectcalico.org/v3', kind: 'ManagedCluster', metadata: {name}, spec: {operatorNamespace: 'tigera-operator'}});

	it('refuses a ManagedCluster on a cluster that is not a management cluster', async () => {
		const {custom} = kubeClients(fleet, 'standalone-1');
		const error = await custom.createClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', body: managedCluster('x')})
			.then(() => undefined, (e: unknown) => e as {code: number; body: string});
		expect(error?.code).toBe(400);
		expect(error?.body).toMatch(/not a management cluster/);
	});

	it('joins standalone-2 to standalone-1 through the installation manifest', async () => {
		const mgmt = kubeClients(fleet, 'standalone-1');
		const nodes = await mgmt.core.listNode();
		const nodeIp = nodes.items[0].status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
		expect(nodeIp).toMatch(/^10\./);
		await mgmt.core.createNamespacedService({namespace: 'calico-system', body: {
			metadata: {name: 'calico-manager-mcm', namespace: 'calico-system'},
			spec: {type: 'NodePort', selector: {'k8s-app': 'calico-manager'}, ports: [{port: 9449, targetPort: 9449, protocol: 'TCP'}]},
		}});
		const service = await mgmt.core.readNamespacedService({name: 'calico-manager-mcm', namespace: 'calico-system'});
		const address = `${nodeIp}:${service.spec?.ports?.[0].nodePort}`;
		await mgmt.objects.create({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name: 'tigera-secure'}, spec: {address}} as KubernetesObject);

		const created = await mgmt.custom.createClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', body: managedCluster('standalone-2')}) as {spec: {installationManifest?: string}};
		const manifest = created.spec.installationManifest ?? '';
		const docs = yaml.loadAll(manifest) as KubernetesObject[];
		expect(docs.map((d) => d.kind)).toEqual(['ManagementClusterConnection', 'Secret']);
		expect((docs[0] as {spec?: {managementClusterAddr?: string}}).spec?.managementClusterAddr).toBe(address);
		expect(Object.keys((docs[1] as {data?: object}).data ?? {}).sort()).toEqual(['managed-cluster.crt', 'managed-cluster.key', 'management-cluster.crt']);

		const later = await mgmt.custom.getClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', name: 'standalone-2'}) as {spec: {installationManifest?: string}};
		expect(later.spec.installationManifest).toBeUndefined();
		await waitFor(() => fleet.connected('standalone-2', 'standalone-1') === 'Unknown');

		await apply(fleet, 'standalone-2', docs);
		await waitFor(() => fleet.tigeraStatus('standalone-2', 'management-cluster-connection') === 'True');
		// Still carrying LogStorage: tigera/operator v1.43.0 (logstorage/elastic/elastic_controller.go) degrades
		// log-storage-elastic on a managed cluster; the initializer's log-storage stays Available, and the
		// sub-controllers that return early on a managed cluster publish nothing.
		await waitFor(() => fleet.tigeraStatus('standalone-2', 'log-storage-elastic', 'Degraded') === 'True');
		const statuses = await tigeraStatuses(fleet, 'standalone-2');
		expect(condition(statuses.get('log-storage-elastic'), 'Degraded')).toMatchObject({reason: 'ResourceNotReady', message: 'LogStorage is not supported on a managed cluster'});
		expect(condition(statuses.get('log-storage'), 'Available')?.status).toBe('True');
		for (const gone of ['log-storage-access', 'log-storage-secrets', 'log-storage-esmetrics', 'log-storage-kubecontrollers', 'log-storage-dashboards']) {
			expect(statuses.has(gone), gone).toBe(false);
		}
		expect(fleet.connected('standalone-2', 'standalone-1')).not.toBe('False');

		const managed = kubeClients(fleet, 'standalone-2');
		for (const plural of ['managers', 'logstorages']) {
			await managed.custom.deleteClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural, name: 'tigera-secure'});
		}
		await waitFor(async () => {
			const s = await tigeraStatuses(fleet, 'standalone-2');
			return !s.has('manager') && ![...s.keys()].some((k) => k.startsWith('log-storage'));
		});
		await waitFor(() => fleet.connected('standalone-2', 'standalone-1') === 'True');
		const mcc = await managed.custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'managementclusterconnections', name: 'tigera-secure'});
		expect(condition(mcc, 'Ready')?.status).toBe('True');
	});

	it('does not connect with the manifest of a ManagedCluster that was deleted and created again', async () => {
		const mgmt = kubeClients(fleet, 'standalone-1');
		await mgmt.custom.deleteClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', name: 'standalone-2'});
		await mgmt.custom.createClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', body: managedCluster('standalone-2')});
		await waitFor(() => fleet.connected('standalone-2', 'standalone-1') === 'Unknown');
		await new Promise((r) => setTimeout(r, 100));
		expect(fleet.connected('standalone-2', 'standalone-1')).toBe('Unknown');
	});

	it('degrades management-cluster-connection, apiserver, compliance, manager and policy-recommendation on a cluster that is both', async () => {
		const {objects} = kubeClients(fleet, 'mgmt');
		await objects.create({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementClusterConnection', metadata: {name: 'tigera-secure'}, spec: {managementClusterAddr: '10.0.0.10:30449'}} as KubernetesObject);
		await waitFor(() => fleet.tigeraStatus('mgmt', 'management-cluster-connection', 'Degraded') === 'True');
		const s = await tigeraStatuses(fleet, 'mgmt');
		// tigera/operator v1.43.0: clusterconnection, apiserver, compliance, manager and policyrecommendation controllers.
		for (const component of ['management-cluster-connection', 'apiserver', 'compliance', 'manager', 'policy-recommendation']) {
			expect(condition(s.get(component), 'Degraded'), component).toMatchObject({
				status: 'True', reason: 'ResourceValidationError', message: ': having both a ManagementCluster and a ManagementClusterConnection is not supported',
			});
		}
		for (const unaffected of ['calico', 'tiers', 'monitor', 'log-storage']) expect(condition(s.get(unaffected), 'Available')?.status, unaffected).toBe('True');
		await objects.delete({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementClusterConnection', metadata: {name: 'tigera-secure'}});
		await waitFor(() => fleet.tigeraStatus('mgmt', 'management-cluster-connection', 'Degraded') === undefined);
		await waitFor(() => fleet.tigeraStatus('mgmt', 'apiserver') === 'True' && fleet.tigeraStatus('mgmt', 'manager') === 'True');
	});

	it('makes a managed cluster standalone when its connection and secret are deleted', async () => {
		const {objects} = kubeClients(fleet, 'managed-1');
		await objects.delete({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementClusterConnection', metadata: {name: 'tigera-secure'}});
		await objects.delete({apiVersion: 'v1', kind: 'Secret', metadata: {name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'}});
		await waitFor(() => fleet.connected('managed-1') === 'False');
		expect(fleet.tigeraStatus('managed-1', 'management-cluster-connection')).toBeUndefined();
		// A standalone cluster keeps its own logs: compliance now waits for a LogStorage, as the vendor's
		// managed → standalone steps say (re-create LogStorage and Manager).
		const s = await tigeraStatuses(fleet, 'managed-1');
		expect(condition(s.get('compliance'), 'Progressing')?.message).toMatch(/LogStorage/);
	});

	it('turns every ManagedCluster False when the ManagementCluster is deleted', async () => {
		const {objects} = kubeClients(fleet, 'standalone-1');
		await kubeClients(fleet, 'standalone-2').objects.create({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'unrelated'}});
		await objects.delete({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name: 'tigera-secure'}});
		await waitFor(() => fleet.connected('standalone-2', 'standalone-1') === 'False');
	});
});

describe('faults on TigeraStatus', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		fleet = await startTestFleet({managed: 1, standalone: 0, bare: 0});
	});
	afterAll(async () => fleet?.stop());

	it('degrade shows Degraded with the message, recover brings it back', async () => {
		expect(await fleet.control('degrade managed-1 compliance disk is full')).toBe('ok degrade managed-1 compliance disk is full');
		let s = await tigeraStatuses(fleet, 'managed-1');
		expect(condition(s.get('compliance'), 'Degraded')).toMatchObject({status: 'True', reason: 'SimulatedFault', message: 'disk is full'});
		expect(condition(s.get('compliance'), 'Available')?.status).toBe('False');
		expect(await fleet.control('recover managed-1 compliance')).toBe('ok recover managed-1 compliance');
		s = await tigeraStatuses(fleet, 'managed-1');
		expect(condition(s.get('compliance'), 'Available')?.status).toBe('True');
		expect(condition(s.get('compliance'), 'Degraded')?.status).toBe('False');
	});

	it('names the known components when the component is unknown', async () => {
		expect(await fleet.control('degrade mgmt kompliance')).toMatch(/^error: unknown component "kompliance" \(known: calico, apiserver/);
	});

	it('deleting a custom resource deletes its TigeraStatus', async () => {
		const {custom} = kubeClients(fleet, 'mgmt');
		await custom.deleteClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'packetcaptureapis', name: 'tigera-secure'});
		await waitFor(() => fleet.tigeraStatus('mgmt', 'packet-capture-api') === undefined);
		expect(await statusOf(custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses', name: 'packet-capture-api'}))).toBe(404);
	});
});
