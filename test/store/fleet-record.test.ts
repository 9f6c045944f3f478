import {describe, expect, it} from 'vitest';
import {createAppStore} from '../../source/store/store.js';
import type {Cluster} from '../../source/mcm/types.js';

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
