import type {ClusterClient} from '../kube/client.js';
import {microtask} from '../kube/microtask.js';
import {startWatch as defaultStartWatch, type WatchHandle, type WatchOptions} from '../kube/watch.js';
import {describeChanges} from '../mcm/changes.js';
import {FleetModel} from '../mcm/fleet-model.js';
import {rawKinds, type RawClusterState, type RawKind, type RawObject} from '../mcm/raw.js';
import {pathOf, watchedResources} from '../mcm/resources.js';
import type {TunnelCertFacts} from '../mcm/tunnel-cert.js';
import type {ManagedClusterNames} from '../mcm/managed-identity.js';
import type {LogLine} from '../mcm/types.js';
import type {AppStore} from '../store/store.js';
import type {OnScreen} from '../store/ui-store.js';
import {probeBeatMs, uniformProbe, type ProbeIntervals, type ProbeTier} from './api-probe.js';
import {ClusterWatches} from './cluster-watches.js';
import {createCoarseTimers, type CoarseTimers} from './coarse-timers.js';
import {createCoalescer, type Coalescer} from './coalesce.js';
import {FirstContacts} from './first-contacts.js';
import {frameBurst, intervalFor, maxFramesPerSecond} from '../store/pacer.js';

// Watches → store. Per cluster, one list+watch loop per MCM resource keeps the raw objects (by name)
// and an API state; every change only marks the cluster dirty, and a coalesced flush (once loaded, every
// settledFlushMs after a burst of frameBurst) recomputes the dirty clusters and the rows linked to them (FleetModel) and applies
// them with ONE applyBatch: a storm of 1,000 events is one store update. The flush also writes the
// log lines (reconnects, API state, role, connection, TigerStatus Degraded/recovered) for what changed.
// Nothing here throws into the caller: an unreachable cluster is a state.

/**
 * The coalescing window once every cluster answered, after a burst of frameBurst updates made at once
 * (a token bucket, store/pacer.ts): no more store updates than the console's screen writer draws (15
 * in any second, bursts included: 77 ms). A user's flips 40-160 ms apart each reach the screen at
 * once; with a minimum interval instead, the second of two changes closer than it waited for its end
 * (a fifth of the latency bench's flips at 1,001 clusters, 17-25 ms late: the p99). A storm still
 * makes at most one store update per window.
 */
export const settledFlushMs = intervalFor(maxFramesPerSecond, frameBurst);

/**
 * The loading window for a fleet of `clusters`: 400 ms, and 1 ms per cluster beyond that up to 1 s. A
 * 1,001-cluster start (about 7 s) drew some 18 whole frames at 400 ms, each also a pass over every row;
 * a few clusters load in well under a second, where 400 ms keeps the progress visible.
 */
export function loadingWindowFor(clusters: number): number {
	return Math.min(1000, Math.max(400, clusters));
}

export const watchedPaths = Object.fromEntries(rawKinds.map(kind => [kind, pathOf(watchedResources[kind])])) as Record<RawKind, string>;

export type FleetSyncOptions = {
	store: AppStore;
	clients: ReadonlyMap<string, ClusterClient>;
	/** The coalescing window once the fleet is loaded (default settledFlushMs). */
	flushMs?: number;
	/**
	 * The window while some cluster has not answered yet (default: loadingWindowFor(clusters), 400 ms up
	 * to 1 s): every flush is a whole frame and a pass over every row (20-40 ms at 1,000 clusters), and a
	 * loading fleet changes all the time; once loaded, changes show fast, and the fleet's completion
	 * shows at once.
	 */
	loadingFlushMs?: number;
	/** Restart a watch stream silent for this long (default: the watch loop's, 75 s). */
	watchdogMs?: number;
	/** Watch loop tuning passed through (backoff etc.), mostly for tests. */
	watchOptions?: Partial<Omit<WatchOptions<RawObject>, 'path' | 'handlers'>>;
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
	/**
	 * Probe each cluster's API this often (GET /version, with the request timeout) and count one that
	 * does not answer as unreachable at once; when it answers again, its watches retry now. Off when
	 * absent (one-shot lists, unit tests with fake clients). A number: every cluster alike; by tier: the
	 * selected row and the rows on screen (setProbeFocus) apart from the rest. See api-probe.ts.
	 */
	probeMs?: number | ProbeIntervals;
	/** The user's context → ManagedCluster name mapping (a fallback when a cluster's identity cannot be read). */
	managedClusterNames?: ManagedClusterNames;
	/** List mode: the contexts whose connection Secret is asked with their lists (ClusterWatchOptions.secretAhead). */
	secretAhead?: ReadonlySet<string>;
	/** Replaceable for unit tests. */
	startWatch?: (client: ClusterClient, options: WatchOptions<RawObject>) => WatchHandle;
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
	/**
	 * The contexts whose rows the user sees (a remote-only row: its management cluster's), and the one
	 * selected: their API is probed more often than the rest of a big fleet (api-probe.ts).
	 */
	setProbeFocus(focus: OnScreen): void;
	/** The raw state of one context (diagnostics, tests). */
	raw(context: string): RawClusterState | undefined;
	/** What a certificate read found on one context (tunnel-cert-sync.ts); applied with the next flush. */
	setTunnelCerts(context: string, facts: TunnelCertFacts): void;
	/**
	 * A read of the context's tigera-managed-cluster-connection Secret is under way (its identity, which
	 * also brings the CERT column's managed side: tunnel-cert-sync.ts need not read it as well).
	 */
	readingIdentity(context: string): boolean;
};

class FleetSyncLoop implements FleetSync {
	/** The contexts setProbeFocus() last tuned closer than off-screen. */
	private focused = new Map<string, ProbeTier>();
	private readonly model: FleetModel;
	private readonly clusters = new Map<string, ClusterWatches>();
	private readonly perCluster = new Map<string, RawClusterState>();
	private readonly coalescer: Coalescer<string, true>;
	/** First contacts wait for a slot; a slot is held until every resource of the cluster answered or failed. */
	private readonly firstContacts: FirstContacts;
	private readonly now: () => number;
	private stopped = false;
	private readyWaiters: Array<() => void> = [];
	/**
	 * One grid for every cluster's probe timers, stepping at the selected row's interval: the rows on
	 * screen probe on its steps, and the off-screen rows' re-armed timers (~20 a second on 1,001
	 * clusters) wait for them too: one wake-up a step (api-probe.ts).
	 */
	private readonly coarse: CoarseTimers;

	/** Clusters whose every resource answered (or failed) once. */
	private settledCount = 0;
	/** The last cluster allSettled() found still reading its identity. */
	private stillReading?: ClusterWatches;
	/**
	 * List mode: the clusters changed since the last apply. Nobody sees a one-shot status before every
	 * cluster answered, so nothing is recomputed until then: a flush per window would redo the whole
	 * fleet's rows and matching some hundred times while 1,001 clusters answer one by one.
	 */
	private deferred = new Set<string>();

	constructor(private readonly o: FleetSyncOptions) {
		this.now = o.now ?? Date.now;
		this.coarse = createCoarseTimers(probeBeatMs(typeof o.probeMs === 'number' ? uniformProbe(o.probeMs) : o.probeMs));
		this.model = new FleetModel({managedClusterNames: o.managedClusterNames});
		// Started once the constructor is done: every cluster is known before the first contact begins.
		this.firstContacts = new FirstContacts(Math.max(1, o.startConcurrency ?? 128));
		this.coalescer = createCoalescer<string, true>({
			windowMs: () => (this.settledCount < this.clusters.size ? o.loadingFlushMs ?? loadingWindowFor(this.clusters.size) : o.flushMs ?? settledFlushMs),
			// One at a time while loading: every flush there is a pass over every row.
			burst: () => (this.settledCount < this.clusters.size ? 1 : frameBurst),
			onFlush: batch => this.onFlush(batch.keys()),
		});
		for (const [context, client] of o.clients) this.add(context, client);
		queueMicrotask(() => this.firstContacts.start());
	}

	private add(context: string, client: ClusterClient): void {
		let settled!: () => void;
		const slot = new Promise<void>(resolve => (settled = () => {
			this.settledCount++;
			resolve();
			if (this.settledCount !== this.clusters.size) return;
			for (const c of this.clusters.values()) c.fleetSettled();
			if (this.o.mode === 'list') this.flush();
			// The last first list of the fleet is in: show the complete fleet now, not at the end of the
			// loading window (up to 400 ms later). After this turn: the list's own change is marked dirty
			// right after it settles.
			else setImmediate(() => !this.stopped && this.coalescer.flush());
		}));
		const watches = new ClusterWatches({
			context,
			client,
			start: this.o.startWatch ?? defaultStartWatch,
			watchOptions: this.o.watchOptions,
			watchdogMs: this.o.watchdogMs,
			paths: watchedPaths,
			now: this.now,
			dirty: () => this.markDirty(context),
			settledAll: settled,
			stopped: () => this.stopped,
			mode: this.o.mode ?? 'watch',
			probe: typeof this.o.probeMs === 'number' ? uniformProbe(this.o.probeMs) : this.o.probeMs,
			coarse: this.coarse,
			secretAhead: this.o.mode === 'list' && this.o.secretAhead?.has(context) === true,
		});
		this.clusters.set(context, watches);
		this.perCluster.set(context, watches.raw);
		this.firstContacts.add(async () => {
			if (this.stopped) return;
			await watches.begin();
			await slot;
		});
		this.markDirty(context);
	}

	private markDirty(context: string): void {
		if (this.stopped) return;
		if (this.o.mode === 'list') {
			this.deferred.add(context);
			// A read that ends after every list settled (a managed cluster's identity) must still wake
			// whoever waits for ready(): nothing else would flush, and the one-shot status would end silently.
			if (this.readyWaiters.length > 0) microtask(() => this.readyWaiters.length > 0 && this.allSettled() && this.flush());
		} else this.coalescer.put(context, true);
	}

	private allSettled(): boolean {
		// Asked after every change of a loading fleet: O(1) until every list settled, and then it starts
		// from the cluster that was still reading last time, not from the first (1,000 identity reads
		// ending one by one made it O(clusters²)).
		if (this.settledCount < this.clusters.size) return false;
		if (this.stillReading?.identityPending) return false;
		for (const c of this.clusters.values()) {
			if (!c.allSettled) return false;
			if (c.identityPending) {
				this.stillReading = c;
				return false;
			}
		}
		this.stillReading = undefined;
		return true;
	}

	private onFlush(dirty: Iterable<string>): void {
		try {
			this.apply(dirty);
		} catch (error) {
			// A bug in the model must not silence the fleet: say it, keep watching.
			this.o.store.getState().addLog({level: 'error', text: `fleet update failed: ${error instanceof Error ? error.message : String(error)}`});
		}
		if (this.readyWaiters.length > 0 && this.allSettled()) this.wake();
	}

	/** Recomputes the dirty clusters and applies them in ONE store update, with log lines for what changed. */
	private apply(dirty: Iterable<string>): void {
		const changes = this.model.update(this.perCluster, dirty);
		const ids = Object.keys(changes.clusters);
		const statusIds = Object.keys(changes.statuses);
		if (ids.length === 0 && statusIds.length === 0) return;
		const before = this.o.store.getState();
		const t = this.now();
		const lines: LogLine[] = [];
		for (const id of new Set([...ids, ...statusIds])) {
			const next = id in changes.clusters ? changes.clusters[id] ?? undefined : before.clusters[id];
			const nextStatuses = id in changes.statuses ? changes.statuses[id] ?? undefined : before.statuses[id];
			for (const change of describeChanges(before.clusters[id], next, before.statuses[id], nextStatuses)) {
				lines.push({t, level: change.level, cluster: id, text: change.text});
			}
		}
		before.applyBatch(changes);
		if (lines.length > 0) this.o.store.getState().addLogs(lines);
	}

	private wake(): void {
		const waiters = this.readyWaiters;
		this.readyWaiters = [];
		for (const resolve of waiters) resolve();
	}

	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		this.firstContacts.clear();
		this.coalescer.stop();
		for (const watches of this.clusters.values()) watches.stop();
		this.coarse.stop();
		this.wake();
	}

	ready(): Promise<void> {
		if (this.stopped) return Promise.resolve();
		if (this.allSettled() && this.coalescer.size === 0 && this.deferred.size === 0) return Promise.resolve();
		return new Promise<void>(resolve => {
			this.readyWaiters.push(resolve);
			// Settled but not yet flushed: the flush will resolve it.
			if (this.allSettled()) this.flush();
		});
	}

	flush(): void {
		this.coalescer.flush();
		if (this.deferred.size === 0 || this.stopped) return;
		const dirty = this.deferred;
		this.deferred = new Set();
		this.onFlush(dirty);
	}

	setProbeFocus(focus: OnScreen): void {
		const next = new Map<string, ProbeTier>();
		for (const context of focus.contexts) next.set(context, 'on-screen');
		if (focus.selected !== undefined) next.set(focus.selected, 'selected');
		for (const context of this.focused.keys()) if (!next.has(context)) this.clusters.get(context)?.setTier('off-screen');
		for (const [context, tier] of next) this.clusters.get(context)?.setTier(tier);
		this.focused = next;
	}

	raw(context: string): RawClusterState | undefined {
		return this.perCluster.get(context);
	}

	readingIdentity(context: string): boolean {
		return this.clusters.get(context)?.identityPending ?? false;
	}

	setTunnelCerts(context: string, facts: TunnelCertFacts): void {
		const raw = this.perCluster.get(context);
		if (!raw || this.stopped) return;
		// A re-read that found what the last one did (every minute, on every cluster of the fleet) keeps
		// the last object, so the rows comparing it by identity (every managed row, against its management
		// cluster's CA) are not rebuilt, and recomputes nothing unless the certificates, judged against the
		// clock again, now read differently (a threshold or "expires in 5d" passed).
		if (raw.tunnelCerts && sameCertReads(raw.tunnelCerts, facts)) {
			if (this.model.certOutdated(context)) this.markDirty(context);
			return;
		}
		raw.tunnelCerts = facts;
		this.markDirty(context);
	}
}

/** Same secrets read with the same outcome (the time of the read aside). */
function sameCertReads(a: TunnelCertFacts, b: TunnelCertFacts): boolean {
	return JSON.stringify(a.managedSide) === JSON.stringify(b.managedSide) && JSON.stringify(a.managementCa) === JSON.stringify(b.managementCa);
}

export function startFleetSync(options: FleetSyncOptions): FleetSync {
	return new FleetSyncLoop(options);
}
