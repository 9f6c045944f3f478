import {createStore, type StoreApi} from 'zustand/vanilla';
import type {Cluster, Health, LogLine, RunProgress, TigerStatus} from '../mcm/types.js';
import {createLogSlice, type LogSlice} from './log-slice.js';
import {createRunsSlice, type RunsSlice} from './runs-slice.js';
import {noteRecordChange, noteRecordSize} from './record-notes.js';

// One vanilla store for the whole app, usable without React: headless commands (`status`, `run`)
// and tests read it with getState()/subscribe(); the UI reads it through selectors.

export type FleetSlice = {
	/** Every row, keyed by Cluster.id. Replaced per flush, never mutated in place. */
	clusters: Record<string, Cluster>;
	/** TigerStatus components per cluster id. */
	statuses: Record<string, TigerStatus[]>;
	/** Bumped once per applied flush: cheap change detection for views and benchmarks. */
	generation: number;
	/**
	 * Rows per health, and in all: kept by applyBatch from the rows it changes. The status bar counted
	 * them over every row at each flush (Object.values of 1,001 rows: ~0.8 ms and an array of garbage
	 * per connection flip, on the path from the watch event to the screen).
	 */
	healthCounts: HealthCounts;
	/** Apply one coalesced batch of changes in a single setState. `null` removes a cluster. */
	applyBatch: (batch: {clusters?: Record<string, Cluster | null>; statuses?: Record<string, TigerStatus[] | null>}) => void;
};

export type HealthCounts = Record<Health, number> & {total: number};

export type AppState = FleetSlice & LogSlice & RunsSlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(options: {logCapacity?: number} = {}): AppStore {
	return createStore<AppState>()((set, get, api) => ({
		clusters: fleetRecord(),
		statuses: fleetRecord(),
		generation: 0,
		healthCounts: {total: 0, healthy: 0, pending: 0, degraded: 0, disconnected: 0, unreachable: 0},
		applyBatch(batch) {
			const state = get();
			// A record is copied only when the batch changes it: the fleet model hands over both each flush,
			// and a connection flip's empty `statuses` copied 1,001 entries and gave the TigerStatus pane a
			// new record to re-render for.
			const clusters = hasKeys(batch.clusters) ? fleetRecord(state.clusters) : state.clusters;
			let healthCounts = state.healthCounts;
			for (const [id, row] of Object.entries(batch.clusters ?? {})) {
				const before = clusters[id];
				if (before?.health !== row?.health) {
					// A new object only when a count moves: the status bar re-renders for that alone.
					if (healthCounts === state.healthCounts) healthCounts = {...healthCounts};
					if (before) {
						healthCounts[before.health]--;
						healthCounts.total--;
					}
					if (row) {
						healthCounts[row.health]++;
						healthCounts.total++;
					}
				}
				if (row === null) delete clusters[id];
				else clusters[id] = row;
			}
			if (clusters !== state.clusters) {
				noteRecordSize(clusters, healthCounts.total);
				noteRecordChange(clusters, state.clusters, Object.keys(batch.clusters!));
			}
			const statuses = hasKeys(batch.statuses) ? fleetRecord(state.statuses) : state.statuses;
			for (const [id, list] of Object.entries(batch.statuses ?? {})) {
				if (list === null) delete statuses[id];
				else statuses[id] = list;
			}
			if (statuses !== state.statuses) noteRecordChange(statuses, state.statuses, Object.keys(batch.statuses!));
			set({clusters, statuses, generation: state.generation + 1, healthCounts});
		},
		...createLogSlice(set, get, api, options.logCapacity ?? 2000),
		...createRunsSlice(set, get, api),
	}));
}

/**
 * A copy of a per-cluster record (or an empty one) as a hash table without a prototype. A spread
 * (`{...record}`) makes V8 build the copy as an object of fixed shape, one hidden class per key: at
 * 1,001 rows a flush copied ~2.7 MB (most of it hidden classes and their descriptor arrays, which live
 * in the old space) and took 1-9 ms, against ~0.2 MB and <1 ms for this. Copied key by key with
 * for-in, not Object.assign: at 1,001 rows 112 KB and 80 us a copy against 144 KB and 184 us (Node 20),
 * and a flush that shows one connection flip copies it once. Without a prototype a context named
 * `__proto__` or `constructor` is a key like any other, not Object.prototype's.
 */
function fleetRecord<T>(from?: Record<string, T>): Record<string, T> {
	const record = Object.create(null) as Record<string, T>;
	if (from) for (const key in from) record[key] = from[key]!;
	return record;
}

export type {Cluster, LogLine, RunProgress, TigerStatus};

function hasKeys(record: object | undefined): boolean {
	for (const _ in record) return true;
	return false;
}
