import type {ResolvedKind} from '../kube/discovery.js';
import {pathOf, resources} from './resources.js';
import type {Cluster} from './types.js';

// Which live objects stand behind what the console shows: a fleet row is its Installation and its
// MCM objects (a managed cluster's ManagedCluster lives on its management cluster), a TigerStatus
// row is that TigerStatus, a step is the object it applies or waits on. `y` shows them, `e` their
// Events.

export type ObjectResource = 'installations' | 'tigerStatuses' | 'managementClusters' | 'managementClusterConnections' | 'managedClusters';

export type ObjectRef = {
	/** The kubeconfig context (cluster id) the object is read from. */
	context: string;
	resource: ObjectResource;
	kind: string;
	name: string;
	namespace?: string;
};

const kinds: Record<ObjectResource, string> = {
	installations: 'Installation',
	tigerStatuses: 'TigeraStatus',
	managementClusters: 'ManagementCluster',
	managementClusterConnections: 'ManagementClusterConnection',
	managedClusters: 'ManagedCluster',
};

/** The operator's singletons' names (the how-to's). */
const singletonName: Partial<Record<ObjectResource, string>> = {installations: 'default', managementClusters: 'tigera-secure', managementClusterConnections: 'tigera-secure'};

export function objectRef(context: string, resource: ObjectResource, name = singletonName[resource] ?? ''): ObjectRef {
	return {context, resource, kind: kinds[resource], name};
}

export function kindOf(ref: ObjectRef): ResolvedKind {
	return resources[ref.resource];
}

/** The API path of the object. */
export function objectPath(ref: ObjectRef): string {
	return pathOf(kindOf(ref), ref.name, ref.namespace);
}

/** How the view names it: `ManagedCluster managed-1 (on mgmt)`. */
export function describeRef(ref: ObjectRef): string {
	return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} (on ${ref.context})`;
}

/**
 * The objects behind a fleet row, most telling first: the ManagedCluster (on the management
 * cluster) and the ManagementClusterConnection of a managed cluster; the ManagementCluster of a
 * management cluster; then the Installation. A remote-only row has only its ManagedCluster.
 */
export function clusterObjects(c: Cluster): ObjectRef[] {
	const out: ObjectRef[] = [];
	const conn = c.connection;
	if (conn?.management && conn.managedName) out.push(objectRef(conn.management, 'managedClusters', conn.managedName));
	if (c.remoteOnly) return out;
	if (c.role === 'managed' || c.role === 'misconfigured') out.push(objectRef(c.context, 'managementClusterConnections'));
	if (c.role === 'management' || c.role === 'misconfigured') out.push(objectRef(c.context, 'managementClusters'));
	if (c.role !== 'not-installed') out.push(objectRef(c.context, 'installations'));
	return out;
}
