import type {ClusterClient} from '../kube/client.js';
import type {WatchEventType, WatchHandle, WatchHandlers, WatchOptions, WatchState} from '../kube/watch.js';
import {emptyRawState, rawKinds, type Kept, type RawClusterState, type RawKind, type RawObject} from '../mcm/raw.js';
import {keepRaw} from '../mcm/raw-slim.js';
import type {ApiConnection, ApiState} from '../mcm/types.js';
import {probeIntervalOf, startProbe, type Probe, type ProbeIntervals, type ProbeTier} from './api-probe.js';
import type {CoarseTimers} from './coarse-timers.js';
import {listOnce} from './list-once.js';
import {createIdentityReader, type IdentityReader} from './managed-identity-reader.js';
import {managementSecretOf} from './tunnel-cert-sync.js';
import {readTunnelCertFacts} from '../mcm/tunnel-cert-read.js';

// The watches of one cluster: one list+watch loop per MCM resource, which keep the raw objects (by
// name) and the cluster's API state (that of its worst watch). Every change only calls dirty(); the
// fleet sync recomputes the rows in its next flush.

export type ClusterWatchOptions = {
	context: string;
	client: ClusterClient;
	start: (client: ClusterClient, options: WatchOptions<RawObject>) => WatchHandle;
	watchOptions?: Partial<Omit<WatchOptions<RawObject>, 'path' | 'handlers'>>;
	watchdogMs?: number;
	paths: Record<RawKind, string>;
	now: () => number;
	/** Something changed: the cluster needs a recompute. */
	dirty: () => void;
	/** Every resource answered its first list, or failed (once). */
	settledAll: () => void;
	stopped: () => boolean;
	/** 'list': each resource listed once (status), 'watch': until stop(). */
	mode: 'watch' | 'list';
	/** Probe the API this often, by tier (see api-probe.ts); off when absent. Watch mode only. */
	probe?: ProbeIntervals;
	/** The fleet's grid for the probes' long waits (api-probe.ts). */
	coarse?: CoarseTimers;
	/**
	 * List mode: ask the connection Secret with the lists, before they say the cluster is managed (it was
	 * at the last run: cli/managed-hint-file.ts), in their write rather than a second one.
	 */
	secretAhead?: boolean;
};

// Worst first: the state of a cluster is that of its worst watch.
const stateRank: Record<ApiState, number> = {ok: 0, connecting: 1, forbidden: 2, unauthorized: 3, unreachable: 4};

type MutableRaw = RawClusterState & {objects: {[K in RawKind]: Map<string, Kept<K>>}; listed: Set<RawKind>};

/** The watches' states, and the reachability probe's. */
type StateSource = RawKind | 'probe';

const stateSources: readonly StateSource[] = [...rawKinds, 'probe'];
const okState: WatchState = {state: 'ok'};
const connectingState: WatchState = {state: 'connecting'};

/**
 * Indexed, over constant states: called on every state change (five or more a cluster at a fleet's
 * start), and without the optimizing compiler (the one-shot status) a spread, a for-of and a fresh
 * default state per source were ~6 MB of garbage at 1,001 clusters.
 */
function combineStates(states: ReadonlyMap<StateSource, WatchState>): WatchState {
	let worst = okState;
	for (let i = 0; i < stateSources.length; i++) {
		const kind = stateSources[i]!;
		const s = states.get(kind) ?? (kind === 'probe' ? okState : connectingState);
		if (stateRank[s.state] > stateRank[worst.state]) worst = s;
	}
	return worst;
}

export class ClusterWatches {
	readonly raw: MutableRaw;
	private readonly states = new Map<StateSource, WatchState>();
	/** Watches whose first list answered, or that failed. */
	private readonly settled = new Set<RawKind>();
	private readonly handles: WatchHandle[] = [];
	/** The ManagedCluster watch, only while the cluster has a ManagementCluster (see syncManaged). */
	private managed?: WatchHandle;
	private probe?: Probe;
	/** How closely the user looks at this cluster: the probe's interval (api-probe.ts). */
	private tier: ProbeTier = 'off-screen';
	private probeTimer?: NodeJS.Timeout;
	private released = false;
	private began = false;
	/** List mode: every resource was listed (or failed). */
	private listedOnce = false;
	/**
	 * List mode: a management cluster's CA is to be read once its lists are done (readManagementCa): set
	 * as soon as its ManagementCluster is listed, so that the fleet never counts as settled in between.
	 */
	private caPending = false;
	private caReading?: AbortController;
	/** A managed cluster's identity (its tunnel certificate), read again when its ManagementClusterConnection changes. */
	private readonly identity: IdentityReader;

	constructor(private readonly o: ClusterWatchOptions) {
		this.raw = emptyRawState(o.context, o.now()) as MutableRaw;
		this.identity = createIdentityReader(o.client, ({identity, managedSide}) => {
			if (identity) this.raw.identity = identity;
			else delete this.raw.identity;
			// The CERT column's managed side, from the same read (tunnel-cert-sync.ts does not read it again).
			if (managedSide) this.raw.tunnelCerts = {...this.raw.tunnelCerts, managedSide, readAt: o.now()};
			o.dirty();
		}, () => this.releaseWhenDone());
	}

	get allSettled(): boolean {
		return this.settled.size === rawKinds.length;
	}

	/** The identity read, or list mode's read of a management cluster's CA, is under way (the one-shot status waits for them). */
	get identityPending(): boolean {
		return this.identity.pending || this.caPending;
	}

	/** Opens the watches (or, in list mode, lists each resource once). */
	async begin(): Promise<void> {
		this.began = true;
		if (this.o.mode === 'list') {
			const alongside = this.o.secretAhead ? () => this.identity.askAhead() : undefined;
			await listOnce(this.o.client, this.o.paths, kind => this.handlersFor(kind), this.o.stopped, () => this.raw.objects.managementclusters.size > 0, alongside);
			this.listedOnce = true;
			if (this.caPending) await this.readManagementCa();
			this.releaseWhenDone();
			return;
		}
		for (const kind of rawKinds) {
			if (kind === 'managedclusters') continue;
			const handle = this.startKind(kind);
			if (handle) this.handles.push(handle);
		}
		if (this.released) this.probeLater();
	}

	/**
	 * List mode: a management cluster's tunnel CA, read right after its lists, on the same connection.
	 * Every managed row is judged against it (the CERT column), so when tunnel-cert-sync first read it,
	 * after the whole fleet's rows were made, a 1,001-cluster `status` made every row a second time
	 * (~20-40 ms of CPU and ~9 MB of rows dropped). tunnel-cert-sync's own read then finds the same
	 * facts and changes nothing; one that differs still counts.
	 */
	private async readManagementCa(): Promise<void> {
		const reading = new AbortController();
		this.caReading = reading;
		try {
			if (this.o.stopped()) return;
			const plan = {managed: false, management: true, managementSecretName: managementSecretOf(this.raw)};
			const facts = await readTunnelCertFacts(this.o.client, plan, this.o.now, reading.signal);
			if (reading.signal.aborted || this.o.stopped()) return;
			this.raw.tunnelCerts = {...this.raw.tunnelCerts, managementCa: facts.managementCa, readAt: facts.readAt};
		} finally {
			this.caReading = undefined;
			this.caPending = false;
			// Whoever waits for the fleet (ready()) looks again: also when the read found nothing.
			this.o.dirty();
		}
	}

	/**
	 * List mode: once the lists and the identity read are over, nothing more is asked of a cluster that
	 * is not a management cluster (whose CA tunnel-cert-sync reads next), so its keep-alive connection
	 * closes now rather than at exit. A 1,001-cluster `status` held 1,001 idle TLS connections open
	 * on both ends until the end (~30 MB of its peak RSS, and as much in the API servers).
	 */
	private releaseWhenDone(): void {
		if (this.o.mode !== 'list' || !this.listedOnce || this.identity.pending || this.o.stopped()) return;
		if (this.raw.objects.managementclusters.size > 0) return;
		this.o.client.releaseIdle?.();
	}

	/**
	 * The reachability probe starts once the whole fleet's first lists answered or failed (fleetSettled),
	 * or one probe interval after this cluster's did, whichever comes first: until then the lists, with
	 * the request timeout, say whether the server answers, and 1,000 clusters probing during the start
	 * burst (one GET /version each per interval: 2,000 in a 45 s start on a busy machine) competed with
	 * the lists that fill the rows.
	 */
	private probeLater(): void {
		if (this.probe || this.probeTimer || !this.probing) return;
		this.probeTimer = setTimeout(() => this.startProbe(), this.probeInterval(undefined));
		this.probeTimer.unref?.();
	}

	private get probing(): boolean {
		return this.o.probe !== undefined && this.o.probe[this.tier] > 0;
	}

	private probeInterval(state: 'ok' | 'unreachable' | undefined): number {
		return this.o.probe ? probeIntervalOf(this.o.probe, this.tier, state) : 0;
	}

	/** The row was selected, came on screen or left it: the probe follows (api-probe.ts). */
	setTier(tier: ProbeTier): void {
		if (tier === this.tier) return;
		this.tier = tier;
		this.probe?.retune();
	}

	/** Every cluster of the fleet settled its first lists: probing costs the start nothing any more. */
	fleetSettled(): void {
		if (this.released) this.startProbe();
	}

	private startProbe(): void {
		if (this.probeTimer) clearTimeout(this.probeTimer);
		this.probeTimer = undefined;
		if (this.probe || this.o.stopped() || this.o.mode === 'list') return;
		if (this.probing) {
			this.probe = startProbe(this.o.client, {
				intervalMs: state => this.probeInterval(state),
				coarse: this.o.coarse,
				onBeat: () => this.tier !== 'off-screen',
				onState: state => !this.o.stopped() && this.setState('probe', state),
				onRecover: () => {
					if (this.o.stopped()) return;
					for (const handle of this.handles) handle.wake();
					this.managed?.wake();
				},
			});
		}
	}

	stop(): void {
		for (const handle of this.handles) handle.stop();
		this.managed?.stop();
		this.probe?.stop();
		if (this.probeTimer) clearTimeout(this.probeTimer);
		this.identity.stop();
		this.caReading?.abort();
	}

	private settle(kind: RawKind): void {
		this.settled.add(kind);
		if (!this.released && this.allSettled) {
			this.released = true;
			this.o.settledAll();
			if (this.began) this.probeLater();
		}
	}

	// reset, listed, event and state are what a resource's watch reports, through its KindHandlers.

	/** A new list replaced what the resource held. */
	reset(kind: RawKind, items: RawObject[]): void {
		const map = new Map<string, Kept<RawKind>>();
		for (const item of items) if (item?.metadata?.name) map.set(item.metadata.name, keepRaw(kind, item));
		(this.raw.objects as Record<RawKind, Map<string, Kept<RawKind>>>)[kind] = map;
		this.listed(kind);
	}

	listed(kind: RawKind): void {
		this.raw.listed.add(kind);
		if (kind === 'managementclusters' && this.o.mode === 'list' && this.raw.objects.managementclusters.size > 0) this.caPending = true;
		this.settle(kind);
		this.o.dirty();
		if (kind === 'managementclusters') this.syncManaged();
		if (kind === 'managementclusterconnections') this.syncIdentity();
	}

	event(kind: RawKind, type: string, object: RawObject): void {
		const name = object?.metadata?.name;
		if (!name) return;
		if (type === 'DELETED') this.raw.objects[kind].delete(name);
		else (this.raw.objects[kind] as Map<string, Kept<RawKind>>).set(name, keepRaw(kind, object));
		this.o.dirty();
		if (kind === 'managementclusters') this.syncManaged();
		if (kind === 'managementclusterconnections') this.syncIdentity();
	}

	private syncIdentity(): void {
		this.identity.changed([...this.raw.objects.managementclusterconnections.values()].map(o => o.metadata.resourceVersion ?? '?').join(','));
	}

	state(kind: RawKind, state: WatchState): void {
		if (state.state !== 'ok' && state.state !== 'connecting') {
			this.settle(kind);
			// No ManagementCluster answer, so no ManagedCluster watch: that one has failed too, for ready().
			if (kind === 'managementclusters' && !this.managed) this.settle('managedclusters');
		}
		this.setState(kind, state);
	}

	private setState(source: StateSource, state: WatchState): void {
		this.states.set(source, state);
		const combined = combineStates(this.states);
		const api = this.raw.api;
		if (combined.state === api.state && combined.error === api.error && combined.verb === api.verb && combined.resource === api.resource) return;
		const next: ApiConnection = {state: combined.state, since: combined.state === api.state ? api.since : this.o.now()};
		if (combined.error) next.error = combined.error;
		if (combined.verb) next.verb = combined.verb;
		if (combined.resource) next.resource = combined.resource;
		this.raw.api = next;
		this.o.dirty();
	}

	private handlersFor(kind: RawKind): WatchOptions<RawObject>['handlers'] {
		return new KindHandlers(this, kind);
	}

	private startKind(kind: RawKind): WatchHandle | undefined {
		const handlers = this.handlersFor(kind);
		const watchOptions: WatchOptions<RawObject> = {...this.o.watchOptions, path: this.o.paths[kind], handlers};
		// The ManagedCluster watch carries the connection of every managed cluster: first in line.
		if (kind === 'managedclusters') watchOptions.priority = 'high';
		if (this.o.watchdogMs !== undefined) watchOptions.watchdogMs = this.o.watchdogMs;
		try {
			return this.o.start(this.o.client, watchOptions);
		} catch (error) {
			handlers.onState({state: 'unreachable', error: error instanceof Error ? error.message : String(error)});
			return undefined;
		}
	}

	/**
	 * ManagedCluster objects live on management clusters only. Watching them everywhere cost one more
	 * socket per cluster and, where the type is not served, a 404 re-check every few seconds on every
	 * cluster of the fleet: the ManagedCluster watch runs while the cluster has a ManagementCluster,
	 * and until then the resource counts as listed and empty.
	 */
	private syncManaged(): void {
		const raw = this.raw;
		if (this.o.stopped() || this.o.mode === 'list' || !raw.listed.has('managementclusters')) return;
		const wanted = raw.objects.managementclusters.size > 0;
		if (wanted && !this.managed) {
			raw.listed.delete('managedclusters');
			this.states.set('managedclusters', {state: 'connecting'});
			this.managed = this.startKind('managedclusters');
		} else if (!wanted && (this.managed || !raw.listed.has('managedclusters'))) {
			this.managed?.stop();
			this.managed = undefined;
			raw.objects.managedclusters = new Map();
			raw.listed.add('managedclusters');
			// Through state(), so that the cluster's combined API state drops a stale error of that watch.
			this.state('managedclusters', {state: 'ok'});
			this.settle('managedclusters');
			this.o.dirty();
		}
	}
}

/**
 * One resource's watch handlers: one object with methods rather than an object of four closures and
 * their context, which its watch holds for its life (~300 bytes a watch, 4,005 watches at 1,001 clusters).
 */
class KindHandlers implements WatchHandlers<RawObject> {
	constructor(
		private readonly watches: ClusterWatches,
		private readonly kind: RawKind,
	) {}

	onReset(items: RawObject[]): void {
		this.watches.reset(this.kind, items);
	}

	onEvent(type: WatchEventType, object: RawObject): void {
		this.watches.event(this.kind, type, object);
	}

	onState(state: WatchState): void {
		this.watches.state(this.kind, state);
	}

	onAbsent(): void {
		this.watches.listed(this.kind);
	}
}
