import type {ManagedIdentity, MatchedBy} from './managed-identity.js';
import {normalizeAddress} from './role.js';

// Which context is which ManagedCluster (the rules: matchManagedClusters below), kept so that a change
// costs what changed. What a context offers to others (its ManagementCluster address, its
// ManagedClusters' names and fingerprints: the "holder" side) makes the indexes every decision reads;
// what it looks for (its own address, identity, mapping, whether it is managed: the "claimant" side)
// decides only its own match. While a fleet loads, almost every change is a claimant's (a managed
// cluster's role read, its identity read): `reclaim` decides that one context again against the
// same indexes instead of the whole fleet (a re-match of 1,001 contexts, ~25 MB of garbage over a
// start, for each loading flush). A holder-side change needs a new FleetMatch.

/** What the matcher needs to know about one context. */
export type MatchInput = {
	context: string;
	/** ManagementCluster spec.address, for contexts that have one. */
	managementAddress?: string;
	/**
	 * The context has a ManagementClusterConnection (role managed, or misconfigured): matched by
	 * address and identity. 'maybe' = not read yet (connecting, unreachable): it claims a
	 * ManagedCluster when that is unambiguous, so that an unreachable managed cluster does not also
	 * appear as a remote-only row.
	 */
	managed: boolean | 'maybe';
	/** ManagementClusterConnection spec.managementClusterAddr, for contexts that have one. */
	managementClusterAddr?: string;
	/** ManagedCluster names on this context (management clusters). */
	managedClusterNames: Iterable<string>;
	/** ManagedCluster name → its certificates.tigera.io/active-fingerprint annotation (management clusters). */
	managedClusterFingerprints?: ReadonlyMap<string, string>;
	/** The managed cluster's tunnel certificate (from its tigera-managed-cluster-connection Secret), when read. */
	identity?: ManagedIdentity;
	/** The ManagedCluster name the user mapped this context to (managedClusterNames). */
	mappedName?: string;
};

export type Match = {management: string; managedName: string};

export type MatchResult = {
	/** Managed context → its ManagedCluster, and how it was found. */
	byContext: Map<string, Match & {by: MatchedBy}>;
	/** Managed contexts with no ManagedCluster found, and the management context their address points to (if one does). */
	unmatched: Map<string, string | undefined>;
	/** ManagedClusters no context claimed: the remote-only rows. */
	remoteOnly: Match[];
};

/** Whether two inputs of one context offer the same to the others (the indexes stay as they are). */
export function sameHolderSide(a: MatchInput, b: MatchInput): boolean {
	return a.context === b.context && a.managementAddress === b.managementAddress && a.managedClusterNames === b.managedClusterNames
		&& a.managedClusterFingerprints === b.managedClusterFingerprints;
}

/** A ManagedCluster that a context's match claimed or let go of. */
export type ClaimChange = Match & {claimed: boolean};

export class FleetMatch {
	readonly byContext = new Map<string, Match & {by: MatchedBy}>();
	readonly unmatched = new Map<string, string | undefined>();
	private readonly byAddress = new Map<string, string[]>();
	private readonly namesOf = new Map<string, Set<string>>();
	private readonly holdersOfName = new Map<string, string[]>();
	private readonly holdersOfFingerprint = new Map<string, Match[]>();
	/** Management context → ManagedCluster name → how many contexts claim it. */
	private readonly claims = new Map<string, Map<string, number>>();

	constructor(inputs: Iterable<MatchInput>) {
		const all = [...inputs];
		for (const input of all) {
			const address = normalizeAddress(input.managementAddress);
			if (address) append(this.byAddress, address, input.context);
			for (const [name, fingerprint] of input.managedClusterFingerprints ?? []) append(this.holdersOfFingerprint, fingerprint, {management: input.context, managedName: name});
			const names = new Set(input.managedClusterNames);
			if (names.size === 0) continue;
			this.namesOf.set(input.context, names);
			for (const name of names) append(this.holdersOfName, name, input.context);
		}
		for (const input of all) this.decide(input);
	}

	/** ManagedClusters no context claims, in the order of their management contexts and names. */
	get remoteOnly(): Match[] {
		const out: Match[] = [];
		for (const [management, names] of this.namesOf) {
			const claimed = this.claims.get(management);
			for (const name of names) if (!claimed?.get(name)) out.push({management, managedName: name});
		}
		return out;
	}

	/** The ManagedClusters of one management context that no context claims. */
	remoteOnlyOf(management: string): string[] {
		const claimed = this.claims.get(management);
		return [...(this.namesOf.get(management) ?? [])].filter(name => !claimed?.get(name));
	}

	/**
	 * Decides one context again after its claimant side changed (its holder side must be the same:
	 * sameHolderSide). Returns the ManagedClusters that became claimed or unclaimed by it.
	 */
	reclaim(input: MatchInput): ClaimChange[] {
		const before = this.byContext.get(input.context);
		this.byContext.delete(input.context);
		this.unmatched.delete(input.context);
		if (before) this.claim(before, -1);
		const after = this.decide(input);
		if (before && after && before.management === after.management && before.managedName === after.managedName) return [];
		const changes: ClaimChange[] = [];
		if (before && this.claimCount(before) === 0) changes.push({management: before.management, managedName: before.managedName, claimed: false});
		if (after && this.claimCount(after) === 1) changes.push({management: after.management, managedName: after.managedName, claimed: true});
		return changes;
	}

	/** Whether some context claims this ManagedCluster. */
	claimed(match: Match): boolean {
		return this.claimCount(match) > 0;
	}

	private claimCount(match: Match): number {
		return this.claims.get(match.management)?.get(match.managedName) ?? 0;
	}

	private claim(match: Match, by: 1 | -1): void {
		let names = this.claims.get(match.management);
		if (!names) this.claims.set(match.management, (names = new Map()));
		const count = (names.get(match.managedName) ?? 0) + by;
		if (count > 0) names.set(match.managedName, count);
		else names.delete(match.managedName);
	}

	private decide(input: MatchInput): (Match & {by: MatchedBy}) | undefined {
		// Not (known to be) managed yet: a context that is being joined has its ManagedCluster before it
		// applies the installation manifest, and one not read yet may well be managed. Either way its
		// own row, not a second remote-only one, should show that ManagedCluster.
		if (input.managed === 'maybe' || (input.managed === false && !input.managementAddress)) {
			const match = this.find(input, []);
			if (match) this.link(input.context, match);
			return match;
		}
		if (!input.managed) return undefined;
		const address = normalizeAddress(input.managementClusterAddr);
		const pointed = (address ? this.byAddress.get(address) ?? [] : []).filter(m => m !== input.context);
		const match = this.find(input, pointed);
		if (match) this.link(input.context, match);
		else this.unmatched.set(input.context, pointed.length === 1 ? pointed[0] : undefined);
		return match;
	}

	private link(context: string, match: Match & {by: MatchedBy}): void {
		this.byContext.set(context, match);
		this.claim(match, 1);
	}

	private holding(input: MatchInput, name: string, pointed: string[]): string | undefined {
		const management = pointed.find(m => this.namesOf.get(m)?.has(name));
		if (management) return management;
		const holders = (this.holdersOfName.get(name) ?? []).filter(m => m !== input.context);
		return holders.length === 1 ? holders[0] : undefined;
	}

	private find(input: MatchInput, pointed: string[]): (Match & {by: MatchedBy}) | undefined {
		if (input.identity) {
			const exact = (this.holdersOfFingerprint.get(input.identity.fingerprint) ?? []).filter(h => h.management !== input.context);
			if (exact.length === 1) return {...exact[0]!, by: 'certificate'};
			const management = this.holding(input, input.identity.commonName, pointed);
			if (management) return {management, managedName: input.identity.commonName, by: 'certificate'};
		}
		for (const [name, by] of [[input.mappedName, 'mapping'], [input.context, 'name']] as const) {
			if (!name) continue;
			const management = this.holding(input, name, pointed);
			if (management) return {management, managedName: name, by};
		}
		return undefined;
	}
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}

/**
 * Pairs each managed context with its ManagedCluster on a management context, by identity first
 * (see managed-identity.ts):
 *   1. certificate: the ManagedCluster whose active-fingerprint annotation is the fingerprint of the
 *      context's tunnel certificate; else one named like the certificate's subject CN;
 *   2. mapping: one named as the user mapped the context;
 *   3. name: one named like the context.
 * For a name, a management context whose ManagementCluster address equals the context's
 * managementClusterAddr wins; else the name must be unambiguous across the fleet.
 * A context not (known to be) managed, and not a management cluster, claims only without the
 * address (it is being joined, or not read yet). Management clusters never claim one.
 * ManagedClusters no context claimed become remote-only rows.
 */
export function matchManagedClusters(inputs: Iterable<MatchInput>): MatchResult {
	const match = new FleetMatch(inputs);
	return {byContext: match.byContext, unmatched: match.unmatched, remoteOnly: match.remoteOnly};
}
