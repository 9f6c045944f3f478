import type {Cluster} from './types.js';

// What the console knows about a cluster whose API does not answer is what it last saw: still worth
// showing, but never as if it were current. The values are as of the moment the API stopped answering.

/** Epoch ms the row's values were last known to be true, when they are stale; undefined when current. */
export function staleSince(row: Cluster): number | undefined {
	if (row.api.state === 'ok' || row.api.state === 'connecting') return undefined;
	return row.api.since;
}
