// The built-in resource types every simulated cluster serves, as a real 1.33 API server names them.
import type {ResourceType} from './types.js';

export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

type Spec = Omit<ResourceType, 'verbs' | 'listKind' | 'singular' | 'statusSubresource'> &
	Partial<Pick<ResourceType, 'verbs' | 'statusSubresource' | 'singular'>>;

function type(spec: Spec): ResourceType {
	return {
		verbs: standardVerbs,
		statusSubresource: false,
		singular: spec.kind.toLowerCase(),
		listKind: `${spec.kind}List`,
		...spec,
	};
}

export const builtinTypes: ResourceType[] = [
	type({group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], statusSubresource: true,
		verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']}),
	type({group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], statusSubresource: true,
		verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']}),
	type({group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true}),
	type({group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa']}),
	type({group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], statusSubresource: true}),
	type({group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], statusSubresource: true}),
	type({group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm']}),
	type({group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev']}),
	type({group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], statusSubresource: true}),
	type({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false}),
	type({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false}),
	type({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true}),
	type({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true}),
	type({group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false,
		shortNames: ['crd', 'crds'], categories: ['api-extensions'], statusSubresource: true}),
	type({group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc']}),
];

/**
 * Types the API server answers itself without storing anything (create only). They are listed in
 * discovery so `kubectl auth can-i` and `kubectl create token` find them.
 */
export const virtualTypes: ResourceType[] = [
	type({group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create']}),
	type({group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false, verbs: ['create']}),
	type({group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create']}),
	type({group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create']}),
	type({group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: ['create']}),
];

/** Subresources listed in discovery besides `<resource>/status`. */
export const builtinSubresources: Array<{group: string; version: string; name: string; kind: string; namespaced: boolean; verbs: string[]}> = [
	{group: '', version: 'v1', name: 'serviceaccounts/token', kind: 'TokenRequest', namespaced: true, verbs: ['create']},
	{group: '', version: 'v1', name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get']},
];
