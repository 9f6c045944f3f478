import {describe, expect, it, vi} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import type {WatchHandle, WatchOptions} from '../../source/kube/watch.js';
import type {RawObject} from '../../source/mcm/raw.js';
import {loadingWindowFor, startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {startTunnelCertSync} from '../../source/sync/tunnel-cert-sync.js';
import {createAppStore} from '../../source/store/store.js';
import {installation, managedCluster, managementCluster, managementClusterConnection, tigerStatus} from '../mcm/raw-builders.js';
import {cluster} from '../ui/fixtures.js';
import {b64, recordingClients, tunnelCa} from './fleet-reads.js';

// What a fleet asks its clusters while it starts: each managed cluster's connection Secret once (its
// identity and its CERT column from the same read), and no reachability probe before the fleet's
// first lists are in.

function scriptedWatches() {
	const watches: Array<{context: string; path: string; handlers: WatchOptions<RawObject>['handlers']}> = [];
	const startWatch = (client: ClusterClient, options: WatchOptions<RawObject>): WatchHandle => {
		watches.push({context: client.context, path: options.path, handlers: options.handlers});
		return {stop() {}, wake() {}, resourceVersion: undefined};
	};
	const list = (context: string, kind: keyof typeof watchedPaths, items: RawObject[]) => {
		const w = watches.find(x => x.context === context && x.path === watchedPaths[kind])!;
		w.handlers.onReset(items);
		w.handlers.onState({state: 'ok'});
	};
	/** Every first list of `context` answers, empty. */
	const listAll = (context: string) => {
		for (const kind of ['installations', 'tigerstatuses', 'managementclusters', 'managementclusterconnections'] as const) list(context, kind, []);
	};
	return {startWatch, list, listAll};
}

const managedSecretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-managed-cluster-connection';
const caSecretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-management-cluster-connection';
const settle = (ms = 30) => new Promise(resolve => setTimeout(resolve, ms));

describe('the reads of a starting fleet', () => {
	it('redraws a loading fleet of thousands less often than a small one (each redraw passes over every row)', () => {
		expect(loadingWindowFor(3)).toBe(400);
		expect(loadingWindowFor(1001)).toBe(1000);
		expect(loadingWindowFor(10_001)).toBe(1000);
	});

	it('shows the fleet as soon as its last first list is in, not at the end of the loading window', async () => {
		const {clients} = recordingClients({mgmt: {}, 'ctx-a': {}});
		const store = createAppStore();
		const w = scriptedWatches();
		// A loading window far longer than the test: only the fleet's completion can flush it.
		const sync = startFleetSync({store, clients, flushMs: 5, loadingFlushMs: 60_000, startWatch: w.startWatch});
		try {
			await settle(0);
			w.list('mgmt', 'installations', [installation()]);
			w.list('mgmt', 'tigerstatuses', [tigerStatus('apiserver')]);
			w.list('mgmt', 'managementclusters', [managementCluster()]);
			w.list('mgmt', 'managementclusterconnections', []);
			w.list('mgmt', 'managedclusters', []);
			w.list('ctx-a', 'installations', [installation()]);
			w.list('ctx-a', 'tigerstatuses', [tigerStatus('guardian')]);
			w.list('ctx-a', 'managementclusters', []);
			await settle();
			// One list still missing: the window holds (the leading flush aside, nothing after it).
			expect(store.getState().clusters['ctx-a']?.role).not.toBe('standalone');
			w.list('ctx-a', 'managementclusterconnections', []);
			await settle();
			expect(store.getState().clusters.mgmt).toMatchObject({role: 'management', health: 'healthy'});
			expect(store.getState().clusters['ctx-a']).toMatchObject({role: 'standalone', health: 'healthy'});
		} finally {
			sync.stop();
		}
	});

	it("reads each managed cluster's connection Secret once, for its identity and its CERT column", async () => {
		const ca = tunnelCa();
		const leaf = ca.leaf('managed-1');
		const {clients, asked} = recordingClients({
			mgmt: {[caSecretPath]: {data: {'tls.crt': b64(ca.pem), 'tls.key': b64('PRIVATE')}}, '/version': {}},
			'ctx-a': {[managedSecretPath]: {data: {'managed-cluster.crt': b64(leaf), 'management-cluster.crt': b64(ca.pem), 'managed-cluster.key': b64('PRIVATE')}}, '/version': {}},
		});
		const store = createAppStore();
		const w = scriptedWatches();
		const sync = startFleetSync({store, clients, flushMs: 5, loadingFlushMs: 5, startWatch: w.startWatch});
		const certs = startTunnelCertSync({store, clients, sync});
		try {
			await settle(0);
			w.list('mgmt', 'installations', [installation()]);
			w.list('mgmt', 'tigerstatuses', [tigerStatus('apiserver')]);
			w.list('mgmt', 'managementclusters', [managementCluster()]);
			w.list('mgmt', 'managementclusterconnections', []);
			w.list('mgmt', 'managedclusters', [managedCluster('managed-1', 'True')]);
			w.list('ctx-a', 'installations', [installation()]);
			w.list('ctx-a', 'tigerstatuses', [tigerStatus('guardian')]);
			w.list('ctx-a', 'managementclusters', []);
			w.list('ctx-a', 'managementclusterconnections', [managementClusterConnection()]);
			await sync.ready();
			await certs.readAll();
			sync.flush();
			await settle();
			sync.flush();
			const row = store.getState().clusters['ctx-a']!;
			// Matched by the certificate read from the Secret, not by name (the context is not named managed-1).
			expect(row.connection).toMatchObject({managedName: 'managed-1', matchedBy: 'certificate'});
			expect(row.cert).toMatchObject({state: 'ok', chained: true});
			expect(store.getState().clusters.mgmt!.cert).toMatchObject({state: 'ok'});
			expect(asked.filter(a => a.context === 'ctx-a' && a.path === managedSecretPath)).toHaveLength(1);
			expect(JSON.stringify(store.getState())).not.toContain(b64('PRIVATE'));
		} finally {
			certs.stop();
			sync.stop();
		}
	});

	it("sends no reachability probe before every cluster's first lists are in", async () => {
		const {clients, asked} = recordingClients({a: {'/version': {}}, b: {'/version': {}}});
		const store = createAppStore();
		const w = scriptedWatches();
		const sync = startFleetSync({store, clients, flushMs: 5, loadingFlushMs: 5, probeMs: 200, startWatch: w.startWatch});
		try {
			await settle(0);
			w.listAll('a');
			// a's lists are in, b's are not: the start burst is still on. (Probes spread over an interval
			// from the start would almost surely have gone by now.)
			await settle(180);
			expect(asked.filter(x => x.path === '/version')).toHaveLength(0);
			w.listAll('b');
			await sync.ready();
			// Then both probe, within one interval.
			await settle(300);
			expect(new Set(asked.filter(x => x.path === '/version').map(x => x.context))).toEqual(new Set(['a', 'b']));
		} finally {
			sync.stop();
		}
	});

	it("still probes a cluster whose lists are in when another cluster's never answer", async () => {
		const {clients, asked} = recordingClients({a: {'/version': {}}, hung: {'/version': {}}});
		const store = createAppStore();
		const w = scriptedWatches();
		const sync = startFleetSync({store, clients, flushMs: 5, loadingFlushMs: 5, probeMs: 100, startWatch: w.startWatch});
		try {
			await settle(0);
			w.listAll('a');
			// One interval after a's lists (then within one more: the first probe is spread over an interval).
			await settle(300);
			expect(asked.filter(x => x.context === 'a' && x.path === '/version').length).toBeGreaterThan(0);
		} finally {
			sync.stop();
		}
	});

	it('probes the clusters on screen often and the rest of a big fleet rarely, and follows the screen', async () => {
		const {clients, asked} = recordingClients({a: {'/version': {}}, b: {'/version': {}}, c: {'/version': {}}});
		const store = createAppStore();
		const w = scriptedWatches();
		const sync = startFleetSync({store, clients, flushMs: 5, loadingFlushMs: 5, probeMs: {'selected': 40, 'on-screen': 40, 'off-screen': 600_000}, startWatch: w.startWatch});
		const probes = (context: string) => asked.filter(x => x.context === context && x.path === '/version').length;
		try {
			await settle(0);
			sync.setProbeFocus({contexts: ['a']});
			for (const context of ['a', 'b', 'c']) w.listAll(context);
			await sync.ready();
			await settle(400);
			expect(probes('a')).toBeGreaterThanOrEqual(3);
			expect(probes('b') + probes('c')).toBe(0);
			// b scrolls into view and is selected: probed from now on; a left the screen.
			sync.setProbeFocus({contexts: ['b'], selected: 'b'});
			const a = probes('a');
			await settle(400);
			expect(probes('b')).toBeGreaterThanOrEqual(3);
			expect(probes('a') - a).toBeLessThanOrEqual(1);
			expect(probes('c')).toBe(0);
		} finally {
			sync.stop();
		}
	});

	it('reads the certificate Secrets of a big fleet again every 0.6 s per cluster, of a small one every minute', async () => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval']});
		try {
			for (const [size, everyMs] of [[20, 60_000], [300, 180_000]] as const) {
				const contexts = Array.from({length: size}, (_, i) => `m-${i}`);
				const {clients, asked} = recordingClients(Object.fromEntries(contexts.map(c => [c, {}])));
				const store = createAppStore();
				store.getState().applyBatch({clusters: Object.fromEntries(contexts.map(c => [c, cluster(c, {role: 'managed'})]))});
				const certs = startTunnelCertSync({store, clients, sync: {setTunnelCerts() {}, raw: () => undefined}});
				const reads = () => asked.filter(a => a.path === managedSecretPath).length;
				await vi.advanceTimersByTimeAsync(1000);
				expect(reads()).toBe(size);
				await vi.advanceTimersByTimeAsync(everyMs - 2000);
				expect(reads()).toBe(size);
				await vi.advanceTimersByTimeAsync(2000);
				expect(reads()).toBe(2 * size);
				certs.stop();
			}
		} finally {
			vi.useRealTimers();
		}
	});
});
