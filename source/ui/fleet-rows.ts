import type {Cluster} from '../mcm/types.js';
import {createFleetViewSelector, type FleetView} from '../store/selectors.js';
import type {UiState} from '../store/ui-store.js';

// The fleet rows as the fleet pane shows them, and which one is selected. The key handler and every
// pane ask the same memoised selector, so the sort runs once per store flush.

export type FleetSettings = Pick<UiState, 'sort' | 'sortDesc' | 'filter' | 'unhealthyOnly'>;

export type FleetRowsOf = (clusters: Record<string, Cluster>, settings: FleetSettings) => FleetView;

export function createFleetViewOf(): FleetRowsOf {
	const select = createFleetViewSelector();
	return (clusters, s) => select(clusters, s.sort, s.sortDesc, s.filter, s.unhealthyOnly);
}

/** The selected row: by id while it is shown, else the row now at the last known index. */
export function resolveSelection(view: FleetView, selectedId: string | undefined, selectedIndex: number): {cluster?: Cluster; index: number} {
	if (view.rows.length === 0) return {index: 0};
	const byId = selectedId === undefined ? undefined : view.index.get(selectedId);
	const index = byId ?? Math.max(0, Math.min(selectedIndex, view.rows.length - 1));
	return {cluster: view.rows[index], index};
}
