import {normalizeAddress} from './role.js';
import {compareVersions, parseVersion} from './version.js';

// What drifts apart between a managed cluster and its management cluster without anyone noticing
// until the tunnel breaks:
//   address  the managed side dials ManagementClusterConnection.spec.managementClusterAddr; the
//            management side advertises ManagementCluster.spec.address (a new load balancer, a moved node);
//   version  the vendor's upgrade path upgrades the management cluster first and then brings every
//            managed cluster to the same release; a managed cluster NEWER than its management cluster
//            is a problem, any other difference a note.

export type AddressDrift = {
	/** What the managed cluster dials. */
	managed: string;
	/** What the management cluster advertises. */
	management: string;
};

export type VersionSkew = {
	managed: string;
	management: string;
	/** The managed cluster runs a newer release than its management cluster. */
	newer: boolean;
};

export function addressDrift(managedAddr: string | undefined, managementAddress: string | undefined): AddressDrift | undefined {
	const a = normalizeAddress(managedAddr);
	const b = normalizeAddress(managementAddress);
	if (!a || !b || a === b) return undefined;
	return {managed: managedAddr as string, management: managementAddress as string};
}

export function versionSkew(managed: string | undefined, management: string | undefined): VersionSkew | undefined {
	if (!parseVersion(managed) || !parseVersion(management)) return undefined;
	const order = compareVersions(managed, management);
	if (order === 0) return undefined;
	return {managed: managed as string, management: management as string, newer: order > 0};
}

export function describeSkew(skew: VersionSkew, managedName: string, managementName: string): string {
	return skew.newer
		? `${managedName} runs ${skew.managed}, newer than its management cluster ${managementName} (${skew.management}): upgrade ${managementName} to ${skew.managed} first`
		: `${managedName} runs ${skew.managed}, its management cluster ${managementName} runs ${skew.management}: upgrade ${managedName} to ${skew.management}`;
}

export function describeDrift(drift: AddressDrift, managementName: string): string {
	return `dials ${drift.managed}, but ${managementName} advertises ${drift.management}: run fix-address --management ${managementName}`;
}
