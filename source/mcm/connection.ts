import {fingerprintAnnotation} from './managed-identity.js';
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
	// Only defined keys, so that rows compare and serialise the same whichever way they were built. A
	// for-in rather than Object.entries: no [key, value] array per key for every row's connection.
	for (const key in parts) {
		const value = (parts as Record<string, unknown>)[key];
		if (value !== undefined) (connection as Record<string, unknown>)[key] = value;
	}
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
