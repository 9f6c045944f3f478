// What a fresh kubeadm-style cluster holds before anyone applies anything.
import type {KubeObject, ObjectStore} from './types.js';

const rbac = 'rbac.authorization.k8s.io/v1';

function clusterRole(name: string, rules: unknown[]): KubeObject {
	return {apiVersion: rbac, kind: 'ClusterRole', metadata: {name, labels: {'kubernetes.io/bootstrapping': 'rbac-defaults'}}, rules};
}

const readVerbs = ['get', 'list', 'watch'];
const writeVerbs = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const everyday = ['pods', 'pods/log', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'events', 'deployments', 'roles', 'rolebindings'];

export function seedObjects(store: ObjectStore): void {
	const type = (apiVersion: string, kind: string) => {
		const t = store.lookupKind(apiVersion, kind);
		if (!t) throw new Error(`sim store: built-in type ${apiVersion} ${kind} is missing`);
		return t;
	};
	const ns = type('v1', 'Namespace');
	for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
		store.create(ns, {apiVersion: 'v1', kind: 'Namespace', metadata: {name}});
	}
	store.create(type('v1', 'Service'), {
		apiVersion: 'v1', kind: 'Service',
		metadata: {name: 'kubernetes', namespace: 'default', labels: {component: 'apiserver', provider: 'kubernetes'}},
		spec: {type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{name: 'https', port: 443, protocol: 'TCP', targetPort: 6443}]},
	});
	const cr = type(rbac, 'ClusterRole');
	store.create(cr, clusterRole('cluster-admin', [
		{apiGroups: ['*'], resources: ['*'], verbs: ['*']},
		{nonResourceURLs: ['*'], verbs: ['*']},
	]));
	store.create(cr, clusterRole('admin', [{apiGroups: ['', 'apps', 'rbac.authorization.k8s.io'], resources: everyday, verbs: [...readVerbs, ...writeVerbs]}]));
	store.create(cr, clusterRole('edit', [{apiGroups: ['', 'apps'], resources: everyday.filter((r) => !r.startsWith('role')), verbs: [...readVerbs, ...writeVerbs]}]));
	store.create(cr, clusterRole('view', [{apiGroups: ['', 'apps'], resources: everyday.filter((r) => r !== 'secrets' && !r.startsWith('role')), verbs: readVerbs}]));
	store.create(type(rbac, 'ClusterRoleBinding'), {
		apiVersion: rbac, kind: 'ClusterRoleBinding',
		metadata: {name: 'cluster-admin', labels: {'kubernetes.io/bootstrapping': 'rbac-defaults'}},
		roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
		subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters'}],
	});
}
