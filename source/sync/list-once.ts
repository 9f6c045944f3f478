import type {ClusterClient} from '../kube/client.js';
import {KubeError} from '../kube/errors.js';
import {tooOld, watchStateOf, type WatchOptions, type WatchState} from '../kube/watch.js';
import {rawKinds, type RawKind, type RawObject} from '../mcm/raw.js';

/**
 * The 'list' mode of the fleet sync: every resource listed once (paged), one after the other on the
 * cluster's one keep-alive connection. A cluster that cannot be reached fails its first list and
 * costs no more than that one request timeout: the other resources get the same state without being asked.
 */
export async function listOnce(
	client: ClusterClient,
	paths: Record<RawKind, string>,
	handlersFor: (kind: RawKind) => WatchOptions<RawObject>['handlers'],
	stopped: () => boolean,
	isManagement: () => boolean,
): Promise<void> {
	let fatal: WatchState | undefined;
	for (const kind of rawKinds) {
		const handlers = handlersFor(kind);
		if (stopped()) return;
		if (fatal) {
			handlers.onState(fatal);
			continue;
		}
		// ManagedClusters are read on management clusters only (rawKinds lists ManagementCluster first).
		if (kind === 'managedclusters' && !isManagement()) {
			handlers.onReset([]);
			handlers.onState({state: 'ok'});
			continue;
		}
		handlers.onState({state: 'connecting'});
		try {
			handlers.onReset(await listAll(client, paths[kind], stopped));
			handlers.onState({state: 'ok'});
		} catch (error) {
			if (error instanceof KubeError && error.kind === 'not-found') {
				handlers.onReset([]);
				handlers.onAbsent?.();
				handlers.onState({state: 'ok'});
				continue;
			}
			const state = watchStateOf(error);
			handlers.onState(state);
			// Forbidden is about one resource: the others may still be allowed.
			if (state.state !== 'forbidden') fatal = state;
		}
	}
}

/**
 * Every page. A 410 on a later page means etcd compacted the first page's revision meanwhile (the
 * server can no longer give a consistent list): read it again from the first page, once.
 */
async function listAll(client: ClusterClient, path: string, stopped: () => boolean): Promise<RawObject[]> {
	try {
		return await listPages(client, path, stopped);
	} catch (error) {
		if (!tooOld(error) || stopped()) throw error;
		return listPages(client, path, stopped);
	}
}

async function listPages(client: ClusterClient, path: string, stopped: () => boolean): Promise<RawObject[]> {
	const items: RawObject[] = [];
	let token: string | undefined;
	do {
		const page = await client.request<{metadata?: {continue?: string}; items?: RawObject[]}>({path, query: {limit: 500, continue: token}});
		items.push(...(page?.items ?? []));
		token = page?.metadata?.continue || undefined;
	} while (token && !stopped());
	return items;
}
