import {X509Certificate} from 'node:crypto';

// What the fleet needs from a certificate, parsed once per distinct certificate. Parsing one costs
// about a millisecond of CPU, and the fleet model judges a row's certificates again each time the row
// is rebuilt: several times per cluster while a fleet loads, and every managed row whenever its
// management cluster's CA is read again, with 1,000 managed clusters trusting the same CA copy. A
// profile of a 1,001-cluster start spent 3 of the console's 22 CPU-seconds parsing the same certificates
// over and over. Only derived facts (dates, fingerprints, names) and verdicts are kept, never the
// parsed objects: the cache costs a few hundred bytes per certificate, and is bounded.

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

const facts = new Map<string, CertificateFacts | Error>();
const chains = new Map<string, boolean>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
	// Oldest first out: a fleet larger than the limit still works, it just parses again.
	if (map.size >= limit) map.delete(map.keys().next().value as string);
	map.set(key, value);
	return value;
}

function parse(input: string | Buffer): CertificateFacts {
	const x509 = new X509Certificate(input);
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
			known = remember(facts, key, parse(decode ? decode(key) : key));
		} catch (error) {
			known = remember(facts, key, error instanceof Error ? error : new Error(String(error)));
		}
	}
	if (known instanceof Error) throw known;
	return known;
}

/** Whether the certificate `leafPem` was issued and signed by `caPem` (both parse; else false). */
export function issuedBy(leafPem: string, caPem: string): boolean {
	const key = `${certificateFacts(leafPem).sha256}/${certificateFacts(caPem).sha256}`;
	const known = chains.get(key);
	if (known !== undefined) return known;
	const leaf = new X509Certificate(leafPem);
	const ca = new X509Certificate(caPem);
	return remember(chains, key, leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}
