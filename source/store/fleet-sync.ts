import type {ClusterClient} from '../kube/client.js';
import {KubeError} from '../kube/errors.js';
import {startWatch as defaultStartWatch, type WatchHandle, type WatchOptions, type WatchState} from '../kube/watch.js';
import {describeChanges} from '../mcm/changes.js';
import {FleetModel} from '../mcm/fleet-model.js';
import {emptyRawState, rawKinds, type RawClusterState, type RawKind, type RawObject} from '../mcm/raw.js';
import type {ApiConnection, ApiState, LogLine} from '../mcm/types.js';
import type {ManagedClusterNames} from '../mcm/managed-identity.js';
import {createCoalescer} from './coalesce.js';
import {createIdentityReader, type IdentityReader} from './managed-identity-reader.js';
import type {AppStore} from './store.js';

// Watches → store. Per cluster, one list+watch loop per MCM resource keeps the raw objects (by name)
// and an API state; every change only marks the cluster dirty, and a coalesced flush (default every
// 100 ms at most) recomputes the dirty clusters and the rows linked to them (FleetModel) and applies
// them with ONE applyBatch: a storm of 1,000 events is one store update. The flush also writes the
// log lines (reconnects, API state, role, connection, TigerStatus Degraded/recovered) for what changed.
// Nothing here throws into the caller: an unreachable cluster is a state.

export const watchedPaths: Record<RawKind, string> = {
	installations: '/apis/operator.tigera.io/v1/installations',
	tigerstatuses: '/apis/operator.tigera.io/v1/tigerastatuses',
	managementclusters: '/apis/operator.tigera.io/v1/managementclusters',
	managementclusterconnections: '/apis/operator.tigera.io/v1/managementclusterconnections',
	managedclusters: '/apis/projectcalico.org/v3/managedclusters',
};

export type FleetSyncOptions = {
	store: AppStore;
	clients: ReadonlyMap<string, ClusterClient>;
	/** The coalescing window (default 100 ms). */
	flushMs?: number;
	/** Restart a watch stream silent for this long (default: the watch loop's, 45 s). */
	watchdogMs?: number;
	/** Watch loop tuning passed through (backoff etc.), mostly for tests. */
	watchOptions?: Partial<Omit<WatchOptions, 'path' | 'handlers'>>;
	/**
	 * 'watch' (default): list+watch every resource until stop(). 'list': list each resource once, in
	 * sequence on one connection per cluster, then nothing: what a one-shot `status` needs, at one TLS
	 * handshake per cluster instead of five.
	 */
	mode?: 'watch' | 'list';
	/**
	 * How many clusters may be in their first contact (TLS handshakes, first lists) at once (default
	 * 128). Opening thousands of connections at once makes them time out on a busy machine; a queue
	 * costs nothing, since the handshakes are CPU-bound anyway.
	 */
	startConcurrency?: number;
	/** The user's context → ManagedCluster name mapping (a fallback when a cluster's identity cannot be read). */
	managedClusterNames?: ManagedClusterNames;
	/** Replaceable for unit tests. */
	startWatch?: (client: ClusterClient, options: WatchOptions) => WatchHandle;
	now?: () => number;
};

export type FleetSync = {
	/** Stop every watch and the flush timer. The store keeps what it has. */
	stop(): void;
	/**
	 * Resolves (never rejects) when every cluster's watches have each answered their first list, or
	 * failed (unreachable, unauthorized, forbidden), and that has been flushed into the store. A hanging
	 * server fails when its list request times out (the client's request timeout).
	 */
	ready(): Promise<void>;
	/** Apply what is pending now (tests, one-shot status). */
	flush(): void;
	/** The raw state of one context (diagnostics, tests). */
	raw(context: string): RawClusterState | undefined;
};

// Worst first: the state of a cluster is that of its worst watch.
const stateRank: Record<ApiState, number> = {ok: 0, connecting: 1, forbidden: 2, unauthorized: 3, unreachable: 4};

type MutableRaw = RawClusterState & {objects: Record<RawKind, Map<string, RawObject>>; listed: Set<RawKind>};

type ClusterSync = {
	raw: MutableRaw;
	states: Map<RawKind, WatchState>;
	/** Watches whose first list answered, or that failed. */
	settled: Set<RawKind>;
	handles: WatchHandle[];
	/** The ManagedCluster watch, only while the cluster has a ManagementCluster (see syncManagedWatch). */
	managed?: WatchHandle;
	identity: IdentityReader;
};

function combineStates(states: ReadonlyMap<RawKind, WatchState>): WatchState {
	let worst: WatchState = {state: 'ok'};
	for (const kind of rawKinds) {
		const s = states.get(kind) ?? {state: 'connecting'};
		if (stateRank[s.state] > stateRank[worst.state]) worst = s;
	}
	return worst;
}

export function startFleetSync(options: FleetSyncOptions): FleetSync {
	const {store, clients} = options;
	const now = options.now ?? Date.now;
	const start = options.startWatch ?? defaultStartWatch;
	const model = new FleetModel({managedClusterNames: options.managedClusterNames});
	const clusters = new Map<string, ClusterSync>();
	const perCluster = new Map<string, RawClusterState>();
	let stopped = false;
	let readyWaiters: Array<() => void> = [];

	const allSettled = () => [...clusters.values()].every(c => c.settled.size === rawKinds.length && !c.identity.pending);

	const apply = (dirty: Iterable<string>) => {
		const changes = model.update(perCluster, dirty);
		const ids = Object.keys(changes.clusters);
		const statusIds = Object.keys(changes.statuses);
		if (ids.length === 0 && statusIds.length === 0) return;
		const before = store.getState();
		const t = now();
		const lines: LogLine[] = [];
		for (const id of new Set([...ids, ...statusIds])) {
			const next = id in changes.clusters ? changes.clusters[id] ?? undefined : before.clusters[id];
			const nextStatuses = id in changes.statuses ? changes.statuses[id] ?? undefined : before.statuses[id];
			for (const change of describeChanges(before.clusters[id], next, before.statuses[id], nextStatuses)) {
				lines.push({t, level: change.level, cluster: id, text: change.text});
			}
		}
		before.applyBatch(changes);
		if (lines.length > 0) store.getState().addLogs(lines);
	};

	const coalescer = createCoalescer<string, true>({
		windowMs: options.flushMs ?? 100,
		onFlush: batch => {
			try {
				apply(batch.keys());
			} catch (error) {
				// A bug in the model must not silence the fleet: say it, keep watching.
				store.getState().addLog({level: 'error', text: `fleet update failed: ${error instanceof Error ? error.message : String(error)}`});
			}
			if (readyWaiters.length > 0 && allSettled()) {
				const waiters = readyWaiters;
				readyWaiters = [];
				for (const resolve of waiters) resolve();
			}
		},
	});

	const markDirty = (context: string) => {
		if (!stopped) coalescer.put(context, true);
	};

	// First contacts wait for a slot; a slot is held until every resource of the cluster answered or failed.
	const concurrency = Math.max(1, options.startConcurrency ?? 128);
	const queue: Array<() => void> = [];
	let active = 0;
	const acquire = (begin: () => void) => {
		if (active < concurrency) {
			active++;
			begin();
		} else queue.push(begin);
	};
	const release = () => {
		const next = queue.shift();
		if (next && !stopped) next();
		else active--;
	};

	for (const [context, client] of clients) {
		const raw = emptyRawState(context, now()) as MutableRaw;
		const identity = createIdentityReader(client, value => {
			if (value) raw.identity = value;
			else delete raw.identity;
			markDirty(context);
		});
		const sync: ClusterSync = {raw, states: new Map(), settled: new Set(), handles: [], identity};
		// A managed cluster's identity (its tunnel certificate), read again when its ManagementClusterConnection changes.
		const syncIdentity = () => identity.changed([...raw.objects.managementclusterconnections.values()].map(o => o.metadata.resourceVersion ?? '?').join(','));
		clusters.set(context, sync);
		perCluster.set(context, raw);
		let released = false;
		let syncManaged = () => {};
		const settle = (kind: RawKind) => {
			sync.settled.add(kind);
			if (!released && sync.settled.size === rawKinds.length) {
				released = true;
				release();
			}
		};
		const handlersFor = (kind: RawKind): WatchOptions['handlers'] => ({
			onReset(items: RawObject[]) {
				const map = new Map<string, RawObject>();
				for (const item of items) if (item?.metadata?.name) map.set(item.metadata.name, item);
				raw.objects[kind] = map;
				raw.listed.add(kind);
				settle(kind);
				markDirty(context);
				if (kind === 'managementclusters') syncManaged();
				if (kind === 'managementclusterconnections') syncIdentity();
			},
			onEvent(type, object: RawObject) {
				const name = object?.metadata?.name;
				if (!name) return;
				if (type === 'DELETED') raw.objects[kind].delete(name);
				else raw.objects[kind].set(name, object);
				markDirty(context);
				if (kind === 'managementclusters') syncManaged();
				if (kind === 'managementclusterconnections') syncIdentity();
			},
			onState(state) {
				sync.states.set(kind, state);
				if (state.state !== 'ok' && state.state !== 'connecting') {
					settle(kind);
					// No ManagementCluster answer, so no ManagedCluster watch: that one has failed too, for ready().
					if (kind === 'managementclusters' && !sync.managed) settle('managedclusters');
				}
				const combined = combineStates(sync.states);
				const api = raw.api;
				if (combined.state === api.state && combined.error === api.error && combined.verb === api.verb && combined.resource === api.resource) return;
				const next: ApiConnection = {state: combined.state, since: combined.state === api.state ? api.since : now()};
				if (combined.error) next.error = combined.error;
				if (combined.verb) next.verb = combined.verb;
				if (combined.resource) next.resource = combined.resource;
				raw.api = next;
				markDirty(context);
			},
			onAbsent() {
				raw.listed.add(kind);
				settle(kind);
				markDirty(context);
				if (kind === 'managementclusters') syncManaged();
			},
		});
		const startKind = (kind: RawKind): WatchHandle | undefined => {
			const handlers = handlersFor(kind);
			const watchOptions: WatchOptions = {...options.watchOptions, path: watchedPaths[kind], handlers};
			// The ManagedCluster watch carries the connection of every managed cluster: first in line.
			if (kind === 'managedclusters') watchOptions.priority = 'high';
			if (options.watchdogMs !== undefined) watchOptions.watchdogMs = options.watchdogMs;
			try {
				return start(client, watchOptions);
			} catch (error) {
				handlers.onState({state: 'unreachable', error: error instanceof Error ? error.message : String(error)});
				return undefined;
			}
		};
		// ManagedCluster objects live on management clusters only (issue 3). Watching them everywhere cost
		// one more socket per cluster and, where the type is not served, a 404 re-check every few seconds
		// on every cluster of the fleet: the ManagedCluster watch runs while the cluster has a
		// ManagementCluster, and until then the resource counts as listed and empty.
		syncManaged = () => {
			if (stopped || options.mode === 'list' || !raw.listed.has('managementclusters')) return;
			const wanted = raw.objects.managementclusters.size > 0;
			if (wanted && !sync.managed) {
				raw.listed.delete('managedclusters');
				sync.states.set('managedclusters', {state: 'connecting'});
				sync.managed = startKind('managedclusters');
			} else if (!wanted && (sync.managed || !raw.listed.has('managedclusters'))) {
				sync.managed?.stop();
				sync.managed = undefined;
				raw.objects.managedclusters = new Map();
				raw.listed.add('managedclusters');
				// Through onState, so that the cluster's combined API state drops a stale error of that watch.
				handlersFor('managedclusters').onState({state: 'ok'});
				settle('managedclusters');
				markDirty(context);
			}
		};
		if (options.mode === 'list') {
			acquire(() => void listOnce(client, handlersFor, () => stopped, () => raw.objects.managementclusters.size > 0));
		} else {
			acquire(() => {
				for (const kind of rawKinds) {
					if (kind === 'managedclusters') continue;
					const handle = startKind(kind);
					if (handle) sync.handles.push(handle);
				}
			});
		}
		markDirty(context);
	}

	return {
		stop() {
			if (stopped) return;
			stopped = true;
			queue.length = 0;
			coalescer.stop();
			for (const sync of clusters.values()) {
				for (const handle of sync.handles) handle.stop();
				sync.managed?.stop();
				sync.identity.stop();
			}
			const waiters = readyWaiters;
			readyWaiters = [];
			for (const resolve of waiters) resolve();
		},
		ready() {
			if (stopped) return Promise.resolve();
			if (allSettled() && coalescer.size === 0) return Promise.resolve();
			return new Promise<void>(resolve => {
				readyWaiters.push(resolve);
				// Settled but not yet flushed: the flush will resolve it.
				if (allSettled()) coalescer.flush();
			});
		},
		flush() {
			coalescer.flush();
		},
		raw(context) {
			return perCluster.get(context);
		},
	};
}

function stateOf(error: unknown): WatchState {
	if (error instanceof KubeError) {
		if (error.kind === 'unauthorized' || error.kind === 'exec') return {state: 'unauthorized', error: error.message};
		if (error.kind === 'forbidden') return {state: 'forbidden', error: error.message, verb: error.verb, resource: error.resource};
	}
	return {state: 'unreachable', error: error instanceof Error ? error.message : String(error)};
}

/**
 * The 'list' mode: every resource listed once (paged), one after the other on the cluster's one
 * keep-alive connection. A cluster that cannot be reached fails its first list and costs no more
 * than that one request timeout: the other resources get the same state without being asked.
 */
async function listOnce(client: ClusterClient, handlersFor: (kind: RawKind) => WatchOptions['handlers'], stopped: () => boolean, isManagement: () => boolean): Promise<void> {
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
			const items: unknown[] = [];
			let token: string | undefined;
			do {
				const page = await client.request<{metadata?: {continue?: string}; items?: unknown[]}>({path: watchedPaths[kind], query: {limit: 500, continue: token}});
				items.push(...(page?.items ?? []));
				token = page?.metadata?.continue || undefined;
			} while (token && !stopped());
			handlers.onReset(items);
			handlers.onState({state: 'ok'});
		} catch (error) {
			if (error instanceof KubeError && error.kind === 'not-found') {
				handlers.onReset([]);
				handlers.onAbsent?.();
				handlers.onState({state: 'ok'});
				continue;
			}
			const state = stateOf(error);
			handlers.onState(state);
			// Forbidden is about one resource: the others may still be allowed.
			if (state.state !== 'forbidden') fatal = state;
		}
	}
}
