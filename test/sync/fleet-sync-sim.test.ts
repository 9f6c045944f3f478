import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import type {ApiState} from '../../source/mcm/types.js';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';
import {startFleetSync, type FleetSync} from '../../source/sync/fleet-sync.js';
import {createAppStore, type AppStore} from '../../source/store/store.js';
import {project, trueFleet} from './sim-truth.js';

// fleet-sync against the simulator: after every fault and recovery, the store must equal the servers'
// true state (computed from the simulator's object stores directly).

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise(r => setTimeout(r, 50));
	}
}

describe('fleet-sync against the simulator', () => {
	let fleet: Fleet;
	let store: AppStore;
	let sync: FleetSync;
	let clients: Map<string, ClusterClient>;
	let contexts: string[];
	const faults: Record<string, ApiState> = {};

	beforeAll(async () => {
		fleet = await startFleet({managed: 3, standalone: 1, bare: 1, speed: 0});
		contexts = fleet.clusters.map(c => c.name);
		clients = createClients(loadKubeconfig({kubeconfig: fleet.kubeconfigPath}), {requestTimeoutMs: 1000});
		store = createAppStore();
		sync = startFleetSync({store, clients, flushMs: 50, watchdogMs: 1500, watchOptions: {backoff: {initialMs: 100, maxMs: 400}}});
		await sync.ready();
	});

	afterAll(async () => {
		sync?.stop();
		for (const client of clients?.values() ?? []) client.close();
		await fleet?.stop();
	});

	/** Waits until the store equals the truth, then asserts it (so a failure shows the difference). */
	async function expectStoreIsTrue(): Promise<void> {
		const truth = () => project(trueFleet(fleet, contexts, faults).clusters);
		const mine = () => project(store.getState().clusters);
		try {
			await waitFor('the store to equal the servers’ state', () => JSON.stringify(mine()) === JSON.stringify(truth()));
		} catch {
			// fall through to the assertion, which shows the difference
		}
		expect(mine()).toEqual(truth());
	}

	it('starts equal to the servers: one management, three managed, one standalone, one bare', async () => {
		await expectStoreIsTrue();
		const clusters = store.getState().clusters;
		expect(clusters.mgmt).toMatchObject({role: 'management', health: 'healthy'});
		expect(clusters['managed-2']).toMatchObject({role: 'managed', health: 'healthy', connection: {management: 'mgmt', fromManagement: 'True', fromManaged: 'True'}});
		expect(clusters['bare-1']).toMatchObject({role: 'not-installed'});
		expect(store.getState().statuses.mgmt.length).toBeGreaterThan(5);
	});

	it('follows a tunnel going down and up', async () => {
		await fleet.tunnelDown('managed-2');
		await expectStoreIsTrue();
		expect(store.getState().clusters['managed-2']).toMatchObject({health: 'disconnected', connection: {fromManagement: 'False'}});
		expect(store.getState().log.some(l => l.cluster === 'managed-2' && l.text.startsWith('connection True -> False'))).toBe(true);
		await fleet.tunnelUp('managed-2');
		await expectStoreIsTrue();
		expect(store.getState().clusters['managed-2'].health).toBe('healthy');
	});

	it('follows a component degrading and recovering', async () => {
		await fleet.degrade('standalone-1', 'compliance', 'Elasticsearch unreachable');
		await expectStoreIsTrue();
		expect(store.getState().clusters['standalone-1']).toMatchObject({health: 'degraded', rollup: {degraded: ['compliance']}});
		expect(store.getState().log.some(l => l.cluster === 'standalone-1' && l.text === 'tigerstatus compliance degraded: Elasticsearch unreachable')).toBe(true);
		await fleet.recover('standalone-1', 'compliance');
		await expectStoreIsTrue();
		expect(store.getState().log.some(l => l.cluster === 'standalone-1' && l.text === 'tigerstatus compliance recovered')).toBe(true);
	});

	it('marks a cluster whose API goes down unreachable (with the error), and recovers when it is back', async () => {
		await fleet.apiDown('mgmt');
		faults.mgmt = 'unreachable';
		await expectStoreIsTrue();
		expect(store.getState().clusters.mgmt.api.error).toMatch(/ECONNREFUSED|socket|reset|closed/i);
		// The managed clusters still answer; their tunnel's management side cannot be read now.
		expect(store.getState().clusters['managed-1'].connection?.message).toBe('management cluster mgmt is unreachable');
		await fleet.apiUp('mgmt');
		delete faults.mgmt;
		await expectStoreIsTrue();
		const texts = store.getState().log.filter(l => l.cluster === 'mgmt').map(l => l.text);
		expect(texts.some(t => t.startsWith('api ok -> unreachable'))).toBe(true);
		expect(texts).toContain('api unreachable -> ok');
	});

	it('marks a hanging cluster unreachable after the watchdog and request timeout, and recovers', async () => {
		await fleet.apiHang('managed-3');
		faults['managed-3'] = 'unreachable';
		await expectStoreIsTrue();
		await fleet.apiUp('managed-3');
		delete faults['managed-3'];
		await expectStoreIsTrue();
	});

	it('sees changes made after the watches expired (relist on 410 Gone)', async () => {
		await fleet.expireWatches('managed-1');
		await fleet.degrade('managed-1', 'tiers', 'after expiry');
		await expectStoreIsTrue();
		expect(store.getState().clusters['managed-1'].rollup.degraded).toEqual(['tiers']);
		await fleet.expireWatches('managed-1');
		await fleet.recover('managed-1', 'tiers');
		await expectStoreIsTrue();
		expect(store.getState().clusters['managed-1'].health).toBe('healthy');
	});
});
