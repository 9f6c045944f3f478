import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';
import {startFleetSync, type FleetSync} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';

// The one-shot `status` lists a fleet once: a cluster it is done with is not kept connected until the
// command ends (1,001 idle TLS connections on both ends at fleet scale), except a management cluster,
// whose CA the certificate read asks for next.

describe('fleet-sync list mode against the simulator', () => {
	let fleet: Fleet;
	let sync: FleetSync;
	let clients: Map<string, ClusterClient>;

	beforeAll(async () => {
		fleet = await startFleet({managed: 2, standalone: 1, bare: 1, speed: 0});
		clients = createClients(loadKubeconfig({kubeconfig: fleet.kubeconfigPath}), {requestTimeoutMs: 5000, http2: false});
	});

	afterAll(async () => {
		sync?.stop();
		for (const client of clients?.values() ?? []) client.close();
		await fleet?.stop();
	});

	it('lets go of each cluster once its lists and identity are read, keeping the management cluster connected', async () => {
		const store = createAppStore();
		sync = startFleetSync({store, clients, mode: 'list'});
		await sync.ready();
		const {clusters} = store.getState();
		expect(clusters.mgmt).toMatchObject({role: 'management', health: 'healthy'});
		expect(clusters['managed-1']).toMatchObject({role: 'managed', health: 'healthy', connection: {management: 'mgmt', matchedBy: 'certificate'}});
		await new Promise(resolve => setImmediate(resolve));
		for (const client of clients.values()) await client.request({path: '/version'});
		const accepted = Object.fromEntries(fleet.clusters.map(c => [c.name, fleet.connections(c.name).accepted]));
		expect(accepted).toEqual({'mgmt': 1, 'managed-1': 2, 'managed-2': 2, 'standalone-1': 2, 'bare-1': 2});
	});
});
