// Tells the console which clusters the fleet pane shows: their API is probed more often than the rest
// of a big fleet (sync/api-probe.ts), so a hang or a recovery of a row the user looks at shows within
// seconds. The fleet pane calls this with its visible rows; ui.onScreen changes only when the set does.
import {useEffect} from 'react';
import type {Cluster} from '../mcm/types.js';
import {useUiContext} from './context.js';

/** The context whose API a row shows: its own, or (a remote-only row) its management cluster's. */
export function contextOfRow(c: Cluster): string | undefined {
	return c.remoteOnly ? c.connection?.management : c.context;
}

export function useReportOnScreen(visible: readonly Cluster[], selected: Cluster | undefined): void {
	const {ui} = useUiContext();
	const contexts = [...new Set(visible.map(contextOfRow).filter((c): c is string => c !== undefined))];
	const chosen = selected ? contextOfRow(selected) : undefined;
	const key = `${chosen ?? ''}\u0000${contexts.join('\u0000')}`;
	useEffect(() => {
		const last = ui.getState().onScreen;
		if (last && `${last.selected ?? ''}\u0000${last.contexts.join('\u0000')}` === key) return;
		ui.setState({onScreen: {contexts, selected: chosen}});
		// The key says everything the effect reads.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [ui, key]);
}
