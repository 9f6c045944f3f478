// Bearer tokens of one simulated cluster: the admin token of its kubeconfig and the service-account
// tokens that TokenRequest (`kubectl create token`) issues. JWT-shaped, so tools that decode them work.
import {randomBytes} from 'node:crypto';
import type {TokenRegistry} from './types.js';

type Identity = {user: string; groups: string[]; admin: boolean; expires: number};
type Answer = {readonly user: string; readonly groups: string[]; readonly admin: boolean};

/**
 * What authenticate answers for a token, made once: every request authenticates, and a copy each
 * (with a copy of its groups) was garbage at once. Frozen, so that no caller can change it for the next.
 */
const answers = new WeakMap<Identity, Answer>();

function answerOf(identity: Identity): Answer {
	let answer = answers.get(identity);
	if (!answer) answers.set(identity, (answer = Object.freeze({user: identity.user, groups: Object.freeze([...identity.groups]) as string[], admin: identity.admin})));
	return answer;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenRegistry(options?: {adminToken?: string; issuer?: string}): TokenRegistry {
	const issuer = options?.issuer ?? 'https://kubernetes.default.svc.cluster.local';
	const adminToken = options?.adminToken ?? `admin-${randomBytes(24).toString('hex')}`;
	const tokens = new Map<string, Identity>();
	tokens.set(adminToken, {user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], admin: true, expires: Infinity});
	return {
		adminToken,
		issue(namespace, serviceAccount, seconds) {
			const now = Math.floor(Date.now() / 1000);
			const lifetime = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 3600;
			const exp = now + lifetime;
			const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
			const token = [
				base64url({alg: 'RS256', kid: 'sim'}),
				base64url({
					aud: ['https://kubernetes.default.svc.cluster.local'], exp, iat: now, nbf: now, iss: issuer, sub: user,
					'kubernetes.io': {namespace, serviceaccount: {name: serviceAccount}},
				}),
				randomBytes(32).toString('base64url'),
			].join('.');
			tokens.set(token, {
				user,
				groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
				admin: false,
				expires: exp * 1000,
			});
			return {token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z')};
		},
		authenticate(token) {
			const identity = tokens.get(token);
			if (!identity) return null;
			if (identity.expires <= Date.now()) {
				tokens.delete(token);
				return null;
			}
			return answerOf(identity);
		},
	};
}
