import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import type {WatchHandle, WatchOptions} from '../../source/kube/watch.js';
import type {RawObject} from '../../source/mcm/raw.js';
import type {TunnelCertFacts} from '../../source/mcm/tunnel-cert.js';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';
import {installation, managedCluster, managementCluster, managementClusterConnection, tigerStatus} from '../mcm/raw-builders.js';

// fleet-sync against scripted watches (no HTTP): what the store receives, how often, and what is logged.

type FakeWatch = {context: string; path: string; handlers: WatchOptions<RawObject>['handlers']; stopped: boolean};

function fakeClients(...contexts: string[]): Map<string, ClusterClient> {
	return new Map(contexts.map(context => [context, {context} as ClusterClient]));
}

async function harness(contexts: string[], flushMs = 20) {
	const watches: FakeWatch[] = [];
	const store = createAppStore();
	let batches = 0;
	const applyBatch = store.getState().applyBatch;
	store.setState({
		applyBatch: batch => {
			batches++;
			applyBatch(batch);
		},
	});
	const sync = startFleetSync({
		store,
		clients: fakeClients(...contexts),
		flushMs,
		startWatch(client, options): WatchHandle {
			const w: FakeWatch = {context: client.context, path: options.path, handlers: options.handlers, stopped: false};
			watches.push(w);
			return {
				stop() {
					w.stopped = true;
				},
				wake() {},
				resourceVersion: undefined,
			};
		},
	});
	// First contacts go through the start limiter (first-contacts.ts), which begins them once startFleetSync has returned.
	await new Promise(resolve => setImmediate(resolve));
	const watch = (context: string, kind: keyof typeof watchedPaths) => watches.find(w => w.context === context && w.path === watchedPaths[kind])!;
	const list = (context: string, kind: keyof typeof watchedPaths, items: RawObject[]) => {
		const w = watch(context, kind);
		w.handlers.onReset(items);
		w.handlers.onState({state: 'ok'});
	};
	return {store, sync, watches, watch, list, batches: () => batches};
}

describe('startFleetSync', () => {
	it('starts one watch per resource and cluster, and is ready once every first list answered or failed', async () => {
		const h = await harness(['mgmt', 'gone']);
		// ManagedCluster is watched only once a ManagementCluster is seen.
		const everywhere = ['installations', 'tigerstatuses', 'managementclusters', 'managementclusterconnections'] as const;
		expect(h.watches).toHaveLength(8);
		expect(h.watches.some(w => w.path === watchedPaths.managedclusters)).toBe(false);
		let ready = false;
		void h.sync.ready().then(() => (ready = true));
		for (const kind of everywhere) h.list('mgmt', kind, []);
		await new Promise(r => setTimeout(r, 60));
		expect(ready).toBe(false);
		for (const kind of everywhere) {
			h.watch('gone', kind).handlers.onState({state: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:1'});
		}
		await h.sync.ready();
		expect(h.store.getState().clusters.gone).toMatchObject({health: 'unreachable', api: {state: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:1'}});
		expect(h.store.getState().clusters.mgmt).toMatchObject({role: 'not-installed', health: 'healthy'});
		expect(h.watches).toHaveLength(8);
		h.sync.stop();
		expect(h.watches.every(w => w.stopped)).toBe(true);
	});

	it('watches ManagedClusters while the cluster has a ManagementCluster, and drops them when it goes', async () => {
		const h = await harness(['mgmt']);
		h.list('mgmt', 'installations', [installation()]);
		h.list('mgmt', 'tigerstatuses', [tigerStatus('calico')]);
		h.list('mgmt', 'managementclusterconnections', []);
		h.list('mgmt', 'managementclusters', []);
		await h.sync.ready();
		expect(h.watch('mgmt', 'managedclusters')).toBeUndefined();
		expect(h.store.getState().clusters.mgmt).toMatchObject({role: 'standalone'});

		// make-management: the ManagementCluster appears, the ManagedCluster watch starts.
		h.watch('mgmt', 'managementclusters').handlers.onEvent('ADDED', managementCluster());
		const w = h.watch('mgmt', 'managedclusters');
		expect(w).toBeDefined();
		w.handlers.onReset([managedCluster('remote-1', 'True')]);
		w.handlers.onState({state: 'ok'});
		h.sync.flush();
		expect(h.store.getState().clusters.mgmt).toMatchObject({role: 'management'});
		expect(Object.values(h.store.getState().clusters).filter(c => c.remoteOnly)).toHaveLength(1);

		// The ManagementCluster is deleted: the watch stops and its remote-only rows go.
		h.watch('mgmt', 'managementclusters').handlers.onEvent('DELETED', managementCluster());
		h.sync.flush();
		expect(w.stopped).toBe(true);
		expect(Object.values(h.store.getState().clusters).filter(c => c.remoteOnly)).toHaveLength(0);
		expect(h.store.getState().clusters.mgmt).toMatchObject({role: 'standalone', api: {state: 'ok'}});
		expect(h.watches.filter(x => x.path === watchedPaths.managedclusters)).toHaveLength(1);
		h.sync.stop();
	});

	it('applies a storm of 1,000 watch events as one store update', async () => {
		const h = await harness(['mgmt']);
		h.list('mgmt', 'installations', [installation()]);
		h.list('mgmt', 'tigerstatuses', [tigerStatus('calico')]);
		h.list('mgmt', 'managementclusters', [managementCluster()]);
		h.list('mgmt', 'managementclusterconnections', []);
		h.list('mgmt', 'managedclusters', []);
		await h.sync.ready();
		const before = h.batches();
		const w = h.watch('mgmt', 'managedclusters');
		for (let i = 0; i < 1000; i++) w.handlers.onEvent('ADDED', managedCluster(`remote-${i}`, i % 2 ? 'True' : 'False'));
		await new Promise(r => setTimeout(r, 80));
		expect(h.batches() - before).toBe(1);
		const rows = Object.values(h.store.getState().clusters).filter(c => c.remoteOnly);
		expect(rows).toHaveLength(1000);
		expect(rows.filter(r => r.health === 'disconnected')).toHaveLength(500);
		h.sync.stop();
	});

	it('once loaded, shows each of a few connection flips close together at once; a storm past the burst waits for the window', async () => {
		const h = await harness(['mgmt'], 300);
		h.list('mgmt', 'installations', [installation()]);
		h.list('mgmt', 'tigerstatuses', [tigerStatus('calico')]);
		h.list('mgmt', 'managementclusters', [managementCluster()]);
		h.list('mgmt', 'managementclusterconnections', []);
		h.list('mgmt', 'managedclusters', [managedCluster('remote-1', 'True')]);
		await h.sync.ready();
		// The load spent the bucket (one flush at a time while loading): a quiet spell fills it.
		await new Promise(r => setTimeout(r, 1000));
		const w = h.watch('mgmt', 'managedclusters');
		const connected = () => Object.values(h.store.getState().clusters).find(c => c.remoteOnly)?.connection?.fromManagement;
		// A user flipping a tunnel: each flip in the store within a tick, not a window later.
		for (const state of ['False', 'True', 'False'] as const) {
			w.handlers.onEvent('MODIFIED', managedCluster('remote-1', state));
			await new Promise(r => setImmediate(r));
			await new Promise(r => setImmediate(r));
			expect(connected()).toBe(state);
			await new Promise(r => setTimeout(r, 5));
		}
		const before = h.batches();
		w.handlers.onEvent('MODIFIED', managedCluster('remote-1', 'True'));
		await new Promise(r => setTimeout(r, 50));
		expect(connected()).toBe('False');
		expect(h.batches()).toBe(before);
		h.sync.stop();
	});

	it('applies a certificate read that found something new, and skips the store for one that found the same', async () => {
		const h = await harness(['mgmt']);
		h.list('mgmt', 'installations', [installation()]);
		h.list('mgmt', 'tigerstatuses', [tigerStatus('calico')]);
		h.list('mgmt', 'managementclusters', [managementCluster()]);
		h.list('mgmt', 'managementclusterconnections', []);
		h.list('mgmt', 'managedclusters', []);
		await h.sync.ready();
		const read = (secret: string): TunnelCertFacts => ({readAt: Date.now(), managementCa: {state: 'missing', secret, message: `Secret ${secret} not found`}});
		h.sync.setTunnelCerts('mgmt', read('tigera-operator/a'));
		await new Promise(r => setTimeout(r, 60));
		const row = h.store.getState().clusters.mgmt!;
		expect(row.cert).toEqual({state: 'missing', message: 'Secret tigera-operator/a not found'});
		const before = h.batches();
		// The minute's re-read: same outcome, a new object and time. Nothing to apply.
		h.sync.setTunnelCerts('mgmt', read('tigera-operator/a'));
		await new Promise(r => setTimeout(r, 60));
		expect(h.batches()).toBe(before);
		expect(h.store.getState().clusters.mgmt).toBe(row);
		// A read that differs shows at once.
		h.sync.setTunnelCerts('mgmt', read('tigera-operator/b'));
		await new Promise(r => setTimeout(r, 60));
		expect(h.batches()).toBe(before + 1);
		expect(h.store.getState().clusters.mgmt!.cert).toEqual({state: 'missing', message: 'Secret tigera-operator/b not found'});
		h.sync.stop();
	});

	it('combines the watches’ states (the worst wins) and logs state, role, connection and TigerStatus changes', async () => {
		const h = await harness(['mgmt', 'managed-1']);
		h.list('mgmt', 'installations', [installation()]);
		h.list('mgmt', 'tigerstatuses', [tigerStatus('calico')]);
		h.list('mgmt', 'managementclusters', [managementCluster()]);
		h.list('mgmt', 'managementclusterconnections', []);
		h.list('mgmt', 'managedclusters', [managedCluster('managed-1', 'True')]);
		h.list('managed-1', 'installations', [installation()]);
		h.list('managed-1', 'tigerstatuses', [tigerStatus('calico'), tigerStatus('management-cluster-connection')]);
		h.list('managed-1', 'managementclusters', []);
		h.list('managed-1', 'managementclusterconnections', [managementClusterConnection()]);
		await h.sync.ready();
		expect(h.store.getState().clusters['managed-1']).toMatchObject({health: 'healthy', connection: {fromManagement: 'True'}});

		h.watch('mgmt', 'managedclusters').handlers.onEvent('MODIFIED', managedCluster('managed-1', 'False'));
		h.watch('mgmt', 'tigerstatuses').handlers.onEvent('MODIFIED', tigerStatus('calico', 'degraded', 'calico-node not ready'));
		h.watch('managed-1', 'tigerstatuses').handlers.onState({state: 'forbidden', error: 'cannot list', verb: 'list', resource: 'tigerastatuses.operator.tigera.io'});
		h.sync.flush();
		const s = h.store.getState();
		expect(s.clusters['managed-1'].api).toMatchObject({state: 'forbidden', verb: 'list', resource: 'tigerastatuses.operator.tigera.io'});
		const texts = s.log.map(l => `${l.cluster} ${l.text}`);
		expect(texts).toContain('mgmt tigerstatus calico degraded: calico-node not ready');
		expect(texts).toContain('managed-1 api ok -> forbidden (list tigerastatuses.operator.tigera.io): cannot list');
		expect(texts).toContain('managed-1 connection True -> False: tunnel down');
		expect(texts).toContain('managed-1 role unknown -> managed');

		h.watch('managed-1', 'tigerstatuses').handlers.onState({state: 'ok'});
		h.sync.flush();
		expect(h.store.getState().clusters['managed-1'].api.state).toBe('ok');
		expect(h.store.getState().log.at(-1)).toMatchObject({cluster: 'managed-1', text: 'api forbidden -> ok', level: 'info'});
		h.sync.stop();
	});
});
