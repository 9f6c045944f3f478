import type {ClusterClient} from '../kube/client.js';
import {isKubeError} from '../kube/errors.js';
import {pathOf, resources} from './resources.js';
import {managedSecret, managementCaKeys, managementCaSecret, managedCertKey, managementCaCopyKey, type SecretRead, type TunnelCertFacts} from './tunnel-cert.js';

// Reads the tunnel's certificates from a cluster: one GET of one named Secret (the narrowest request
// the API allows: no list, no watch, no other secret). A Secret's GET returns all of its data, keys
// included, so only the certificate keys asked for are decoded; the response object is dropped before
// this returns and nothing else of it (managed-cluster.key, tls.key) is kept, logged or shown.

const secretPath = (namespace: string, name: string) => pathOf(resources.secrets, name, namespace);

/** Picks the wanted keys' PEM text out of a Secret's data; everything else is never decoded. */
export function certificatesOf(data: unknown, keys: readonly string[], firstOnly: boolean): Record<string, string> {
	const out: Record<string, string> = {};
	if (!data || typeof data !== 'object') return out;
	for (const key of keys) {
		const value = (data as Record<string, unknown>)[key];
		if (typeof value !== 'string' || value === '') continue;
		out[key] = decoded(key, value);
		if (firstOnly) break;
	}
	return out;
}

/** The GET readCertificateSecret makes, asked ahead of its turn (list-once.ts asks it with a cluster's lists). */
export function askCertificateSecret(client: ClusterClient, namespace: string, name: string, onCut?: (cut: () => void) => void): Promise<{data?: unknown}> {
	const answer = client.request<{data?: unknown}>({path: secretPath(namespace, name), onCut});
	// Read in its turn, or dropped (the cluster turned out not to be managed): never an unhandled rejection.
	answer.catch(() => {});
	return answer;
}

/** `answer`: the same GET, asked ahead (askCertificateSecret), taken instead of asking again. */
export async function readCertificateSecret(client: ClusterClient, namespace: string, name: string, keys: readonly string[], options: {firstOnly?: boolean; signal?: AbortSignal; onCut?: (cut: () => void) => void; answer?: Promise<{data?: unknown}>} = {}): Promise<SecretRead> {
	const secret = `${namespace}/${name}`;
	try {
		let response: {data?: unknown} | undefined = await (options.answer ?? client.request<{data?: unknown}>({path: secretPath(namespace, name), signal: options.signal, onCut: options.onCut}));
		const certificates = certificatesOf(response?.data, keys, options.firstOnly ?? false);
		response = undefined; // the private key goes with it
		if (Object.keys(certificates).length === 0) {
			return {state: 'invalid', secret, message: `Secret ${secret} has none of ${keys.join(', ')}`};
		}
		return {state: 'ok', secret, certificates};
	} catch (error) {
		if (isKubeError(error, 'not-found')) return {state: 'missing', secret, message: `Secret ${secret} not found`};
		if (isKubeError(error, 'forbidden')) {
			const verb = error.verb ?? 'get';
			const resource = error.resource ?? 'secrets';
			return {state: 'forbidden', secret, verb, resource, message: `forbidden to ${verb} ${resource} ${secret}: grant "get" on secrets named ${name} in ${namespace}`};
		}
		return {state: 'error', secret, message: error instanceof Error ? error.message : String(error)};
	}
}

/** What to read on one cluster, by its role. */
export type CertReadPlan = {managed: boolean; management: boolean; managementSecretName?: string};

export async function readTunnelCertFacts(client: ClusterClient, plan: CertReadPlan, now: () => number, signal?: AbortSignal): Promise<TunnelCertFacts> {
	const facts: TunnelCertFacts = {readAt: now()};
	if (plan.managed) facts.managedSide = await readCertificateSecret(client, managedSecret.namespace, managedSecret.name, [managedCertKey, managementCaCopyKey], {signal});
	if (plan.management) {
		facts.managementCa = await readCertificateSecret(client, managementCaSecret.namespace, plan.managementSecretName ?? managementCaSecret.name, managementCaKeys, {firstOnly: true, signal});
	}
	facts.readAt = now();
	return facts;
}

/**
 * The last text decoded under each key, with the base64 it came from: every managed cluster's Secret
 * carries the same copy of the management CA, and a fleet's 1,000 reads then keep one string, not
 * 1,000 equal ones (~0.6 MB). Certificate keys only (public data), one entry per key.
 */
const lastDecoded = new Map<string, {base64: string; text: string}>();

function decoded(key: string, base64: string): string {
	const last = lastDecoded.get(key);
	if (last?.base64 === base64) return last.text;
	const text = Buffer.from(base64, 'base64').toString('utf8');
	lastDecoded.set(key, {base64, text});
	return text;
}
