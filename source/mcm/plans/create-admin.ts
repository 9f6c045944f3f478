// Plan: an admin user for the Manager UI (the how-to's "Create an admin user"): a service account,
// its binding to tigera-network-admin, and a login token from the TokenRequest API. The how-to reads
// the token from the service account's token secret, which Kubernetes >= 1.24 no longer creates.

import fs from 'node:fs';
import {getObject} from '../../kube/apply.js';
import type {AccessNeed} from '../preflight.js';
import {maskToken, registerSecret, writeSecretFile} from '../secrets.js';
import {StepError, type Plan, type PlanOutput, type PreflightItem} from '../step.js';
import {bindingPreflight} from './preflight-items.js';
import {clusterRoleBindingStep, createIfAbsent, kubectl, pathOf, resources, secretPath, sh, shownPath, writableDirItem, type PlanEnv} from './common.js';

export type CreateAdminOptions = {
	context: string;
	user?: string;
	namespace?: string;
	/** Where the login token is written (mode 0600). Default: <context>-<user>.token in the working directory. */
	tokenFile?: string;
	/** Show the token in the outputs instead of a masked form. */
	showToken?: boolean;
	/** Token lifetime in seconds. Default 24 h. */
	tokenSeconds?: number;
	role?: string;
};

type TokenRequest = {status?: {token?: string; expirationTimestamp?: string}};

/** Expiry (epoch ms) of a JWT, undefined for anything else. */
export function tokenExpiry(token: string): number | undefined {
	const part = token.split('.')[1];
	if (!part) return undefined;
	try {
		const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {exp?: unknown};
		return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
	} catch {
		return undefined;
	}
}

export function buildCreateAdminPlan(o: CreateAdminOptions, env: PlanEnv): Plan {
	const client = env.client(o.context);
	const user = o.user ?? 'mcm-user';
	const namespace = o.namespace ?? 'default';
	const role = o.role ?? 'tigera-network-admin';
	const seconds = o.tokenSeconds ?? 86_400;
	const tokenFile = secretPath(env, o.tokenFile, `${o.context}-${user}.token`);
	const shownFile = shownPath(env, tokenFile);
	const outputs: {token?: string; expires?: string} = {};

	const readToken = (): string | undefined => {
		try {
			const text = fs.readFileSync(tokenFile, 'utf8').trim();
			registerSecret(text);
			return text || undefined;
		} catch {
			return undefined;
		}
	};

	return {
		id: 'create-admin',
		title: `Create the admin user ${namespace}/${user} on ${o.context}`,
		cluster: o.context,
		contexts: [o.context],
		confirm: `Create the service account ${namespace}/${user} on ${o.context}, bind it to ${role}, and write a login token to ${shownFile}?`,
		steps: [
			{
				id: 'service-account',
				title: `Create the service account ${namespace}/${user}`,
				kubectl: kubectl(o.context, 'create', 'serviceaccount', user, '-n', namespace),
				context: o.context,
				async check(ctx) {
					const sa = await getObject(client, pathOf(resources.serviceAccounts, user, namespace), ctx.signal);
					return sa ? {done: true, detail: 'present'} : 'todo';
				},
				async run(ctx) {
					await createIfAbsent(client, resources.serviceAccounts, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: user, namespace}}, ctx.signal);
				},
				async preview() {
					return {objects: [{apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: user, namespace}}]};
				},
			},
			clusterRoleBindingStep({id: 'cluster-role-binding', context: o.context, client, user, namespace, role}),
			{
				id: 'token',
				title: `Create a login token (TokenRequest, ${Math.round(seconds / 3600)}h) into ${shownFile}`,
				kubectl: `(umask 077; ${kubectl(o.context, 'create', 'token', user, '-n', namespace, `--duration=${Math.round(seconds / 3600)}h`)} > ${sh(shownFile)})`,
				context: o.context,
				async check() {
					const token = readToken();
					if (!token) return 'todo';
					const expiry = tokenExpiry(token);
					if (expiry !== undefined && expiry < Date.now() + 5 * 60_000) return {done: false, detail: `the token in ${shownFile} has expired: requesting a new one`};
					// An existing file is made 0600 even when its token is reused.
					fs.chmodSync(tokenFile, 0o600);
					outputs.token = token;
					if (expiry !== undefined) outputs.expires = new Date(expiry).toISOString();
					return {done: true, detail: `${shownFile} holds a token${expiry === undefined ? '' : ` valid until ${new Date(expiry).toISOString()}`}`};
				},
				async run(ctx) {
					const answer = await client.request<TokenRequest>({
						method: 'POST',
						path: `${pathOf(resources.serviceAccounts, user, namespace)}/token`,
						body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: seconds}},
						signal: ctx.signal,
					});
					const token = answer?.status?.token;
					if (!token) throw new StepError(`the TokenRequest for ${namespace}/${user} on ${o.context} returned no token`, 'check that the API server serves serviceaccounts/token (Kubernetes >= 1.22)');
					registerSecret(token);
					writeSecretFile(tokenFile, `${token}\n`);
					outputs.token = token;
					outputs.expires = answer.status?.expirationTimestamp;
					return `written to ${shownFile} (0600)${outputs.expires ? `, valid until ${outputs.expires}` : ''}`;
				},
				async preview() {
					return {note: `requests a token for ${namespace}/${user} valid ${Math.round(seconds / 3600)}h and writes it to ${shownFile} (mode 0600); the token is not shown${o.showToken ? ' (except with --show-token)' : ''}`};
				},
			},
		],
		async preflight(ctx) {
			const items: PreflightItem[] = [writableDirItem(tokenFile, 'token file')];
			const serviceAccount: AccessNeed[] = [
				{verb: 'create', resource: 'serviceaccounts', namespace},
				{verb: 'get', resource: 'serviceaccounts', namespace},
				{verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace},
			];
			items.push(...(await bindingPreflight(client, o.context, role, ctx.signal, serviceAccount)));
			return items;
		},
		outputs(): PlanOutput[] {
			const list: PlanOutput[] = [{label: 'login token file', value: shownFile}];
			if (outputs.token) list.push({label: 'login token', value: o.showToken ? outputs.token : maskToken(outputs.token), secret: o.showToken === true});
			if (outputs.expires) list.push({label: 'token expires', value: outputs.expires});
			return list;
		},
	};
}
