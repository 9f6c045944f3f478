import {describe, expect, it} from 'vitest';
import {createAppStore} from '../../source/store/store.js';
import {computeHealthCounts} from '../../source/store/selectors.js';
import type {Cluster, Health} from '../../source/mcm/types.js';
import {cluster} from '../ui/fixtures.js';

// Rows are keyed by context name, which is the user's to choose: names that are also properties of
// Object.prototype must be rows like any other.
describe('fleet store rows keyed by any context name', () => {
	it('keeps rows named __proto__ and constructor, and drops them again', () => {
		const store = createAppStore();
		const row = (id: string) => ({id, name: id}) as unknown as Cluster;
		store.getState().applyBatch({clusters: {['__proto__']: row('__proto__'), constructor: row('constructor'), prod: row('prod')}, statuses: {['__proto__']: []}});
		const {clusters, statuses} = store.getState();
		expect(Object.keys(clusters).sort()).toEqual(['__proto__', 'constructor', 'prod']);
		expect(clusters['__proto__']?.id).toBe('__proto__');
		expect(Object.keys(statuses)).toEqual(['__proto__']);
		store.getState().applyBatch({clusters: {['__proto__']: null, constructor: null}});
		expect(Object.keys(store.getState().clusters)).toEqual(['prod']);
		expect(store.getState().clusters['constructor']).toBeUndefined();
	});
});

// The status bar reads the counts the store keeps as rows change, instead of counting every row at
// each flush (a connection flip on 1,001 rows re-counted all of them on the way to the screen).
describe('health counts kept by the store', () => {
	const healths: Health[] = ['healthy', 'pending', 'degraded', 'disconnected', 'unreachable'];

	it('equal a count over every row after rows are added, changed and removed', () => {
		const store = createAppStore();
		let seed = 7;
		const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
		for (let step = 0; step < 300; step++) {
			const batch: Record<string, Cluster | null> = {};
			for (let k = 0; k < 1 + random(4); k++) {
				const id = `c-${random(40)}`;
				batch[id] = random(5) === 0 ? null : cluster(id, {health: healths[random(healths.length)]});
			}
			store.getState().applyBatch({clusters: batch});
			expect(store.getState().healthCounts).toEqual(computeHealthCounts(store.getState().clusters));
		}
	});

	it('keep their object when no row changed health, so the status bar does not redraw for them', () => {
		const store = createAppStore();
		store.getState().applyBatch({clusters: {a: cluster('a'), b: cluster('b', {health: 'disconnected'})}});
		const counts = store.getState().healthCounts;
		expect(counts).toEqual({total: 2, healthy: 1, pending: 0, degraded: 0, disconnected: 1, unreachable: 0});
		store.getState().applyBatch({clusters: {a: cluster('a', {version: 'v3.25.0'})}});
		expect(store.getState().healthCounts).toBe(counts);
		store.getState().applyBatch({clusters: {a: cluster('a', {health: 'unreachable'})}});
		expect(store.getState().healthCounts).toEqual({total: 2, healthy: 0, pending: 0, degraded: 0, disconnected: 1, unreachable: 1});
	});
});

describe('a flush copies only the records it changes', () => {
	// The fleet model hands over rows and TigerStatuses each flush; a connection flip changes a row and
	// no status, and a new statuses record made the TigerStatus pane re-render for nothing.
	it('keeps the statuses record when only rows changed, and the rows when only statuses did', () => {
		const store = createAppStore();
		store.getState().applyBatch({clusters: {a: cluster('a')}, statuses: {a: []}});
		const {clusters, statuses} = store.getState();
		store.getState().applyBatch({clusters: {a: cluster('a', {health: 'disconnected'})}, statuses: {}});
		expect(store.getState().statuses).toBe(statuses);
		expect(store.getState().clusters).not.toBe(clusters);
		const rows = store.getState().clusters;
		store.getState().applyBatch({clusters: {}, statuses: {a: []}});
		expect(store.getState().clusters).toBe(rows);
		expect(store.getState().statuses).not.toBe(statuses);
	});
});
