// The checklist shown before a plan changes anything: every permission it needs (by
// SelfSubjectAccessReview), every input file readable and valid, the address well formed, and each
// cluster's role compatible with the plan. Each item says what is wrong and how to fix it.

import fs from 'node:fs/promises';
import net from 'node:net';
import yaml from 'js-yaml';
import PQueue from 'p-queue';
import type {ClusterClient} from '../kube/client.js';
import {isKubeError, kubeErrorHint} from '../kube/errors.js';
import {describeFsError} from '../kube/manifests.js';
import {dns1123SubdomainError} from '../kube/object-identity.js';
import {getObject} from '../kube/apply.js';
import type {Plan, PreflightItem, StepContext} from './step.js';
import type {ClusterRole} from './types.js';
import {pathOf, resources} from './resources.js';
import {describeError} from './runner.js';

export type AccessNeed = {
	verb: string;
	/** '' or undefined for the core group. */
	group?: string;
	resource: string;
	subresource?: string;
	namespace?: string;
	name?: string;
};

export function describeNeed(need: AccessNeed): string {
	const resource = `${need.resource}${need.subresource ? `/${need.subresource}` : ''}${need.group ? `.${need.group}` : ''}`;
	return `${need.verb} ${resource}${need.namespace ? ` in namespace ${need.namespace}` : ''}`;
}

type AccessReview = {status?: {allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string}};

/** One SelfSubjectAccessReview per need (in parallel); one item naming every verb/resource refused. */
export async function checkAccess(client: ClusterClient, needs: readonly AccessNeed[], signal?: AbortSignal): Promise<PreflightItem> {
	const label = `permissions on ${client.context}`;
	const unique = [...new Map(needs.map(n => [describeNeed(n), n])).values()];
	try {
		// A few at a time: a plan can need dozens, and the API server owes us no burst.
		const queue = new PQueue({concurrency: 4});
		const answers = await Promise.all(unique.map(need => queue.add(() =>
				client.request<AccessReview>({
					method: 'POST',
					path: pathOf(resources.selfSubjectAccessReviews),
					body: {
						apiVersion: 'authorization.k8s.io/v1',
						kind: 'SelfSubjectAccessReview',
						spec: {resourceAttributes: {verb: need.verb, group: need.group ?? '', resource: need.resource, subresource: need.subresource, namespace: need.namespace, name: need.name}},
					},
					signal,
				}),
		)));
		const denied = unique.filter((_n, i) => answers[i]?.status?.allowed !== true);
		if (denied.length === 0) return {label, ok: true, message: `allowed: ${unique.length} verb/resource checks`};
		return {
			label,
			ok: false,
			message: `context ${client.context} cannot ${denied.map(n => describeNeed(n)).join('; cannot ')}`,
			fix: `ask a cluster admin to grant these (check with \`kubectl --context ${client.context} auth can-i ${denied[0]!.verb} ${denied[0]!.resource}${denied[0]!.group ? `.${denied[0]!.group}` : ''}\`), or use a context that has them`,
		};
	} catch (error) {
		return {label, ok: false, message: `cannot check permissions: ${describeError(error)}`, fix: fixForConnection(client.context, error)};
	}
}

function fixForConnection(context: string, error: unknown): string {
	const hint = isKubeError(error) ? kubeErrorHint(error, context) : undefined;
	return hint ?? `check that the API server of ${context} is up and reachable (kubectl --context ${context} get --raw /readyz)`;
}

/** The cluster answers at all (GET /version). */
export async function checkReachable(client: ClusterClient, signal?: AbortSignal): Promise<PreflightItem> {
	const label = `${client.context} reachable`;
	try {
		const version = await client.request<{gitVersion?: string}>({path: '/version', signal});
		return {label, ok: true, message: `Kubernetes ${version?.gitVersion ?? '(version unknown)'} at ${client.server}`};
	} catch (error) {
		return {label, ok: false, message: describeError(error), fix: fixForConnection(client.context, error)};
	}
}

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

/** Null when `address` is a well-formed host:port (DNS name, IPv4, or [IPv6]), else why not. */
export function validateAddress(address: string): string | null {
	const text = address.trim();
	if (text === '') return 'it is empty';
	if (/^[a-z]+:\/\//i.test(text)) return 'it must not have a scheme (write host:port, without https://)';
	if (/[/\s]/.test(text)) return 'it must be host:port, with no path or spaces';
	let host: string;
	let port: string;
	if (text.startsWith('[')) {
		const match = /^\[([^\]]+)\]:(.*)$/.exec(text);
		if (!match) return 'an IPv6 address must be written [address]:port, e.g. [::1]:30449';
		host = match[1]!;
		port = match[2]!;
		if (!net.isIPv6(host)) return `"${host}" is not an IPv6 address`;
	} else {
		const colon = text.lastIndexOf(':');
		if (colon === -1) return 'it has no port (write host:port, e.g. 10.0.0.10:30449)';
		host = text.slice(0, colon);
		port = text.slice(colon + 1);
		if (host.includes(':')) return 'an IPv6 address must be in brackets: [address]:port';
		if (host === '') return 'the host is missing';
		if (/^[\d.]+$/.test(host)) {
			if (!net.isIPv4(host)) return `"${host}" is not a valid IPv4 address`;
		} else if (!hostnamePattern.test(host)) return `"${host}" is not a valid DNS name`;
	}
	if (!/^\d+$/.test(port)) return `the port "${port}" is not a number`;
	const n = Number(port);
	if (n < 1 || n > 65535) return `the port ${n} is out of range (1-65535)`;
	return null;
}

export function checkAddress(address: string, label = 'management cluster address'): PreflightItem {
	const why = validateAddress(address);
	if (why) return {label, ok: false, message: `"${address}": ${why}`, fix: 'pass --address HOST:PORT, e.g. --address mgmt.example.com:30449 or --address 10.0.0.10:30449'};
	return {label, ok: true, message: address};
}

export function checkName(name: string, label = 'managed cluster name'): PreflightItem {
	const why = dns1123SubdomainError(name);
	if (why) return {label, ok: false, message: `"${name}" ${why}`, fix: 'choose a name of lower-case letters, digits and "-", e.g. prod-eu-1'};
	return {label, ok: true, message: name};
}

/** A file the user named: unreadable, refused by `validate` (with the fix), or fine (with what it is). */
async function checkInputFile(file: string, input: {label: string; validate: (text: string) => string | null; fix: string; okAs: string}): Promise<PreflightItem> {
	const {label} = input;
	let text: string;
	try {
		text = await fs.readFile(file, 'utf8');
	} catch (error) {
		return {label, ok: false, message: `${file}: cannot read: ${describeFsError(error)}`, fix: `check the path given for the ${label}`};
	}
	const why = input.validate(text);
	if (why) return {label, ok: false, message: `${file}: ${why}`, fix: input.fix};
	return {label, ok: true, message: `${file}: ${input.okAs}`};
}

/** The pull secret must be a dockerconfigjson: a JSON object with a non-empty `auths` map. */
export function validatePullSecret(text: string): string | null {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		return `not JSON (${(error as Error).message})`;
	}
	const auths = (parsed as {auths?: unknown} | null)?.auths;
	if (!auths || typeof auths !== 'object' || Array.isArray(auths)) return 'not a dockerconfigjson: it has no "auths" object';
	const registries = Object.entries(auths as Record<string, unknown>);
	if (registries.length === 0) return 'not a dockerconfigjson: "auths" is empty';
	for (const [registry, entry] of registries) {
		const e = entry as {auth?: unknown; username?: unknown; password?: unknown} | null;
		if (!e || typeof e !== 'object') return `auths["${registry}"] is not an object`;
		if (typeof e.auth !== 'string' && !(typeof e.username === 'string' && typeof e.password === 'string')) {
			return `auths["${registry}"] has neither "auth" nor "username" and "password"`;
		}
	}
	return null;
}

export function checkPullSecretFile(file: string): Promise<PreflightItem> {
	const fix = 'pass --pull-secret with the dockerconfigjson file Tigera sent you (it starts with {"auths": ...})';
	return checkInputFile(file, {label: 'pull secret', validate: validatePullSecret, fix, okAs: 'a valid dockerconfigjson'});
}

/** The license must parse as one LicenseKey with a token and a certificate. */
export function validateLicense(text: string): string | null {
	let docs: unknown[];
	try {
		docs = yaml.loadAll(text).filter(d => d !== null && d !== undefined);
	} catch (error) {
		const e = error as yaml.YAMLException;
		return `not YAML (line ${(e.mark?.line ?? 0) + 1}: ${e.reason ?? e.message})`;
	}
	if (docs.length !== 1) return `expected one LicenseKey document, found ${docs.length}`;
	const doc = docs[0] as {apiVersion?: unknown; kind?: unknown; metadata?: {name?: unknown}; spec?: {token?: unknown; certificate?: unknown}};
	if (doc?.kind !== 'LicenseKey') return `expected kind LicenseKey, found ${JSON.stringify(doc?.kind ?? null)}`;
	if (doc.apiVersion !== 'projectcalico.org/v3' && doc.apiVersion !== 'crd.projectcalico.org/v1') return `unexpected apiVersion ${JSON.stringify(doc.apiVersion ?? null)} (expected projectcalico.org/v3)`;
	if (typeof doc.metadata?.name !== 'string') return 'metadata.name is missing';
	if (typeof doc.spec?.token !== 'string' || doc.spec.token === '') return 'spec.token is missing';
	if (typeof doc.spec?.certificate !== 'string' || doc.spec.certificate === '') return 'spec.certificate is missing';
	return null;
}

export function checkLicenseFile(file: string): Promise<PreflightItem> {
	return checkInputFile(file, {label: 'license', validate: validateLicense, fix: 'pass --license with the license.yaml Tigera sent you', okAs: 'a LicenseKey'});
}

/** What a plan needs to know about a cluster before it starts. */
export type ClusterFacts = {
	role: ClusterRole;
	/** Installation status.calicoVersion. */
	version?: string;
	managementAddress?: string;
	managementClusterAddr?: string;
	hasManager: boolean;
	hasLogStorage: boolean;
};

type Listed = {items?: Array<{metadata: {name: string}; spec?: Record<string, unknown>; status?: Record<string, unknown>}>};

async function list(client: ClusterClient, path: string, signal?: AbortSignal) {
	return (await getObject<Listed>(client, path, signal))?.items ?? [];
}

/** Role and version of a cluster from its operator resources (as source/mcm/role.ts decides it). */
export async function probeCluster(client: ClusterClient, signal?: AbortSignal): Promise<ClusterFacts> {
	const [installations, mcs, mccs, manager, logStorage] = await Promise.all([
		list(client, pathOf(resources.installations), signal),
		list(client, pathOf(resources.managementClusters), signal),
		list(client, pathOf(resources.managementClusterConnections), signal),
		getObject(client, pathOf(resources.managers, 'tigera-secure'), signal),
		getObject(client, pathOf(resources.logStorages, 'tigera-secure'), signal),
	]);
	const installation = installations.find(i => i.metadata.name === 'default') ?? installations[0];
	const mc = mcs[0];
	const mcc = mccs[0];
	const role: ClusterRole = mc && mcc ? 'misconfigured' : mc ? 'management' : mcc ? 'managed' : installation ? 'standalone' : 'not-installed';
	const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
	return {
		role,
		version: str(installation?.status?.calicoVersion),
		managementAddress: str(mc?.spec?.address),
		managementClusterAddr: str(mcc?.spec?.managementClusterAddr),
		hasManager: manager !== undefined,
		hasLogStorage: logStorage !== undefined,
	};
}

const roleNames: Record<ClusterRole, string> = {
	unknown: 'of unknown role',
	'not-installed': 'has no Calico Enterprise',
	standalone: 'is a standalone cluster',
	management: 'is a management cluster',
	managed: 'is a managed cluster',
	misconfigured: 'is both management and managed (misconfigured)',
};

export function describeRole(role: ClusterRole): string {
	return roleNames[role];
}

/**
 * An item saying whether a cluster's role suits the plan. `fixes` gives, per refused role, what the
 * user should do (e.g. for a managed cluster asked to become management: "run unmanage first").
 */
export function roleItem(context: string, role: ClusterRole, allowed: readonly ClusterRole[], fixes: Partial<Record<ClusterRole, string>>): PreflightItem {
	const label = `${context} role`;
	if (allowed.includes(role)) return {label, ok: true, message: `${context} ${describeRole(role)}`};
	return {label, ok: false, message: `${context} ${describeRole(role)}`, fix: fixes[role] ?? `this plan needs a cluster that ${allowed.map(describeRole).join(' or ')}`};
}

/** Run a plan's preflight; an exception becomes a failed item rather than an unexplained crash. */
export async function preflight(plan: Plan, ctx: StepContext): Promise<{ok: boolean; items: PreflightItem[]}> {
	let items: PreflightItem[];
	try {
		items = await plan.preflight(ctx);
	} catch (error) {
		items = [{label: 'preflight', ok: false, message: describeError(error), fix: 'fix the problem named, then run again'}];
	}
	return {ok: items.every(i => i.ok), items};
}
