// RBAC authorization from the store's Roles/ClusterRoles and their bindings, as kube-apiserver's
// RBAC authorizer decides it, with its exact "forbidden" wording.
import {ApiError, type KubeObject, type ObjectStore} from './types.js';

export type Identity = {user: string; groups: string[]; admin: boolean};

export type Attributes = {
	verb: string;
	group: string;
	resource: string;
	subresource?: string;
	namespace?: string;
	name?: string;
};

export type NonResourceAttributes = {verb: string; path: string};

type Rule = {apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[]; nonResourceURLs?: string[]};
type Subject = {kind?: string; name?: string; namespace?: string};

/** Discovery and self-review requests every authenticated user may make (system:basic-user, system:discovery). */
const basicRules: Rule[] = [
	{apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create']},
	{apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create']},
	{nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version', '/version/', '/openapi', '/openapi/*', '/healthz', '/livez', '/readyz'], verbs: ['get']},
];

function subjectMatches(subject: Subject, identity: Identity, bindingNamespace: string | undefined): boolean {
	switch (subject.kind) {
		case 'User':
			return subject.name === identity.user;
		case 'Group':
			return subject.name !== undefined && identity.groups.includes(subject.name);
		case 'ServiceAccount':
			return identity.user === `system:serviceaccount:${subject.namespace || bindingNamespace || ''}:${subject.name ?? ''}`;
		default:
			return false;
	}
}

const has = (list: string[] | undefined, value: string) => (list ?? []).includes('*') || (list ?? []).includes(value);

function resourceMatches(rule: Rule, attrs: Attributes): boolean {
	const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
	const resources = rule.resources ?? [];
	if (resources.includes('*') || resources.includes(combined)) return true;
	if (attrs.subresource) return resources.includes(`${attrs.resource}/*`) || resources.includes(`*/${attrs.subresource}`);
	return false;
}

export function ruleAllows(rule: Rule, attrs: Attributes): boolean {
	if (!has(rule.verbs, attrs.verb) || !has(rule.apiGroups, attrs.group) || !resourceMatches(rule, attrs)) return false;
	if (rule.resourceNames && rule.resourceNames.length > 0) return attrs.name !== undefined && rule.resourceNames.includes(attrs.name);
	return true;
}

function nonResourceAllows(rule: Rule, attrs: NonResourceAttributes): boolean {
	if (!has(rule.verbs, attrs.verb)) return false;
	return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === attrs.path || (u.endsWith('*') && attrs.path.startsWith(u.slice(0, -1))));
}

function typeFor(store: ObjectStore, resource: string) {
	return store.lookup('rbac.authorization.k8s.io', 'v1', resource);
}

function rulesOf(store: ObjectStore, roleRef: {kind?: string; name?: string} | undefined, namespace: string | undefined): Rule[] {
	if (!roleRef?.name) return [];
	const kind = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
	const type = typeFor(store, kind);
	if (!type) return [];
	const role = store.get(type, kind === 'roles' ? namespace : undefined, roleRef.name);
	return ((role?.rules as Rule[] | undefined) ?? []).filter((r) => r && typeof r === 'object');
}

/** Every rule that applies to `identity` in `namespace` (cluster-wide rules included). */
export function rulesFor(store: ObjectStore, identity: Identity, namespace: string | undefined): Rule[] {
	const rules: Rule[] = [...basicRules];
	const crb = typeFor(store, 'clusterrolebindings');
	for (const binding of crb ? store.list(crb) : []) {
		if (((binding.subjects as Subject[] | undefined) ?? []).some((s) => subjectMatches(s, identity, undefined))) {
			rules.push(...rulesOf(store, binding.roleRef as KubeObject['roleRef'] as {kind?: string; name?: string}, undefined));
		}
	}
	const rb = typeFor(store, 'rolebindings');
	if (namespace && rb) {
		for (const binding of store.list(rb, {namespace})) {
			if (((binding.subjects as Subject[] | undefined) ?? []).some((s) => subjectMatches(s, identity, namespace))) {
				rules.push(...rulesOf(store, binding.roleRef as {kind?: string; name?: string}, namespace).filter((r) => !r.nonResourceURLs));
			}
		}
	}
	return rules;
}

export function isAllowed(store: ObjectStore, identity: Identity, attrs: Attributes): boolean {
	if (identity.admin || identity.groups.includes('system:masters')) return true;
	return rulesFor(store, identity, attrs.namespace).some((r) => ruleAllows(r, attrs));
}

export function isNonResourceAllowed(store: ObjectStore, identity: Identity, attrs: NonResourceAttributes): boolean {
	if (identity.admin || identity.groups.includes('system:masters')) return true;
	return rulesFor(store, identity, undefined).some((r) => nonResourceAllows(r, attrs));
}

/** `tigerastatuses.operator.tigera.io is forbidden: User "..." cannot list resource "tigerastatuses" in API group "operator.tigera.io" at the cluster scope` */
export function forbidden(identity: Identity, attrs: Attributes): ApiError {
	const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
	const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
	const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
	const reason = `User "${identity.user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`;
	const prefix = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
	return new ApiError(403, 'Forbidden', `${prefix} is forbidden: ${reason}`, {name: attrs.name, group: attrs.group, kind: attrs.resource});
}

export function forbiddenPath(identity: Identity, attrs: NonResourceAttributes): ApiError {
	return new ApiError(403, 'Forbidden', `forbidden: User "${identity.user}" cannot ${attrs.verb} path "${attrs.path}"`);
}
