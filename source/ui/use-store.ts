import {useCallback, useSyncExternalStore} from 'react';
import {useStore} from 'zustand';
import type {AppState} from '../store/store.js';
import type {InspectSlice} from '../store/inspect-slice.js';
import type {UiActions, UiState} from '../store/ui-store.js';
import {useUiContext} from './context.js';
import type {FleetView} from '../store/selectors.js';
import type {Cluster} from '../mcm/types.js';
import {resolveSelection} from './fleet-rows.js';

// Selector hooks over the vanilla stores: a component re-renders only when what it selects changes
// (Object.is), so select store fields or memoised results, never fresh objects.

export function useAppState<T>(selector: (state: AppState) => T): T {
	return useStore(useUiContext().store, selector);
}

export function useUiState<T>(selector: (state: UiState & UiActions & InspectSlice) => T): T {
	return useStore(useUiContext().ui, selector);
}

/** Current time, rounded down to `period` ms; re-renders once per period while mounted. */
export function useNow(period = 1000): number {
	const {clock} = useUiContext();
	const subscribe = useCallback((onTick: () => void) => clock.subscribe(period, onTick), [clock, period]);
	return useSyncExternalStore(subscribe, () => clock.now(period));
}

/** The fleet rows as shown and the selected row. */
export function useFleetSelection(): {view: FleetView; selected?: Cluster; index: number} {
	const ctx = useUiContext();
	const clusters = useAppState(s => s.clusters);
	const sort = useUiState(s => s.sort);
	const sortDesc = useUiState(s => s.sortDesc);
	const filter = useUiState(s => s.filter);
	const unhealthyOnly = useUiState(s => s.unhealthyOnly);
	const selectedId = useUiState(s => s.selectedId);
	const selectedIndex = useUiState(s => s.selectedIndex);
	const view = ctx.fleetView(clusters, {sort, sortDesc, filter, unhealthyOnly});
	const {cluster, index} = resolveSelection(view, selectedId, selectedIndex);
	return {view, selected: cluster, index};
}
