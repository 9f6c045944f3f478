// Who is asking: bearer-token authentication against the cluster's token registry, then
// impersonation (`kubectl --as=USER --as-group=GROUP`) when the caller may impersonate.
import type {IncomingMessage} from 'node:http';
import {forbidden, isAllowed, type Attributes, type Identity} from './rbac.js';
import {ApiError, type ObjectStore, type TokenRegistry} from './types.js';

const serviceAccountUser = /^system:serviceaccount:([^:]+):([^:]+)$/;

function unauthorized(): ApiError {
	return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** 401 without a valid token; bound service-account tokens die with their account. */
export function authenticate(store: ObjectStore, tokens: TokenRegistry, req: IncomingMessage): Identity {
	const header = req.headers.authorization ?? '';
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (!m) throw unauthorized();
	const who = tokens.authenticate(m[1]);
	if (!who) throw unauthorized();
	const sa = serviceAccountUser.exec(who.user);
	if (sa && !who.admin) {
		const saType = store.lookup('', 'v1', 'serviceaccounts');
		if (saType && !store.get(saType, sa[1], sa[2])) throw unauthorized();
	}
	return impersonate(store, req, who);
}

function impersonate(store: ObjectStore, req: IncomingMessage, who: Identity): Identity {
	const user = headerValues(req, 'impersonate-user')[0];
	const groups = headerValues(req, 'impersonate-group');
	if (!user) {
		if (groups.length > 0) throw new ApiError(400, 'BadRequest', 'impersonating groups needs a user too (Impersonate-User)');
		return who;
	}
	const checks: Attributes[] = [{verb: 'impersonate', group: '', resource: 'users', name: user}, ...groups.map((g) => ({verb: 'impersonate', group: '', resource: 'groups', name: g}))];
	for (const attrs of checks) if (!isAllowed(store, who, attrs)) throw forbidden(who, attrs);
	const sa = serviceAccountUser.exec(user);
	const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
	return {user, groups: [...new Set([...groups, ...implied, 'system:authenticated'])], admin: false};
}

/** Every value of a request header, in order (h2 joins repeated fields in `headers`; rawHeaders keeps them). */
function headerValues(req: IncomingMessage, name: string): string[] {
	const values: string[] = [];
	const raw = req.rawHeaders;
	// Lengths first: a lower-case copy of every header's name, twice a request, for names that cannot match.
	for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
	return values;
}
