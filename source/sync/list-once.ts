import type {ClusterClient} from '../kube/client.js';
import {KubeError} from '../kube/errors.js';
import {tooOld, watchStateOf, type WatchOptions, type WatchState} from '../kube/watch.js';
import {rawKinds, type RawKind, type RawObject} from '../mcm/raw.js';

/**
 * The 'list' mode of the fleet sync: every resource listed once (paged). The first pages of the kinds
 * that depend on no answer (all but ManagedClusters, read only where a ManagementCluster was found) go
 * out together, so that the cluster's keep-alive connection carries them in one write (pipelined:
 * http1-pipeline.ts), and their answers are taken in the kinds' order. The first kind's is asked first;
 * the others once it went out on a connection that is up (its onSent), in time for the same write:
 * asked with it, they would wait through the TLS handshake too, and at 1,001 clusters (128 in their
 * first contact at once) the requests waiting there outlived young-generation GCs, ~7,000 more page
 * faults a run. A transport that does not say when a request went out gets them once the first kind
 * answered. A cluster that cannot be reached fails its first list and costs no more than that one
 * request timeout: the other resources get the same state, without being asked when no connection
 * came up, and with their requests stopped when one did. `alongside`: what else goes out in the same
 * write as the other kinds (a managed cluster's connection Secret, cluster-watches.ts).
 */
export async function listOnce(
	client: ClusterClient,
	paths: Record<RawKind, string>,
	handlersFor: (kind: RawKind) => WatchOptions<RawObject>['handlers'],
	stopped: () => boolean,
	isManagement: () => boolean,
	alongside?: () => void,
): Promise<void> {
	const asked = new Map<RawKind, FirstPage>();
	let fatal: WatchState | undefined;
	let restAsked = false;
	const askRest = () => {
		if (restAsked || fatal || stopped()) return;
		restAsked = true;
		for (const kind of rawKinds) if (kind !== rawKinds[0] && kind !== 'managedclusters') asked.set(kind, askFirstPage(client, paths[kind]));
		alongside?.();
	};
	asked.set(rawKinds[0], askFirstPage(client, paths[rawKinds[0]], askRest));
	const stopAsked = () => {
		for (const first of asked.values()) first.stop();
	};
	for (const kind of rawKinds) {
		const handlers = handlersFor(kind);
		if (stopped()) return stopAsked();
		if (kind !== rawKinds[0]) askRest();
		// Taken off the map: a page's answer is kept only until its turn (the raw objects, once slimmed, are garbage).
		const first = asked.get(kind);
		asked.delete(kind);
		if (fatal) {
			first?.stop();
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
			handlers.onReset(await listAll(client, paths[kind], stopped, first?.page));
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

type Page = {metadata?: {continue?: string}; items?: RawObject[]};

/** A first page asked ahead of its turn: its answer (never an unhandled rejection), and its stop. */
type FirstPage = {page: Promise<Page>; stop(): void};

function askFirstPage(client: ClusterClient, path: string, onSent?: () => void): FirstPage {
	let cut: (() => void) | undefined;
	let stopped = false;
	const page = client.request<Page>({path, query: {limit: 500}, onCut: (c) => (stopped ? c() : (cut = c)), onSent});
	// Taken in its turn, or never (stopped): a failure is read there, or not at all.
	page.catch(() => {});
	return {
		page,
		stop() {
			stopped = true;
			cut?.();
		},
	};
}

/**
 * Every page. A 410 on a later page means etcd compacted the first page's revision meanwhile (the
 * server can no longer give a consistent list): read it again from the first page, once.
 */
async function listAll(client: ClusterClient, path: string, stopped: () => boolean, first?: Promise<Page>): Promise<RawObject[]> {
	try {
		return await listPages(client, path, stopped, first);
	} catch (error) {
		if (!tooOld(error) || stopped()) throw error;
		return listPages(client, path, stopped);
	}
}

async function listPages(client: ClusterClient, path: string, stopped: () => boolean, first?: Promise<Page>): Promise<RawObject[]> {
	const items: RawObject[] = [];
	let token: string | undefined;
	do {
		const page = first && token === undefined ? await first : await client.request<Page>({path, query: {limit: 500, continue: token}});
		items.push(...(page?.items ?? []));
		token = page?.metadata?.continue || undefined;
	} while (token && !stopped());
	return items;
}
