import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import {changedKeys} from '../../source/store/record-notes.js';
import {createAppStore} from '../../source/store/store.js';
import {startTunnelCertSync} from '../../source/sync/tunnel-cert-sync.js';
import type {Cluster} from '../../source/mcm/types.js';
import {cluster, countingReads} from '../ui/fixtures.js';

// tunnel-cert-sync reads a cluster's certificate Secret when its role becomes known or changes: it
// looks at the rows the store changed, not at every row of the fleet on every flush.

describe('the store notes what a clusters record changed', () => {
	it('names the rows a batch set or deleted, for the record it was made from only', () => {
		const store = createAppStore();
		store.getState().applyBatch({clusters: {a: cluster('a'), b: cluster('b'), c: cluster('c')}});
		const first = store.getState().clusters;
		store.getState().applyBatch({clusters: {b: cluster('b', {health: 'disconnected'}), c: null}});
		const second = store.getState().clusters;
		expect(changedKeys(second, first)).toEqual(['b', 'c']);
		// Not made from it: the caller must compare them whole.
		expect(changedKeys(second, {})).toBeUndefined();
		expect(changedKeys(first, second)).toBeUndefined();
	});
});

describe('tunnel-cert-sync on a 1,001-row fleet', () => {
	it('looks at the role of the row that changed only, and still reads a cluster whose role became managed', async () => {
		const contexts = Array.from({length: 1001}, (_, i) => (i === 0 ? 'mgmt' : `managed-${i}`));
		const asked: string[] = [];
		// Secrets that never answer: what is asked is what counts here.
		const clients = new Map(contexts.map(context => [context, {context, request: () => (asked.push(context), new Promise(() => {}))} as unknown as ClusterClient]));
		const store = createAppStore();
		let reads = 0;
		const row = (id: string, patch: Partial<Cluster>) => countingReads(cluster(id, patch), 'role', () => reads++);
		store.getState().applyBatch({clusters: Object.fromEntries(contexts.map(c => [c, row(c, {role: 'not-installed'})]))});
		const certs = startTunnelCertSync({store, clients, sync: {setTunnelCerts() {}, raw: () => undefined}, concurrency: 1});
		try {
			reads = 0;
			// A connection flip: one row changes, its role stays.
			store.getState().applyBatch({clusters: {'managed-7': row('managed-7', {role: 'not-installed', health: 'disconnected'})}});
			expect(reads).toBe(1);
			// A role that reads certificates: that cluster's Secret is asked for.
			store.getState().applyBatch({clusters: {'managed-9': row('managed-9', {role: 'managed'})}});
			await new Promise(r => setImmediate(r));
			expect(asked).toContain('managed-9');
		} finally {
			certs.stop();
		}
	});
});
