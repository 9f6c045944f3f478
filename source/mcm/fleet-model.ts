import {makeConnection, readManagedSide, readManagementSide, type ManagementSide} from './connection.js';
import {addressDrift, versionSkew} from './drift.js';
import {FleetMatch, sameHolderSide, type MatchInput} from './fleet-match.js';
import {deriveHealth} from './health.js';
import type {ManagedClusterNames, ManagedIdentity} from './managed-identity.js';
import type {RawClusterState, RawObject} from './raw.js';
import {detectRole, type RoleFacts} from './role.js';
import {emptyRollup, rollup} from './rollup.js';
import {tigerStatusesSince} from './tigerstatus.js';
import {assessManaged, assessManagementCa, type TunnelCertFacts} from './tunnel-cert.js';
import type {ApiConnection, Cluster, ConditionStatus, ManagedConnection, Rollup, TigerStatus} from './types.js';

// From every context's raw objects to the fleet's rows. The fleet is the kubeconfig's contexts plus
// one remote-only row per ManagedCluster that no context claims (see connection.ts for matching).
//
// Incremental: FleetModel keeps, per context, the facts derived from its raw objects and recomputes
// them only for the contexts it is told are dirty; rows are rebuilt only when one of their inputs
// (their own facts, the management cluster's API state, their ManagedCluster) is a different object
// than last time, and reported only when their content changed.
//
// An update costs what changed, not the fleet: the whole fleet is matched again (contexts ↔
// ManagedClusters) only when what a context offers to the others changed (a context came or went, a
// ManagementCluster address, the set of ManagedCluster names or their fingerprints); a context whose
// own role, address, identity or mapping changed is matched again alone (fleet-match.ts), with the
// remote-only rows it claims or lets go of. Otherwise only the rows that can depend on a dirty
// context are looked at: its own, and, for a management cluster, the rows of the ManagedClusters
// whose objects changed (all of its rows when its own API state, address, version or CA changed).
// A tunnel flip in a fleet of 1,000 looked at every row and re-matched every context: ~8 ms a flip;
// so did every flush of a loading fleet, where managed clusters' roles and identities arrive.

export type FleetView = {clusters: Record<string, Cluster>; statuses: Record<string, TigerStatus[]>};

/** What changed in one update; `null` = the row is gone. The shape of FleetSlice.applyBatch's argument. */
export type FleetChanges = {clusters: Record<string, Cluster | null>; statuses: Record<string, TigerStatus[] | null>};

type ContextFacts = {
	context: string;
	api: ApiConnection;
	role: RoleFacts;
	statuses: TigerStatus[];
	rollup: Rollup;
	fromManaged?: ConditionStatus;
	/** ManagedClusters on this context, by name. */
	managed: Map<string, ManagementSide>;
	managedListed: boolean;
	tunnelCerts?: TunnelCertFacts;
	identity?: ManagedIdentity;
	/** What matching reads of this context: the same object as the previous facts' when unchanged. */
	match: MatchInput;
	/** ManagedCluster names whose object differs from the previous facts' (all of them: undefined). */
	changedSides?: ReadonlySet<string>;
};

type RowEntry = {row: Cluster; inputs: readonly unknown[]};

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
	return a.length === b.length && a.every((value, i) => value === b[i]);
}

function remoteId(management: string, name: string): string {
	return `${management}/${name}`;
}

export type FleetModelOptions = {
	/** The user's context → ManagedCluster name mapping (config file `managedClusterNames`, flags). */
	managedClusterNames?: ManagedClusterNames;
	/** The clock certificate states are judged by. */
	now?: () => number;
};

export class FleetModel {
	private readonly now: () => number;

	constructor(private readonly options: FleetModelOptions = {}) {
		this.now = options.now ?? Date.now;
	}

	private readonly facts = new Map<string, ContextFacts>();
	private readonly rows = new Map<string, RowEntry>();
	private readonly statuses = new Map<string, TigerStatus[]>();
	/** Rows whose management side was True or False at some point. */
	private readonly connectionKnown = new Set<string>();

	/** The last match, and who depends on whom in it (kept with it). */
	private match?: FleetMatch;
	/** Management context → the contexts linked to it or pointing at it without a ManagedCluster. */
	private dependents = new Map<string, Set<string>>();
	/** `management\0name` → the rows of that ManagedCluster (the contexts claiming it, or its remote-only row's id). */
	private rowOfSide = new Map<string, string[]>();

	/** Recomputes the dirty contexts (and every row linked to them); returns only what changed. */
	update(perCluster: ReadonlyMap<string, RawClusterState>, dirty: Iterable<string>): FleetChanges {
		const changes: FleetChanges = {clusters: {}, statuses: {}};
		let rematch = this.match === undefined;
		const recomputed: Array<{f: ContextFacts; previous?: ContextFacts}> = [];
		for (const context of new Set(dirty)) {
			const raw = perCluster.get(context);
			const previous = this.facts.get(context);
			if (!raw) {
				if (this.facts.delete(context)) rematch = true;
				continue;
			}
			const f = this.computeFacts(raw, previous);
			this.facts.set(context, f);
			// Only its own match can have changed when it offers the others what it did.
			if (f.match !== previous?.match && !(previous && sameHolderSide(previous.match, f.match))) rematch = true;
			recomputed.push({f, previous});
		}
		if (this.facts.size !== perCluster.size) {
			rematch = true;
			for (const context of [...this.facts.keys()]) if (!perCluster.has(context)) this.facts.delete(context);
			for (const context of perCluster.keys()) if (!this.facts.has(context)) this.facts.set(context, this.computeFacts(perCluster.get(context)!, undefined));
		}
		// Every context dirty (the first lists, a relist of all): a full pass costs no more.
		if (recomputed.length === perCluster.size) rematch = true;
		if (rematch) this.updateAll(changes);
		else {
			for (const {f, previous} of recomputed) if (f.match !== previous!.match) this.reclaim(changes, f);
			for (const {f, previous} of recomputed) this.updateAround(changes, f, previous);
		}
		return changes;
	}

	/** Re-matches the fleet and looks at every row. */
	private updateAll(changes: FleetChanges): void {
		const match = new FleetMatch([...this.facts.values()].map(f => f.match));
		this.match = match;
		this.dependents = new Map();
		this.rowOfSide = new Map();
		for (const [context, linked] of match.byContext) {
			this.depend(linked.management, context);
			this.linkSide(linked.management, linked.managedName, context);
		}
		for (const [context, management] of match.unmatched) if (management) this.depend(management, context);

		const seen = new Set<string>();
		for (const f of this.facts.values()) {
			seen.add(f.context);
			this.putContext(changes, f);
		}
		for (const {management, managedName} of match.remoteOnly) {
			const id = remoteId(management, managedName);
			seen.add(id);
			this.linkSide(management, managedName, id);
			this.putRemote(changes, id, management, managedName);
		}
		for (const id of [...this.rows.keys()]) if (!seen.has(id)) this.dropRow(changes, id);
	}

	/**
	 * Matches one context again whose claimant side alone changed (fleet-match.ts), and keeps who
	 * depends on whom; a ManagedCluster it now claims loses its remote-only row, one it let go of gets one.
	 */
	private reclaim(changes: FleetChanges, f: ContextFacts): void {
		const match = this.match!;
		const before = match.byContext.get(f.context);
		if (before) this.unlinkSide(before.management, before.managedName, f.context);
		const pointedBefore = before?.management ?? match.unmatched.get(f.context);
		if (pointedBefore) this.dependents.get(pointedBefore)?.delete(f.context);
		for (const {management, managedName, claimed} of match.reclaim(f.match)) {
			const id = remoteId(management, managedName);
			if (claimed) {
				this.unlinkSide(management, managedName, id);
				this.dropRow(changes, id);
			} else {
				this.linkSide(management, managedName, id);
				this.putRemote(changes, id, management, managedName);
			}
		}
		const after = match.byContext.get(f.context);
		if (after) this.linkSide(after.management, after.managedName, f.context);
		const pointed = after?.management ?? match.unmatched.get(f.context);
		if (pointed) this.depend(pointed, f.context);
	}

	private depend(management: string, context: string): void {
		const set = this.dependents.get(management);
		if (set) set.add(context);
		else this.dependents.set(management, new Set([context]));
	}

	private linkSide(management: string, managedName: string, id: string): void {
		const key = `${management}\0${managedName}`;
		const ids = this.rowOfSide.get(key);
		if (ids) ids.push(id);
		else this.rowOfSide.set(key, [id]);
	}

	private unlinkSide(management: string, managedName: string, id: string): void {
		const key = `${management}\0${managedName}`;
		const ids = this.rowOfSide.get(key)?.filter(other => other !== id);
		if (ids?.length) this.rowOfSide.set(key, ids);
		else this.rowOfSide.delete(key);
	}

	private dropRow(changes: FleetChanges, id: string): void {
		this.rows.delete(id);
		this.connectionKnown.delete(id);
		changes.clusters[id] = null;
		if (this.statuses.delete(id)) changes.statuses[id] = null;
	}

	/**
	 * The match holds: a dirty context's own row, and the rows that read its facts (see contextInputs):
	 * for a management cluster, those of the ManagedClusters that changed, or all of its rows when a
	 * value every one of them reads changed.
	 */
	private updateAround(changes: FleetChanges, f: ContextFacts, previous: ContextFacts | undefined): void {
		this.putContext(changes, f);
		const sameForAll = previous !== undefined && f.changedSides !== undefined && previous.api === f.api && previous.managedListed === f.managedListed
			&& previous.role.version === f.role.version && previous.role.managementAddress === f.role.managementAddress && previous.tunnelCerts === f.tunnelCerts;
		const ids = sameForAll ? [...f.changedSides!].flatMap(name => this.rowOfSide.get(`${f.context}\0${name}`) ?? []) : [...(this.dependents.get(f.context) ?? []), ...this.remoteRowsOf(f.context)];
		for (const id of ids) {
			const row = this.rows.get(id)?.row;
			if (row?.remoteOnly) this.putRemote(changes, id, f.context, row.name);
			else {
				const linked = this.facts.get(id);
				if (linked) this.putContext(changes, linked);
			}
		}
	}

	private remoteRowsOf(management: string): string[] {
		return this.match!.remoteOnlyOf(management).map(name => remoteId(management, name));
	}

	private putContext(changes: FleetChanges, f: ContextFacts): void {
		const match = this.match!;
		this.putRow(changes, f.context, this.contextInputs(f, match), inputs => this.contextRow(f, match, inputs));
		if (this.statuses.get(f.context) !== f.statuses) {
			this.statuses.set(f.context, f.statuses);
			changes.statuses[f.context] = f.statuses;
		}
	}

	private putRemote(changes: FleetChanges, id: string, management: string, managedName: string): void {
		const m = this.facts.get(management)!;
		const side = m.managed.get(managedName)!;
		this.putRow(changes, id, [m.api, side, this.connectionKnown.has(id)], () => this.remoteRow(id, m, side));
		if (!this.statuses.has(id)) {
			this.statuses.set(id, []);
			changes.statuses[id] = [];
		}
	}

	/** The whole fleet as it stands. */
	view(): FleetView {
		const clusters: Record<string, Cluster> = {};
		for (const [id, entry] of this.rows) clusters[id] = entry.row;
		return {clusters, statuses: Object.fromEntries(this.statuses)};
	}

	private putRow(changes: FleetChanges, id: string, inputs: readonly unknown[], build: (inputs: readonly unknown[]) => Cluster): void {
		const previous = this.rows.get(id);
		if (previous && sameInputs(previous.inputs, inputs)) return;
		const row = build(inputs);
		const from = row.connection?.fromManagement;
		if (from === 'True' || from === 'False') this.connectionKnown.add(id);
		this.rows.set(id, {row, inputs});
		if (previous && JSON.stringify(previous.row) === JSON.stringify(row)) {
			// Same content: keep the old object so that selectors see no change.
			this.rows.set(id, {row: previous.row, inputs});
			return;
		}
		changes.clusters[id] = row;
	}

	private computeFacts(raw: RawClusterState, previous: ContextFacts | undefined): ContextFacts {
		const role = detectRole(raw);
		let statuses = tigerStatusesSince(raw.objects.tigerstatuses, previous?.statuses);
		if (previous && statuses !== previous.statuses && JSON.stringify(previous.statuses) === JSON.stringify(statuses)) statuses = previous.statuses;
		const {managed, changedSides, sameNames} = managementSides(raw.objects.managedclusters, previous?.managed);
		const identity = raw.identity ? (previous?.identity && sameIdentity(previous.identity, raw.identity) ? previous.identity : raw.identity) : undefined;
		const match: MatchInput = {
			context: raw.context,
			managementAddress: role.managementAddress,
			managed: role.role === 'managed' || role.role === 'misconfigured' || role.managementClusterAddr !== undefined ? true : role.role === 'unknown' ? 'maybe' : false,
			managementClusterAddr: role.managementClusterAddr,
			managedClusterNames: sameNames ? previous!.match.managedClusterNames : [...managed.keys()],
			managedClusterFingerprints: sameNames ? previous!.match.managedClusterFingerprints : fingerprints(managed),
			identity,
			mappedName: this.options.managedClusterNames?.[raw.context],
		};
		return {
			context: raw.context,
			api: raw.api,
			role,
			statuses,
			rollup: statuses === previous?.statuses ? previous.rollup : rollup(statuses),
			fromManaged: readManagedSide(statuses),
			managed,
			managedListed: raw.listed.has('managedclusters'),
			tunnelCerts: raw.tunnelCerts,
			...(identity ? {identity} : {}),
			match: previous && sameNames && sameMatchInput(previous.match, match) ? previous.match : match,
			...(previous ? {changedSides} : {}),
		};
	}

	private contextInputs(f: ContextFacts, match: FleetMatch): unknown[] {
		const linked = match.byContext.get(f.context);
		const management = linked?.management ?? match.unmatched.get(f.context);
		const m = management ? this.facts.get(management) : undefined;
		const side = linked ? m?.managed.get(linked.managedName) : undefined;
		// The management cluster's facts by their few values used here, not by identity: it changes on
		// every ManagedCluster event, and must not rebuild every managed row each time.
		return [f, management, m?.api, m?.managedListed, side, m?.role.version, m?.role.managementAddress, m?.tunnelCerts, match.unmatched.has(f.context), this.connectionKnown.has(f.context)];
	}

	private contextRow(f: ContextFacts, match: FleetMatch, inputs: readonly unknown[]): Cluster {
		const connection = this.contextConnection(f, match);
		const row: Cluster = {
			id: f.context,
			name: f.context,
			context: f.context,
			remoteOnly: false,
			role: f.role.role,
			api: f.api,
			rollup: f.rollup,
			health: 'pending',
		};
		if (f.role.version) row.version = f.role.version;
		if (connection) row.connection = connection;
		if (f.role.installedAt !== undefined) row.createdAt = f.role.installedAt;
		this.addTunnelFacts(row, f);
		row.health = deriveHealth({
			role: row.role,
			api: row.api,
			rollup: row.rollup,
			statuses: f.statuses,
			connection,
			connectionWasKnown: inputs[inputs.length - 1] === true,
			cert: row.cert,
			versionSkew: row.versionSkew,
		});
		return row;
	}

	/**
	 * Whether judging a context's certificates now would say something else than its row does (a
	 * threshold or the "expires in" text passed): a re-read that found the same certificates changes
	 * nothing else, and then needs no recompute of the fleet.
	 */
	certOutdated(context: string): boolean {
		const f = this.facts.get(context);
		const row = this.rows.get(context)?.row;
		if (!f || !row) return true;
		return JSON.stringify(this.certOf(f, row.connection?.management)) !== JSON.stringify(row.cert);
	}

	private certOf(f: ContextFacts, management: string | undefined) {
		const now = this.now();
		const m = management ? this.facts.get(management) : undefined;
		return f.role.role === 'management'
			? assessManagementCa(f.tunnelCerts?.managementCa, now)
			: assessManaged(f.tunnelCerts?.managedSide, m?.tunnelCerts?.managementCa, management, now);
	}

	/** CERT, address drift and version skew, against the management cluster this row is linked to. */
	private addTunnelFacts(row: Cluster, f: ContextFacts): void {
		const management = row.connection?.management;
		const m = management ? this.facts.get(management) : undefined;
		const cert = this.certOf(f, management);
		if (cert) row.cert = cert;
		if (!m || row.connection?.managedName === undefined) return;
		const drift = addressDrift(f.role.managementClusterAddr, m.role.managementAddress);
		if (drift) row.addressDrift = drift;
		const skew = versionSkew(f.role.version, m.role.version);
		if (skew) row.versionSkew = skew;
	}

	private contextConnection(f: ContextFacts, match: FleetMatch): ManagedConnection | undefined {
		const linked = match.byContext.get(f.context);
		if (linked) {
			const m = this.facts.get(linked.management)!;
			const side = m.managed.get(linked.managedName)!;
			if (m.api.state !== 'ok') {
				return makeConnection({
					management: linked.management,
					managedName: linked.managedName,
					matchedBy: linked.by,
					fromManaged: f.fromManaged,
					message: `management cluster ${linked.management} is ${m.api.state}`,
				});
			}
			return makeConnection({
				management: linked.management,
				managedName: linked.managedName,
				matchedBy: linked.by,
				fromManagement: side.status,
				fromManaged: f.fromManaged,
				since: side.since,
				message: side.message,
			});
		}
		if (!match.unmatched.has(f.context)) return undefined;
		const management = match.unmatched.get(f.context);
		const m = management ? this.facts.get(management) : undefined;
		if (management && m && m.api.state === 'ok' && m.managedListed) {
			// The address points at a management cluster we can read, and it has no ManagedCluster for
			// this context: the tunnel cannot be up.
			return makeConnection({
				management,
				fromManagement: 'False',
				fromManaged: f.fromManaged,
				message: this.noManagedClusterMessage(f, management),
			});
		}
		return makeConnection({
			management,
			fromManaged: f.fromManaged,
			message: management ? `management cluster ${management} is ${m?.api.state ?? 'unknown'}` : 'management cluster not in the kubeconfig',
		});
	}

	private noManagedClusterMessage(f: ContextFacts, management: string): string {
		const mapped = this.options.managedClusterNames?.[f.context];
		const wanted = [
			...(f.identity ? [`with the fingerprint of its tunnel certificate (issued for "${f.identity.commonName}")`] : []),
			...(mapped ? [`named "${mapped}" (managedClusterNames)`] : []),
			`named "${f.context}"`,
		];
		return `no ManagedCluster ${wanted.join(', or ')} on ${management}`;
	}

	private remoteRow(id: string, m: ContextFacts, side: ManagementSide): Cluster {
		const reachable = m.api.state === 'ok';
		const connection = makeConnection({
			management: m.context,
			managedName: side.name,
			fromManagement: reachable ? side.status : undefined,
			since: side.since,
			message: reachable ? side.message : `management cluster ${m.context} is ${m.api.state}`,
		});
		const row: Cluster = {
			id,
			name: side.name,
			remoteOnly: true,
			role: 'managed',
			api: m.api,
			connection,
			rollup: emptyRollup,
			health: 'pending',
		};
		if (side.createdAt !== undefined) row.createdAt = side.createdAt;
		row.health = deriveHealth({
			role: row.role,
			api: row.api,
			rollup: row.rollup,
			statuses: [],
			connection,
			connectionWasKnown: this.connectionKnown.has(id),
		});
		return row;
	}
}

/**
 * A management cluster's ManagedClusters as the domain reads them, from the last ones read. The same
 * names (each there before with the same fingerprint, none gone: what matching reads) keep the last
 * map, updated in place: nothing reads a previous facts' map after its cluster's facts are recomputed,
 * and a new 1,000-entry map per event of a 1,000-cluster management cluster was ~120 KB of the ~870 KB
 * of garbage a connection flip made (a scavenge every ~6 flips, 3-13 ms each, the latency's tail).
 * Names that came or went build a new map, in the order of the objects.
 */
function managementSides(objects: ReadonlyMap<string, RawObject>, last: Map<string, ManagementSide> | undefined): {managed: Map<string, ManagementSide>; changedSides: Set<string>; sameNames: boolean} {
	const changedSides = new Set<string>();
	if (last && last.size === objects.size) {
		const updates = new Map<string, ManagementSide>();
		let sameNames = true;
		// forEach, not for-of over entries: each [name, object] pair is an allocation, 64 KB a pass.
		objects.forEach((object, name) => {
			const old = sameNames ? last.get(name) : undefined;
			if (!sameNames || old?.source === object) return;
			if (!old) {
				sameNames = false;
				return;
			}
			const side = readManagementSide(object);
			updates.set(name, side);
			if (old.fingerprint !== side.fingerprint) sameNames = false;
		});
		if (sameNames) {
			for (const [name, side] of updates) {
				last.set(name, side);
				changedSides.add(name);
			}
			return {managed: last, changedSides, sameNames};
		}
		return {managed: rebuilt(objects, last, updates, changedSides), changedSides, sameNames: false};
	}
	return {managed: rebuilt(objects, last, new Map(), changedSides), changedSides, sameNames: false};
}

/** A new map in the order of the objects: the last sides kept where their object is the same, `read` (sides read already) used before reading again. */
function rebuilt(objects: ReadonlyMap<string, RawObject>, last: ReadonlyMap<string, ManagementSide> | undefined, read: ReadonlyMap<string, ManagementSide>, changedSides: Set<string>): Map<string, ManagementSide> {
	const managed = new Map<string, ManagementSide>();
	for (const [name, object] of objects) {
		const old = last?.get(name);
		if (old && old.source === object) managed.set(name, old);
		else {
			managed.set(name, read.get(name) ?? readManagementSide(object));
			changedSides.add(name);
		}
	}
	return managed;
}

function fingerprints(managed: ReadonlyMap<string, ManagementSide>): Map<string, string> {
	const out = new Map<string, string>();
	for (const [name, side] of managed) if (side.fingerprint) out.set(name, side.fingerprint);
	return out;
}

/** Same matching facts, the names and fingerprints aside (compared while they are read). */
function sameMatchInput(a: MatchInput, b: MatchInput): boolean {
	return a.context === b.context && a.managementAddress === b.managementAddress && a.managed === b.managed
		&& a.managementClusterAddr === b.managementClusterAddr && a.identity === b.identity && a.mappedName === b.mappedName;
}

function sameIdentity(a: ManagedIdentity, b: ManagedIdentity): boolean {
	return a.commonName === b.commonName && a.fingerprint === b.fingerprint;
}

/** The whole fleet from scratch (no history: a tunnel's Unknown counts as never known). */
export function buildFleet(perCluster: ReadonlyMap<string, RawClusterState>, options: FleetModelOptions = {}): FleetView {
	const model = new FleetModel(options);
	model.update(perCluster, perCluster.keys());
	return model.view();
}

