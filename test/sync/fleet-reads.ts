import {generateKeyPairSync} from 'node:crypto';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';

// A fleet's reads without a network: clients that answer GETs from a table, and a tunnel CA with the
// leaves it signs (start-reads.test.ts, list-management-ca.test.ts).

const day = 24 * 60 * 60 * 1000;
export const b64 = (text: string) => Buffer.from(text).toString('base64');

export function tunnelCa() {
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const subject = distinguishedName('tigera-voltron', 'Tigera');
	const pem = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca',
		notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 400 * day)});
	const leaf = (name: string) => issueCertificate({subject: distinguishedName(name, 'Tigera'), issuer: subject,
		publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client',
		notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 90 * day)});
	return {pem, leaf};
}

/** Clients that answer GETs from a table of paths (404 otherwise) and record every path asked. */
export function recordingClients(answers: Record<string, Record<string, unknown>>) {
	const asked: Array<{context: string; path: string}> = [];
	const clients = new Map<string, ClusterClient>();
	for (const context of Object.keys(answers)) {
		const request = async (options: RequestOptions) => {
			asked.push({context, path: options.path});
			const body = answers[context]![options.path];
			if (body === undefined) throw new KubeError({kind: 'not-found', status: 404, message: `${options.path} not found`, context});
			return body;
		};
		clients.set(context, {context, request} as unknown as ClusterClient);
	}
	return {clients, asked};
}
