// The create-only review APIs: SelfSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`can-i --list`), SelfSubjectReview (`auth whoami`), SubjectAccessReview,
// TokenReview.
import {isAllowed, isNonResourceAllowed, rulesFor, type Identity} from './rbac.js';
import {ApiError, type ObjectStore, type TokenRegistry} from './types.js';

type Body = Record<string, any>;

export function reviewResponse(resource: string, body: Body, identity: Identity, store: ObjectStore, tokens: TokenRegistry): Body {
	const spec = (body.spec ?? {}) as Body;
	const base = {apiVersion: body.apiVersion, kind: body.kind, metadata: {creationTimestamp: null, ...(body.metadata ?? {})}, spec};
	switch (resource) {
		case 'selfsubjectaccessreviews': {
			const ra = spec.resourceAttributes as Body | undefined;
			const nra = spec.nonResourceAttributes as Body | undefined;
			if (!ra && !nra) {
				throw new ApiError(422, 'Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
			}
			const allowed = ra
				? isAllowed(store, identity, {
					verb: String(ra.verb ?? ''), group: String(ra.group ?? ''), resource: String(ra.resource ?? ''),
					subresource: ra.subresource ? String(ra.subresource) : undefined,
					namespace: ra.namespace ? String(ra.namespace) : undefined, name: ra.name ? String(ra.name) : undefined,
				})
				: isNonResourceAllowed(store, identity, {verb: String(nra?.verb ?? ''), path: String(nra?.path ?? '')});
			return {...base, status: {allowed, ...(allowed ? {reason: identity.admin ? 'admin token' : 'RBAC: allowed'} : {})}};
		}
		case 'subjectaccessreviews': {
			// Someone else's access (webhooks and aggregated API servers ask this): the subject is in the spec.
			const user = typeof spec.user === 'string' ? spec.user : '';
			const groups = Array.isArray(spec.groups) ? spec.groups.map(String) : [];
			const ra = spec.resourceAttributes as Body | undefined;
			const nra = spec.nonResourceAttributes as Body | undefined;
			const causes = [
				...(user === '' && groups.length === 0 ? ['spec.user: Invalid value: "": at least one of user or group must be specified'] : []),
				...(!ra === !nra ? ['spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'] : []),
			];
			if (causes.length > 0) throw new ApiError(422, 'Invalid', `SubjectAccessReview.authorization.k8s.io "" is invalid: ${causes.join(', ')}`);
			const subject: Identity = {user, groups, admin: groups.includes('system:masters')};
			const allowed = ra
				? isAllowed(store, subject, {
					verb: String(ra.verb ?? ''), group: String(ra.group ?? ''), resource: String(ra.resource ?? ''),
					subresource: ra.subresource ? String(ra.subresource) : undefined,
					namespace: ra.namespace ? String(ra.namespace) : undefined, name: ra.name ? String(ra.name) : undefined,
				})
				: isNonResourceAllowed(store, subject, {verb: String(nra?.verb ?? ''), path: String(nra?.path ?? '')});
			return {...base, status: {allowed, ...(allowed ? {reason: 'RBAC: allowed'} : {})}};
		}
		case 'selfsubjectrulesreviews': {
			const namespace = spec.namespace ? String(spec.namespace) : undefined;
			const rules = identity.admin
				? [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}, {nonResourceURLs: ['*'], verbs: ['*']}]
				: rulesFor(store, identity, namespace);
			return {...base, status: {
				resourceRules: rules.filter((r) => !r.nonResourceURLs).map((r) => ({verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames ? {resourceNames: r.resourceNames} : {})})),
				nonResourceRules: rules.filter((r) => r.nonResourceURLs).map((r) => ({verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs ?? []})),
				incomplete: false,
			}};
		}
		case 'selfsubjectreviews':
			return {...base, status: {userInfo: {username: identity.user, groups: identity.groups}}};
		case 'tokenreviews': {
			const who = typeof spec.token === 'string' ? tokens.authenticate(spec.token) : null;
			return {...base, status: who ? {authenticated: true, user: {username: who.user, groups: who.groups}} : {authenticated: false}};
		}
	}
	throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}
