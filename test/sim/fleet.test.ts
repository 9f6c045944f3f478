// The fleet at start (issue 2's topology), its kubeconfig, and the fault controls, seen through
// @kubernetes/client-node as the console sees them.
import {statSync, readFileSync} from 'node:fs';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {kubeClients, startTestFleet, statusOf, waitFor, type TestFleet} from '../helpers/fleet.js';
import {startFleet} from '../../source/sim/fleet.js';

type Conditions = {status?: {conditions?: Array<{type: string; status: string; reason?: string}>}};
const condition = (obj: unknown, type: string) => (obj as Conditions).status?.conditions?.find((c) => c.type === type);

describe('the default fleet', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		fleet = await startTestFleet();
	});
	afterAll(async () => fleet?.stop());

	it('has mgmt, 3 managed, 1 standalone and 1 bare cluster, each a context with its own token', () => {
		expect(fleet.clusters.map((c) => `${c.name}:${c.role}`)).toEqual([
			'mgmt:management', 'managed-1:managed', 'managed-2:managed', 'managed-3:managed', 'standalone-1:standalone', 'bare-1:bare',
		]);
		const config = yaml.load(readFileSync(fleet.kubeconfigPath, 'utf8')) as {
			'current-context': string; contexts: Array<{name: string}>; users: Array<{user: {token: string}}>; clusters: Array<{cluster: {server: string}}>;
		};
		expect(config['current-context']).toBe('mgmt');
		expect(config.contexts.map((c) => c.name)).toEqual(fleet.clusters.map((c) => c.name));
		expect(new Set(config.users.map((u) => u.user.token)).size).toBe(6);
		expect(new Set(config.clusters.map((c) => c.cluster.server)).size).toBe(6);
		expect(statSync(fleet.kubeconfigPath).mode & 0o777).toBe(0o600);
	});

	it('mgmt is a management cluster with every TigeraStatus Available and every managed cluster connected', async () => {
		const {custom} = kubeClients(fleet, 'mgmt');
		const statuses = await custom.listClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses'}) as {items: unknown[]};
		expect(statuses.items.length).toBeGreaterThanOrEqual(10);
		for (const s of statuses.items) expect(condition(s, 'Available')?.status).toBe('True');
		const mc = await custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'managementclusters', name: 'tigera-secure'}) as {spec: {address: string}};
		expect(mc.spec.address).toMatch(/^\d+\.\d+\.\d+\.\d+:30449$/);
		const managed = await custom.listClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters'}) as {items: Array<{metadata: {name: string}}>};
		expect(managed.items.map((m) => m.metadata.name)).toEqual(['managed-1', 'managed-2', 'managed-3']);
		for (const m of managed.items) expect(condition(m, 'ManagedClusterConnected')?.status).toBe('True');
		const {core} = kubeClients(fleet, 'mgmt');
		const svc = await core.readNamespacedService({name: 'calico-manager-mcm', namespace: 'calico-system'});
		expect(svc.spec?.ports?.[0].nodePort).toBe(30449);
		const pods = await core.listNamespacedPod({namespace: 'calico-system', labelSelector: 'k8s-app=calico-manager'});
		expect(pods.items[0]?.status?.phase).toBe('Running');
	});

	it('managed clusters run guardian, hold the connection objects, and have no Manager or LogStorage', async () => {
		const {custom, core} = kubeClients(fleet, 'managed-2');
		const mcc = await custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'managementclusterconnections', name: 'tigera-secure'}) as {spec: {managementClusterAddr: string}};
		expect(mcc.spec.managementClusterAddr).toMatch(/:30449$/);
		const secret = await core.readNamespacedSecret({name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'});
		expect(Object.keys(secret.data ?? {}).sort()).toEqual(['managed-cluster.crt', 'managed-cluster.key', 'management-cluster.crt']);
		const statuses = await custom.listClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses'}) as {items: Array<{metadata: {name: string}}>};
		const names = statuses.items.map((s) => s.metadata.name);
		expect(names).toContain('management-cluster-connection');
		expect(names).not.toContain('manager');
		expect(names).not.toContain('log-storage');
		for (const s of statuses.items) expect(condition(s, 'Available')?.status, s.metadata.name).toBe('True');
		expect(await statusOf(custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'managers', name: 'tigera-secure'}))).toBe(404);
	});

	it('bare has nodes to suggest an address from, a default StorageClass, and no Calico at all', async () => {
		const {core, custom, config} = kubeClients(fleet, 'bare-1');
		const nodes = await core.listNode();
		expect(nodes.items.length).toBeGreaterThan(0);
		expect(nodes.items[0].status?.addresses?.map((a) => a.type)).toEqual(expect.arrayContaining(['InternalIP', 'ExternalIP']));
		const {StorageV1Api} = await import('@kubernetes/client-node');
		const classes = await config.makeApiClient(StorageV1Api).listStorageClass();
		expect(classes.items.map((c) => c.metadata?.name)).toEqual(['standard']);
		expect(await statusOf(custom.listClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'installations'}))).toBe(404);
		const standalone = await kubeClients(fleet, 'standalone-1').config.makeApiClient(StorageV1Api).listStorageClass();
		expect(standalone.items.map((c) => c.metadata?.name).sort()).toEqual(['standard', 'tigera-elasticsearch']);
	});

	it('installed clusters carry the tigera-network-admin and tigera-ui-user ClusterRoles', async () => {
		const {RbacAuthorizationV1Api} = await import('@kubernetes/client-node');
		for (const name of ['mgmt', 'managed-1', 'standalone-1']) {
			const roles = await kubeClients(fleet, name).config.makeApiClient(RbacAuthorizationV1Api).listClusterRole();
			expect(roles.items.map((r) => r.metadata?.name), name).toEqual(expect.arrayContaining(['tigera-network-admin', 'tigera-ui-user']));
		}
	});

	it('gives a LoadBalancer service an ingress IP and recreates a deleted pod of a Deployment', async () => {
		const {core} = kubeClients(fleet, 'standalone-1');
		await core.createNamespacedService({namespace: 'calico-system', body: {
			metadata: {name: 'calico-manager-mcm'},
			spec: {type: 'LoadBalancer', selector: {'k8s-app': 'calico-manager'}, ports: [{port: 9449, targetPort: 9449, protocol: 'TCP'}]},
		}});
		const svc = await waitFor(async () => {
			const s = await core.readNamespacedService({name: 'calico-manager-mcm', namespace: 'calico-system'});
			return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
		});
		expect(svc.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
		const pod = fleet.operator('standalone-1').podName;
		await core.deleteNamespacedPod({name: pod, namespace: 'tigera-operator'});
		await waitFor(async () => (await core.listNamespacedPod({namespace: 'tigera-operator'})).items.some((p) => p.metadata?.name === pod));
	});

	it('tunnel-down turns the management side False while the managed side stays Available; tunnel-up reconnects', async () => {
		expect(await fleet.control('tunnel-down managed-3')).toBe('ok tunnel-down managed-3');
		const {custom} = kubeClients(fleet, 'mgmt');
		const down = await custom.getClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters', name: 'managed-3'});
		expect(condition(down, 'ManagedClusterConnected')).toMatchObject({status: 'False', reason: 'Disconnected'});
		expect(fleet.tigeraStatus('managed-3', 'management-cluster-connection')).toBe('True');
		expect(fleet.connected('managed-2')).toBe('True');
		expect(await fleet.control('tunnel-up managed-3')).toBe('ok tunnel-up managed-3');
		await waitFor(() => fleet.connected('managed-3') === 'True');
	});

	it('api-down refuses connections and api-up serves again', async () => {
		const {core} = kubeClients(fleet, 'standalone-1');
		expect(await fleet.control('api-down standalone-1')).toBe('ok api-down standalone-1');
		const error = await core.listNamespace().then(() => undefined, (e: unknown) => e as Error & {code?: string; cause?: {code?: string}});
		expect(`${error?.message} ${error?.code ?? ''} ${error?.cause?.code ?? ''}`).toMatch(/ECONNREFUSED/);
		// The other clusters keep serving.
		expect((await kubeClients(fleet, 'mgmt').core.listNamespace()).items.length).toBeGreaterThan(0);
		expect(await fleet.control('api-up standalone-1')).toBe('ok api-up standalone-1');
		expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
	});

	it('answers every control with one line, naming what is wrong', async () => {
		expect(await fleet.control('expire-watches mgmt')).toBe('ok expire-watches mgmt');
		expect(await fleet.control('api-down nowhere')).toBe('error: unknown cluster "nowhere" (known: mgmt, managed-1, managed-2, managed-3, standalone-1, bare-1)');
		expect(await fleet.control('reboot mgmt')).toMatch(/^error: unknown control "reboot" \(expected: api-down C/);
		expect(await fleet.control('degrade mgmt')).toMatch(/^error: degrade needs a component/);
		expect(await fleet.control('api-up')).toMatch(/^error: api-up needs a cluster name/);
		await expect(fleet.apiDown('nowhere')).rejects.toThrow(/unknown cluster "nowhere"/);
	});
});

describe('Calico Enterprise 3.22 naming', () => {
	it('puts the manager in tigera-manager behind tigera-manager-mcm', async () => {
		const fleet = await startTestFleet({managed: 1, standalone: 0, bare: 0, enterpriseVersion: '3.22'});
		try {
			const {core, custom} = kubeClients(fleet, 'mgmt');
			const svc = await core.readNamespacedService({name: 'tigera-manager-mcm', namespace: 'tigera-manager'});
			expect(svc.spec?.selector).toEqual({'k8s-app': 'tigera-manager'});
			expect(await statusOf(core.readNamespacedService({name: 'calico-manager-mcm', namespace: 'calico-system'}))).toBe(404);
			const installation = await custom.getClusterCustomObject({group: 'operator.tigera.io', version: 'v1', plural: 'installations', name: 'default'}) as {status: {calicoVersion: string}};
			expect(installation.status.calicoVersion).toBe('v3.22.0');
			expect(fleet.connected('managed-1')).toBe('True');
		} finally {
			await fleet.stop();
		}
	});
});

describe('bad options', () => {
	it('refuses negative, fractional and absurd counts, bad speeds and versions', async () => {
		await expect(startFleet({managed: -1})).rejects.toThrow(/--managed -1: expected a whole number from 0 to 5000/);
		await expect(startFleet({bare: 1.5})).rejects.toThrow(/--bare 1.5/);
		await expect(startFleet({standalone: 100_000})).rejects.toThrow(/--standalone 100000/);
		await expect(startFleet({speed: -2})).rejects.toThrow(/--speed -2/);
		await expect(startFleet({enterpriseVersion: 'latest'})).rejects.toThrow(/invalid Calico Enterprise version "latest"/);
		await expect(startFleet({kubeconfigOut: '/nonexistent-dir/kubeconfig'})).rejects.toThrow(/directory \/nonexistent-dir does not exist/);
	});
});

describe('remote-only managed clusters (--remote-managed)', () => {
	it('are ManagedClusters on mgmt, connected, with no context or API server of their own', async () => {
		const fleet = await startFleet({managed: 1, standalone: 0, bare: 0, remoteManaged: 25, speed: 0});
		try {
			expect(fleet.clusters.map((c) => c.name)).toEqual(['mgmt', 'managed-1']);
			const {custom} = kubeClients(fleet, 'mgmt');
			const list = async () => (await custom.listClusterCustomObject({group: 'projectcalico.org', version: 'v3', plural: 'managedclusters'}) as {items: Array<{metadata: {name: string}} & Conditions>}).items;
			// The tunnel of the real managed cluster still works beside them.
			await waitFor(async () => condition((await list()).find((m) => m.metadata.name === 'managed-1'), 'ManagedClusterConnected')?.status === 'True');
			const items = await list();
			expect(items).toHaveLength(26);
			const remote = items.filter((m) => m.metadata.name.startsWith('remote-'));
			expect(remote).toHaveLength(25);
			for (const m of remote) expect(condition(m, 'ManagedClusterConnected')?.status).toBe('True');
		} finally {
			await fleet.stop();
		}
	});
});
