// The list+watch loop against the simulated fleet and its fault controls: after every fault and
// recovery the watcher's copy must equal the cluster's true state.
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startWatch, type WatchState} from '../../source/kube/watch.js';
import {startTestFleet, waitFor, type TestFleet} from '../helpers/fleet.js';

const tigerastatuses = '/apis/operator.tigera.io/v1/tigerastatuses';

let fleet: TestFleet;
let clients: Map<string, ClusterClient>;
const stops: Array<() => void> = [];

beforeAll(async () => {
	fleet = await startTestFleet({managed: 2, standalone: 0, bare: 1});
	// A short request timeout so that faults show within the test's patience.
	clients = createClients(loadKubeconfig({kubeconfig: fleet.kubeconfigPath}), {requestTimeoutMs: 1500});
});
afterEach(async () => {
	for (const stop of stops.splice(0)) stop();
	// Put every cluster back as it was for the next test.
	for (const name of ['mgmt', 'managed-1', 'managed-2']) await fleet.apiUp(name);
});
afterAll(async () => {
	for (const client of clients?.values() ?? []) client.close();
	await fleet?.stop();
});

/** The fields of a watched object these tests read. */
type Watched = {metadata: {name: string; resourceVersion?: string}; data?: unknown; status?: {conditions?: Array<{type?: string; status?: string}>}};

type Mirror = {objects: Map<string, Watched>; states: WatchState[]; resets: number; absent: boolean};

function watch(cluster: string, path = tigerastatuses, watchdogMs = 1500): Mirror {
	const m: Mirror = {objects: new Map(), states: [], resets: 0, absent: false};
	const handle = startWatch<Watched>(clients.get(cluster)!, {
		path,
		watchdogMs,
		backoff: {initialMs: 100, maxMs: 500},
		absentBackoff: {initialMs: 100, maxMs: 500},
		handlers: {
			onReset(items) {
				m.resets++;
				m.objects = new Map(items.map((o) => [o.metadata.name, o]));
			},
			onEvent(type, object) {
				if (type === 'DELETED') m.objects.delete(object.metadata.name);
				else m.objects.set(object.metadata.name, object);
			},
			onState: (state) => m.states.push(state),
			onAbsent: () => (m.absent = true),
		},
	});
	stops.push(() => handle.stop());
	return m;
}

/** name → resourceVersion, of the mirror and of the cluster's store. */
const seen = (m: Mirror) => JSON.stringify([...m.objects.values()].map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort());
function truth(cluster: string, resource = 'tigerastatuses'): string {
	const store = fleet.store(cluster);
	const type = store.lookup('operator.tigera.io', 'v1', resource)!;
	return JSON.stringify(store.list(type).map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort());
}
const state = (m: Mirror) => m.states.at(-1)?.state;
const inSync = (m: Mirror, cluster: string) => state(m) === 'ok' && seen(m) === truth(cluster);
const degraded = (m: Mirror, name: string) =>
	(m.objects.get(name)?.status?.conditions ?? []).find(c => c.type === 'Degraded')?.status === 'True';

describe('startWatch against the simulated fleet', () => {
	it('lists and then follows TigeraStatus changes on every cluster', async () => {
		const mgmt = watch('mgmt');
		const managed = watch('managed-1');
		await waitFor(() => inSync(mgmt, 'mgmt') && inSync(managed, 'managed-1'), {message: 'both in sync'});
		expect(mgmt.objects.has('manager')).toBe(true);
		await fleet.degrade('managed-1', 'calico', 'calico-node is crash-looping');
		await waitFor(() => degraded(managed, 'calico'), {message: 'Degraded event'});
		await waitFor(() => inSync(managed, 'managed-1'), {message: 'in sync after degrade'});
		await fleet.recover('managed-1', 'calico');
		await waitFor(() => !degraded(managed, 'calico') && inSync(managed, 'managed-1'), {message: 'recovered'});
		expect(managed.resets).toBe(1);
	});

	it('relists after expire-watches and misses no change', async () => {
		const m = watch('managed-2');
		await waitFor(() => inSync(m, 'managed-2'), {message: 'in sync'});
		// Another resource changes first, so the watch's resourceVersion falls below the expired history:
		// resuming must get 410 Gone and force a relist.
		const store = fleet.store('managed-2');
		store.create(store.lookup('', 'v1', 'configmaps')!, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'bump', namespace: 'default'}, data: {}});
		await fleet.expireWatches('managed-2');
		await fleet.degrade('managed-2', 'apiserver', 'expired meanwhile');
		await waitFor(() => m.resets >= 2, {message: 'relist'});
		await waitFor(() => inSync(m, 'managed-2') && degraded(m, 'apiserver'), {message: 'in sync after relist'});
		expect(m.states.map((s) => s.state)).toEqual(['connecting', 'ok']);
		await fleet.recover('managed-2', 'apiserver');
		await waitFor(() => inSync(m, 'managed-2') && !degraded(m, 'apiserver'), {message: 'in sync after recover'});
	});

	it('reports api-down as unreachable while other clusters keep flowing, and catches up on api-up', async () => {
		const down = watch('managed-1');
		const other = watch('managed-2');
		await waitFor(() => inSync(down, 'managed-1') && inSync(other, 'managed-2'), {message: 'in sync'});
		await fleet.apiDown('managed-1');
		const unreachable = await waitFor(() => down.states.find((s) => s.state === 'unreachable' && s.error?.includes('ECONNREFUSED')), {message: 'unreachable'});
		expect(unreachable!.error).toContain(`connect ECONNREFUSED 127.0.0.1:${fleet.clusters.find((c) => c.name === 'managed-1')!.port}`);
		// Changes behind the dead API server, and on a healthy neighbour.
		await fleet.degrade('managed-1', 'monitor', 'changed while down');
		await fleet.degrade('managed-2', 'monitor', 'neighbour keeps flowing');
		await waitFor(() => degraded(other, 'monitor'), {message: 'the neighbour event'});
		expect(state(other)).toBe('ok');
		await fleet.apiUp('managed-1');
		await waitFor(() => inSync(down, 'managed-1') && degraded(down, 'monitor'), {message: 'caught up after api-up'});
		await fleet.recover('managed-1', 'monitor');
		await fleet.recover('managed-2', 'monitor');
		await waitFor(() => inSync(down, 'managed-1') && inSync(other, 'managed-2'), {message: 'in sync after recover'});
	});

	it('detects api-hang through the watchdog and the request timeout, and catches up on api-up', async () => {
		const m = watch('mgmt');
		await waitFor(() => inSync(m, 'mgmt'), {message: 'in sync'});
		await fleet.apiHang('mgmt');
		await fleet.degrade('mgmt', 'compliance', 'changed while hung');
		const unreachable = await waitFor(() => m.states.find((s) => s.state === 'unreachable'), {message: 'unreachable'});
		expect(unreachable!.error).toMatch(/^no answer within 1\.5s \(GET \/apis\/operator\.tigera\.io\/v1\/tigerastatuses\)$/);
		await fleet.apiUp('mgmt');
		await waitFor(() => inSync(m, 'mgmt') && degraded(m, 'compliance'), {message: 'caught up after api-up'});
		await fleet.recover('mgmt', 'compliance');
		await waitFor(() => inSync(m, 'mgmt') && !degraded(m, 'compliance'), {message: 'in sync after recover'});
	});

	it('treats a resource a cluster does not serve as an empty list', async () => {
		const bare = watch('bare-1');
		const mc = watch('managed-1', '/apis/operator.tigera.io/v1/managementclusters');
		await waitFor(() => bare.absent && state(bare) === 'ok', {message: 'absent on bare'});
		expect(bare.objects.size).toBe(0);
		// Served but empty: a managed cluster has the CRD and no ManagementCluster.
		await waitFor(() => state(mc) === 'ok', {message: 'listed'});
		expect(mc.absent).toBe(false);
		expect(seen(mc)).toBe(truth('managed-1', 'managementclusters'));
	});
});
