import {createStore, type StoreApi} from 'zustand/vanilla';
import type {Cluster, LogLine, RunProgress, TigerStatus} from '../mcm/types.js';
import {createLogSlice, type LogSlice} from './log-slice.js';
import {createRunsSlice, type RunsSlice} from './runs-slice.js';

// One vanilla store for the whole app, usable without React: headless commands (`status`, `run`)
// and tests read it with getState()/subscribe(); the UI reads it through selectors.

export type FleetSlice = {
	/** Every row, keyed by Cluster.id. Replaced per flush, never mutated in place. */
	clusters: Record<string, Cluster>;
	/** TigerStatus components per cluster id. */
	statuses: Record<string, TigerStatus[]>;
	/** Bumped once per applied flush: cheap change detection for views and benchmarks. */
	generation: number;
	/** Apply one coalesced batch of changes in a single setState. `null` removes a cluster. */
	applyBatch: (batch: {clusters?: Record<string, Cluster | null>; statuses?: Record<string, TigerStatus[] | null>}) => void;
};

export type AppState = FleetSlice & LogSlice & RunsSlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(options: {logCapacity?: number} = {}): AppStore {
	return createStore<AppState>()((set, get, api) => ({
		clusters: {},
		statuses: {},
		generation: 0,
		applyBatch(batch) {
			const state = get();
			const clusters = batch.clusters ? {...state.clusters} : state.clusters;
			for (const [id, row] of Object.entries(batch.clusters ?? {})) {
				if (row === null) delete clusters[id];
				else clusters[id] = row;
			}
			const statuses = batch.statuses ? {...state.statuses} : state.statuses;
			for (const [id, list] of Object.entries(batch.statuses ?? {})) {
				if (list === null) delete statuses[id];
				else statuses[id] = list;
			}
			set({clusters, statuses, generation: state.generation + 1});
		},
		...createLogSlice(set, get, api, options.logCapacity ?? 2000),
		...createRunsSlice(set, get, api),
	}));
}

export type {Cluster, LogLine, RunProgress, TigerStatus};
