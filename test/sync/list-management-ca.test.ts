import {describe, expect, it} from 'vitest';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {startTunnelCertSync} from '../../source/sync/tunnel-cert-sync.js';
import {createAppStore} from '../../source/store/store.js';
import {b64, recordingClients, tunnelCa} from './fleet-reads.js';
import {installation, managedCluster, managementCluster, managementClusterConnection, tigerStatus} from '../mcm/raw-builders.js';

// The one-shot `status` (list mode) reads a management cluster's tunnel CA right after its lists, so the
// fleet's rows are complete when every cluster has answered: each managed row's CERT column is judged
// against that CA. When the CA was first read afterwards (tunnel-cert-sync's readAll), every managed
// row of a 1,001-cluster fleet was made a second time for it.

const managedSecretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-managed-cluster-connection';
const caSecretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-management-cluster-connection';

const list = (items: unknown[]) => ({metadata: {}, items});

describe("the one-shot status's management cluster CA", () => {
	it('is read with the lists: the rows are complete when the fleet has answered, and made once', async () => {
		const ca = tunnelCa();
		const {clients, asked} = recordingClients({
			mgmt: {
				[watchedPaths.installations]: list([installation()]),
				[watchedPaths.tigerstatuses]: list([tigerStatus('apiserver')]),
				[watchedPaths.managementclusters]: list([managementCluster()]),
				[watchedPaths.managementclusterconnections]: list([]),
				[watchedPaths.managedclusters]: list([managedCluster('managed-1', 'True')]),
				[caSecretPath]: {data: {'tls.crt': b64(ca.pem), 'tls.key': b64('PRIVATE')}},
			},
			'ctx-a': {
				[watchedPaths.installations]: list([installation()]),
				[watchedPaths.tigerstatuses]: list([tigerStatus('guardian')]),
				[watchedPaths.managementclusters]: list([]),
				[watchedPaths.managementclusterconnections]: list([managementClusterConnection()]),
				[managedSecretPath]: {data: {'managed-cluster.crt': b64(ca.leaf('managed-1')), 'management-cluster.crt': b64(ca.pem), 'managed-cluster.key': b64('PRIVATE')}},
			},
		});
		const store = createAppStore();
		const sync = startFleetSync({store, clients, mode: 'list'});
		const certs = startTunnelCertSync({store, clients, sync});
		try {
			await sync.ready();
			// Before tunnel-cert-sync's read: the managed row is already judged against the management CA.
			const rows = store.getState().clusters;
			expect(rows['ctx-a']!.cert).toMatchObject({state: 'ok', chained: true});
			expect(rows.mgmt!.cert).toMatchObject({state: 'ok'});
			// status's own sequence after ready(): the CA read again finds the same, and no row is made again.
			await certs.readAll();
			sync.flush();
			expect(store.getState().clusters).toBe(rows);
			expect(asked.filter(a => a.context === 'mgmt' && a.path === caSecretPath).length).toBeGreaterThanOrEqual(1);
			expect(JSON.stringify(store.getState())).not.toContain(b64('PRIVATE'));
		} finally {
			certs.stop();
			sync.stop();
		}
	});
});
