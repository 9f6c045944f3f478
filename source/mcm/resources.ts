import type {ResolvedKind} from '../kube/discovery.js';
import {resourcePath} from '../kube/paths.js';
import type {RawKind} from './raw.js';

// Every Kubernetes resource the console reads, watches, waits on or changes: one list for the fleet
// sync, the waits, the preflight and the plans.

export const resources = {
	namespaces: {group: '', version: 'v1', resource: 'namespaces', namespaced: false},
	services: {group: '', version: 'v1', resource: 'services', namespaced: true},
	secrets: {group: '', version: 'v1', resource: 'secrets', namespaced: true},
	serviceAccounts: {group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true},
	pods: {group: '', version: 'v1', resource: 'pods', namespaced: true},
	nodes: {group: '', version: 'v1', resource: 'nodes', namespaced: false},
	deployments: {group: 'apps', version: 'v1', resource: 'deployments', namespaced: true},
	clusterRoles: {group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false},
	clusterRoleBindings: {group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespaced: false},
	selfSubjectAccessReviews: {group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', namespaced: false},
	storageClasses: {group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false},
	installations: {group: 'operator.tigera.io', version: 'v1', resource: 'installations', namespaced: false},
	tigerStatuses: {group: 'operator.tigera.io', version: 'v1', resource: 'tigerastatuses', namespaced: false},
	managementClusters: {group: 'operator.tigera.io', version: 'v1', resource: 'managementclusters', namespaced: false},
	managementClusterConnections: {group: 'operator.tigera.io', version: 'v1', resource: 'managementclusterconnections', namespaced: false},
	managers: {group: 'operator.tigera.io', version: 'v1', resource: 'managers', namespaced: false},
	logStorages: {group: 'operator.tigera.io', version: 'v1', resource: 'logstorages', namespaced: false},
	managedClusters: {group: 'projectcalico.org', version: 'v3', resource: 'managedclusters', namespaced: false},
	licenseKeys: {group: 'projectcalico.org', version: 'v3', resource: 'licensekeys', namespaced: false},
} as const satisfies Record<string, ResolvedKind>;

/** The resources the fleet sync lists and watches on every cluster, by the domain's name for them. */
export const watchedResources: Record<RawKind, ResolvedKind> = {
	installations: resources.installations,
	tigerstatuses: resources.tigerStatuses,
	managementclusters: resources.managementClusters,
	managementclusterconnections: resources.managementClusterConnections,
	managedclusters: resources.managedClusters,
};

/** The path of a resource's collection, or of one object; the namespace only counts for namespaced kinds. */
export function pathOf(kind: ResolvedKind, name?: string, namespace?: string): string {
	return resourcePath(kind, {name, namespace: kind.namespaced ? namespace : undefined});
}

/** Where the Tigera operator runs and keeps its secrets. */
export const operatorNamespace = 'tigera-operator';
