import {useCallback, useRef, useSyncExternalStore} from 'react';
import {useStore} from 'zustand';
import type {AppState} from '../store/store.js';
import type {InspectSlice} from '../store/inspect-slice.js';
import type {UiActions, UiState} from '../store/ui-store.js';
import type {Clock} from './clock.js';
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

/**
 * Current time, rounded down to `period` ms; re-renders once per period while mounted. The time is
 * read when the clock ticks, never by React's getSnapshot: a snapshot that moves on its own (a render
 * slower than the period on a loaded machine) makes React re-render at once, again and again, until
 * "Maximum update depth exceeded".
 */
export function useNow(period = 1000): number {
	const {clock} = useUiContext();
	const snapshot = useRef<{clock: Clock; period: number; t: number} | undefined>(undefined);
	if (snapshot.current?.clock !== clock || snapshot.current.period !== period) snapshot.current = {clock, period, t: clock.now(period)};
	const subscribe = useCallback(
		(onChange: () => void) =>
			clock.subscribe(period, () => {
				const current = snapshot.current;
				const t = clock.now(period);
				if (!current || current.clock !== clock || current.period !== period || current.t === t) return;
				snapshot.current = {clock, period, t};
				onChange();
			}),
		[clock, period],
	);
	return useSyncExternalStore(subscribe, () => snapshot.current!.t);
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
