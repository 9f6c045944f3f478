// The TLS side of a context: the CA, client certificate and key its kubeconfig names (inline or as
// files), and one shared SecureContext per distinct set of them.

import {createHash} from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import {KubeError} from './errors.js';
import type {ContextEntry} from './kubeconfig.js';

export type TlsMaterial = {ca?: Buffer; cert?: Buffer; key?: Buffer};

/**
 * Decoded *-data, one copy per distinct value, each in a buffer of its own. Every client keeps its
 * material (for the connections it may still open), and Buffer.from(base64) makes a slice of Node's
 * shared 8 KB pool: at 1,001 clusters ~500 pool blocks (4 MB of native memory) stayed alive for a
 * few hundred bytes each, for the same CA decoded a thousand times. A kubeconfig holds few distinct
 * values; the bound only guards a long session re-reading kubeconfigs that keep changing.
 */
const decoded = new Map<string, Buffer>();
const decodedMax = 10_000;
function decodeBase64(data: string): Buffer {
	let buffer = decoded.get(data);
	if (buffer) return buffer;
	const scratch = Buffer.from(data, 'base64');
	buffer = Buffer.allocUnsafeSlow(scratch.length);
	scratch.copy(buffer);
	if (decoded.size >= decodedMax) decoded.clear();
	decoded.set(data, buffer);
	return buffer;
}

/** Reads what the context's cluster and user name; throws a 'config' KubeError naming an unreadable file. */
export function readTlsMaterial(entry: ContextEntry): TlsMaterial {
	const {cluster, user} = entry;
	const read = (file: string, what: string) => {
		try {
			return fs.readFileSync(file);
		} catch (error) {
			throw new KubeError({
				kind: 'config',
				message: `cannot read the ${what} ${file} named by ${what === 'certificate authority' ? `cluster "${cluster.name}"` : `user "${user.name}"`} in ${cluster.file}: ${(error as Error).message}`,
				context: entry.info.name,
			});
		}
	};
	const material: TlsMaterial = {};
	if (cluster.certificateAuthorityData) material.ca = decodeBase64(cluster.certificateAuthorityData);
	else if (cluster.certificateAuthority) material.ca = read(cluster.certificateAuthority, 'certificate authority');
	if (user.clientCertificateData) material.cert = decodeBase64(user.clientCertificateData);
	else if (user.clientCertificate) material.cert = read(user.clientCertificate, 'client certificate');
	if (user.clientKeyData) material.key = decodeBase64(user.clientKeyData);
	else if (user.clientKey) material.key = read(user.clientKey, 'client key');
	return material;
}

/**
 * Given `ca`/`cert`/`key`, an https.Agent builds a new SecureContext (parsing the CA and the default
 * root store) for every connection it opens: with a fleet of hundreds of clusters that is most of the
 * start-up CPU. Contexts are immutable, so one per distinct set of PEMs serves every client using it
 * (a fleet behind one CA shares one).
 */
const secureContexts = new Map<string, tls.SecureContext>();
const contextIds = new WeakMap<tls.SecureContext, string>();

/** A hash of the CA, certificate and key a shared context was made from (what a TLS session is bound to: tls-sessions.ts). */
export function secureContextId(context: tls.SecureContext): string | undefined {
	return contextIds.get(context);
}

/**
 * The same material buffers (decodeBase64 hands every client of a fleet the same ones) find their
 * context by identity, without hashing their bytes again: a sha256 of the CA, certificate and key per
 * client was ~0.1 ms of CPU each, 1,001 times at a fleet's start. Other buffers (files read again)
 * are matched by content, below. The material is never written to once read.
 */
const byIdentity = new WeakMap<object, WeakMap<object, WeakMap<object, tls.SecureContext>>>();
const absent = {};

export function sharedSecureContext(ca?: Buffer, cert?: Buffer, key?: Buffer): tls.SecureContext {
	let byCert = byIdentity.get(ca ?? absent);
	if (!byCert) byIdentity.set(ca ?? absent, (byCert = new WeakMap()));
	let byKey = byCert.get(cert ?? absent);
	if (!byKey) byCert.set(cert ?? absent, (byKey = new WeakMap()));
	const known = byKey.get(key ?? absent);
	if (known) return known;
	const context = secureContextOf(ca, cert, key);
	byKey.set(key ?? absent, context);
	return context;
}

function secureContextOf(ca?: Buffer, cert?: Buffer, key?: Buffer): tls.SecureContext {
	const hash = createHash('sha256');
	for (const part of [ca, cert, key]) hash.update(part ?? '').update('\0');
	const id = hash.digest('hex');
	let context = secureContexts.get(id);
	if (!context) {
		context = tls.createSecureContext({ca, cert, key});
		secureContexts.set(id, context);
		contextIds.set(context, id);
	}
	return context;
}
