import {fingerprintAnnotation, type ManagedIdentity, type MatchedBy} from './managed-identity.js';
import {normalizeAddress} from './role.js';
import {parseTime, stringField, type RawObject} from './raw.js';
import {findCondition, readConditions} from './tigerstatus.js';
import type {ConditionStatus, ManagedConnection, TigerStatus} from './types.js';

// The management↔managed tunnel seen from both ends:
// - the management cluster's ManagedCluster `status.conditions[type=ManagedClusterConnected]`: the
//   real signal (the tunnel server sees the guardian);
// - the managed cluster's TigerStatus `management-cluster-connection` Available: only says that the
//   guardian runs there.
// They disagree when both are known (True/False) and differ: e.g. the guardian runs but cannot reach
// the management cluster.

export const connectedConditionType = 'ManagedClusterConnected';
export const connectionComponent = 'management-cluster-connection';

/** The management side of one ManagedCluster object. */
export type ManagementSide = {
	name: string;
	status: ConditionStatus;
	since?: number;
	message?: string;
	createdAt?: number;
	/** Its certs.tigera.io/active-fingerprint annotation: the tunnel certificate it accepts. */
	fingerprint?: string;
	/** The object it was read from: an unchanged object gives back the same ManagementSide. */
	source: RawObject;
};

export function readManagementSide(managedCluster: RawObject): ManagementSide {
	const condition = findCondition(readConditions(managedCluster), connectedConditionType);
	return {
		name: managedCluster.metadata.name,
		status: condition?.status ?? 'Unknown',
		since: condition?.lastTransitionTime,
		message: condition?.message ?? condition?.reason,
		createdAt: parseTime(managedCluster.metadata.creationTimestamp),
		fingerprint: stringField(managedCluster.metadata.annotations as Record<string, unknown> | undefined, fingerprintAnnotation),
		source: managedCluster,
	};
}

/** `management-cluster-connection` Available on the managed cluster, if that component exists. */
export function readManagedSide(statuses: readonly TigerStatus[]): ConditionStatus | undefined {
	return statuses.find(s => s.name === connectionComponent)?.available;
}

export function sidesDisagree(fromManagement: ConditionStatus | undefined, fromManaged: ConditionStatus | undefined): boolean {
	const known = (s: ConditionStatus | undefined) => s === 'True' || s === 'False';
	return known(fromManagement) && known(fromManaged) && fromManagement !== fromManaged;
}

export function makeConnection(parts: Omit<ManagedConnection, 'disagree'>): ManagedConnection {
	const connection: ManagedConnection = {disagree: sidesDisagree(parts.fromManagement, parts.fromManaged)};
	// Only defined keys, so that rows compare and serialise the same whichever way they were built.
	for (const [key, value] of Object.entries(parts)) if (value !== undefined) (connection as Record<string, unknown>)[key] = value;
	return connection;
}

/**
 * What to show as "connected": the management side when it is known, else the managed side (a
 * management cluster outside the kubeconfig, or unreachable), else Unknown.
 */
export function effectiveConnected(connection: ManagedConnection | undefined): ConditionStatus {
	if (!connection) return 'Unknown';
	return connection.fromManagement ?? connection.fromManaged ?? 'Unknown';
}

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
	const all = [...inputs];
	const byAddress = new Map<string, string[]>();
	const namesOf = new Map<string, Set<string>>();
	const holdersOfName = new Map<string, string[]>();
	const holdersOfFingerprint = new Map<string, Match[]>();
	for (const input of all) {
		const address = normalizeAddress(input.managementAddress);
		if (address) byAddress.set(address, [...(byAddress.get(address) ?? []), input.context]);
		for (const [name, fingerprint] of input.managedClusterFingerprints ?? []) {
			holdersOfFingerprint.set(fingerprint, [...(holdersOfFingerprint.get(fingerprint) ?? []), {management: input.context, managedName: name}]);
		}
		const names = new Set(input.managedClusterNames);
		if (names.size === 0) continue;
		namesOf.set(input.context, names);
		for (const name of names) {
			const holders = holdersOfName.get(name);
			if (holders) holders.push(input.context);
			else holdersOfName.set(name, [input.context]);
		}
	}
	const holding = (input: MatchInput, name: string, pointed: string[]): string | undefined => {
		const management = pointed.find(m => namesOf.get(m)?.has(name));
		if (management) return management;
		const holders = (holdersOfName.get(name) ?? []).filter(m => m !== input.context);
		return holders.length === 1 ? holders[0] : undefined;
	};
	const find = (input: MatchInput, pointed: string[]): (Match & {by: MatchedBy}) | undefined => {
		if (input.identity) {
			const exact = (holdersOfFingerprint.get(input.identity.fingerprint) ?? []).filter(h => h.management !== input.context);
			if (exact.length === 1) return {...exact[0]!, by: 'certificate'};
			const management = holding(input, input.identity.commonName, pointed);
			if (management) return {management, managedName: input.identity.commonName, by: 'certificate'};
		}
		for (const [name, by] of [[input.mappedName, 'mapping'], [input.context, 'name']] as const) {
			if (!name) continue;
			const management = holding(input, name, pointed);
			if (management) return {management, managedName: name, by};
		}
		return undefined;
	};
	const result: MatchResult = {byContext: new Map(), unmatched: new Map(), remoteOnly: []};
	const claimed = new Set<string>();
	for (const input of all) {
		// Not (known to be) managed yet: a context that is being joined has its ManagedCluster before it
		// applies the installation manifest, and one not read yet may well be managed. Either way its
		// own row, not a second remote-only one, should show that ManagedCluster.
		if (input.managed === 'maybe' || (input.managed === false && !input.managementAddress)) {
			const match = find(input, []);
			if (match) {
				result.byContext.set(input.context, match);
				claimed.add(`${match.management}/${match.managedName}`);
			}
			continue;
		}
		if (!input.managed) continue;
		const address = normalizeAddress(input.managementClusterAddr);
		const pointed = (address ? byAddress.get(address) ?? [] : []).filter(m => m !== input.context);
		const match = find(input, pointed);
		if (match) {
			result.byContext.set(input.context, match);
			claimed.add(`${match.management}/${match.managedName}`);
		} else {
			result.unmatched.set(input.context, pointed.length === 1 ? pointed[0] : undefined);
		}
	}
	for (const [management, names] of namesOf) {
		for (const name of names) if (!claimed.has(`${management}/${name}`)) result.remoteOnly.push({management, managedName: name});
	}
	return result;
}
