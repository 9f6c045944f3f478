import {parseTime, stringField, type RawClusterState, type RawObject} from './raw.js';
import type {ClusterRole} from './types.js';

// A cluster's MCM role from its own objects:
//   no Installation                              → not-installed
//   ManagementCluster and ManagementClusterConnection → misconfigured (the operator refuses both)
//   ManagementCluster                            → management
//   ManagementClusterConnection                  → managed
//   otherwise                                    → standalone
// Until the Installation, ManagementCluster and ManagementClusterConnection lists have all answered
// the role is `unknown` (connecting, or unreachable before the first read). After that an
// unreachable cluster keeps its last known role: stale but more useful than nothing.

/** The operator's singletons are named like this; other names are ignored by the operator too. */
export const singletonName = 'tigera-secure';

export type RoleFacts = {
	role: ClusterRole;
	/** Installation status.calicoVersion, e.g. `v3.24.0`. */
	version?: string;
	/** Installation status.variant, e.g. `TigeraSecureEnterprise`. */
	variant?: string;
	/** Epoch ms the Installation was created. */
	installedAt?: number;
	/** ManagementCluster spec.address (on a management cluster). */
	managementAddress?: string;
	/** ManagementClusterConnection spec.managementClusterAddr (on a managed cluster). */
	managementClusterAddr?: string;
	/** ManagementCluster spec.tls.secretName: the tunnel CA's secret, when not the default. */
	managementTlsSecret?: string;
};

/** The Installation the operator reads: `default`, else the only one there is. */
export function primaryInstallation(installations: ReadonlyMap<string, RawObject>): RawObject | undefined {
	return installations.get('default') ?? (installations.size === 1 ? [...installations.values()][0] : undefined);
}

function singleton(objects: ReadonlyMap<string, RawObject>): RawObject | undefined {
	return objects.get(singletonName) ?? (objects.size > 0 ? [...objects.values()][0] : undefined);
}

export function detectRole(raw: RawClusterState): RoleFacts {
	const {objects, listed} = raw;
	const installation = primaryInstallation(objects.installations);
	const mc = singleton(objects.managementclusters);
	const mcc = singleton(objects.managementclusterconnections);
	const facts: RoleFacts = {
		role: 'unknown',
		version: stringField(installation?.status, 'calicoVersion'),
		variant: stringField(installation?.status, 'variant'),
		installedAt: parseTime(installation?.metadata.creationTimestamp),
		managementAddress: stringField(mc?.spec, 'address'),
		managementClusterAddr: stringField(mcc?.spec, 'managementClusterAddr'),
	};
	const tls = mc?.spec?.tls;
	const secretName = tls && typeof tls === 'object' ? stringField(tls as Record<string, unknown>, 'secretName') : undefined;
	if (secretName) facts.managementTlsSecret = secretName;
	const known = listed.has('installations') && listed.has('managementclusters') && listed.has('managementclusterconnections');
	if (!known) return facts;
	if (mc && mcc) facts.role = 'misconfigured';
	else if (mc) facts.role = 'management';
	else if (mcc) facts.role = 'managed';
	else if (installation || objects.installations.size > 0) facts.role = 'standalone';
	else facts.role = 'not-installed';
	return facts;
}

/** `host:port` without scheme or trailing slash, lower case, for comparing addresses. */
export function normalizeAddress(address: string | undefined): string | undefined {
	if (!address) return undefined;
	return address
		.trim()
		.replace(/^[a-z]+:\/\//i, '')
		.replace(/\/+$/, '')
		.toLowerCase();
}
