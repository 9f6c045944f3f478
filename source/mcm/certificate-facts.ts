import type {KeyObject, X509Certificate} from 'node:crypto';
import {nodeCrypto} from './lazy-crypto.js';

// What the fleet needs from a certificate, parsed once per distinct certificate. Parsing one costs
// about a millisecond of CPU, and the fleet model judges a row's certificates again each time the row
// is rebuilt: several times per cluster while a fleet loads, and every managed row whenever its
// management cluster's CA is read again, with 1,000 managed clusters trusting the same CA copy. A
// profile of a 1,001-cluster start spent 3 of the console's 22 CPU-seconds parsing the same certificates
// over and over. Derived facts (dates, fingerprints, names) and chain verdicts are kept; parsed objects
// only for the CAs, and for a leaf until its first chain check. A few hundred bytes per certificate, bounded.

export type CertificateFacts = {
	/** Epoch ms of notAfter. */
	notAfter: number;
	/** Hex SHA-256 of the DER (lowercase, no colons): the Calico Enterprise fingerprint annotation's form. */
	sha256: string;
	/** The subject's CN, when it has one. */
	commonName?: string;
};

/** Distinct certificates remembered (a fleet has about one per cluster, plus its CAs). */
const limit = 20_000;
/** Parsed certificates kept for a chain check still to come (a leaf's first), and issuers kept parsed. */
const parsedLimit = 4096;
const issuerLimit = 256;

const facts = new Map<string, CertificateFacts | Error>();
const chains = new Map<string, boolean>();
/** A certificate parsed for its facts, kept until its first chain check (then dropped: one parse per leaf). */
const parsed = new Map<string, X509Certificate>();
/** CAs: few, and each checks the leaves of many clusters. */
const issuers = new Map<string, {x509: X509Certificate; publicKey: KeyObject}>();

// node:crypto is loaded when the first certificate is parsed (lazy-crypto.ts).
const x509Of = (input: string | Buffer): X509Certificate => new (nodeCrypto().X509Certificate)(input);

function remember<K, V>(map: Map<K, V>, key: K, value: V, max = limit): V {
	// Oldest first out: a fleet larger than the limit still works, it just parses again.
	if (map.size >= max) map.delete(map.keys().next().value as K);
	map.set(key, value);
	return value;
}

function parse(key: string, input: string | Buffer): CertificateFacts {
	const x509 = x509Of(input);
	remember(parsed, key, x509, parsedLimit);
	const commonName = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
	return {notAfter: Date.parse(x509.validTo), sha256: x509.fingerprint256.replaceAll(':', '').toLowerCase(), ...(commonName ? {commonName} : {})};
}

/**
 * The facts of one certificate (PEM text, or what `decode` makes of `key` when given: e.g. a Secret's
 * base64 value); throws the parser's error, the same for the same input every time.
 */
export function certificateFacts(key: string, decode?: (key: string) => string | Buffer): CertificateFacts {
	let known = facts.get(key);
	if (known === undefined) {
		try {
			known = remember(facts, key, parse(key, decode ? decode(key) : key));
		} catch (error) {
			known = remember(facts, key, error instanceof Error ? error : new Error(String(error)));
		}
	}
	if (known instanceof Error) throw known;
	return known;
}

function issuer(pem: string): {x509: X509Certificate; publicKey: KeyObject} {
	let known = issuers.get(pem);
	if (!known) {
		const x509 = parsed.get(pem) ?? x509Of(pem);
		parsed.delete(pem);
		known = remember(issuers, pem, {x509, publicKey: x509.publicKey}, issuerLimit);
	}
	return known;
}

/** Whether the certificate `leafPem` was issued and signed by `caPem` (both must parse). */
export function issuedBy(leafPem: string, caPem: string): boolean {
	const key = `${certificateFacts(leafPem).sha256}/${certificateFacts(caPem).sha256}`;
	const known = chains.get(key);
	if (known !== undefined) return known;
	const ca = issuer(caPem);
	const leaf = parsed.get(leafPem) ?? x509Of(leafPem);
	parsed.delete(leafPem);
	return remember(chains, key, leaf.checkIssued(ca.x509) && leaf.verify(ca.publicKey));
}
