import type {X509Certificate} from 'node:crypto';
import {derOfPem, readDerCertificate, type DerCertificate} from './der-certificate.js';
import {surelyIssued, type Issuer} from './der-chain.js';
import {nodeCrypto} from './lazy-crypto.js';

// What the fleet needs from a certificate, parsed once per distinct certificate. Parsing one costs
// about a millisecond of CPU, and the fleet model judges a row's certificates again each time the row
// is rebuilt: several times per cluster while a fleet loads, and every managed row whenever its
// management cluster's CA is read again, with 1,000 managed clusters trusting the same CA copy. A
// profile of a 1,001-cluster start spent 3 of the console's 22 CPU-seconds parsing the same certificates
// over and over. Derived facts (dates, fingerprints, names) and chain verdicts are kept; parsed objects
// only for the CAs, and for a leaf until its first chain check. A few hundred bytes per certificate, bounded.
//
// A certificate of the usual shape is read from its DER (der-certificate.ts: ~10 µs instead of ~150 µs
// for OpenSSL's decoding, once per managed cluster of a loading fleet), and its chain checked with one
// signature verification against the CA's key; whatever that reader does not vouch for (another
// shape, a chain it cannot confirm) goes to OpenSSL as before, so the answers are OpenSSL's.

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
const parsed = new Map<string, X509Certificate | DerCertificate>();
/** CAs: few, and each checks the leaves of many clusters. */
const issuers = new Map<string, Issuer>();

// node:crypto is loaded when the first certificate is parsed (lazy-crypto.ts).
const x509Of = (input: string | Buffer): X509Certificate => new (nodeCrypto().X509Certificate)(input);

function remember<K, V>(map: Map<K, V>, key: K, value: V, max = limit): V {
	// Oldest first out: a fleet larger than the limit still works, it just parses again.
	if (map.size >= max) map.delete(map.keys().next().value as K);
	map.set(key, value);
	return value;
}

/** The DER reader's view of a PEM text or a DER/PEM buffer; undefined when OpenSSL must read it. */
function derOf(input: string | Buffer): DerCertificate | undefined {
	const pem = typeof input === 'string' ? input : input[0] === 0x30 ? undefined : input.toString('latin1');
	const der = pem === undefined ? (input as Buffer) : derOfPem(pem);
	return der ? readDerCertificate(der) : undefined;
}

function parse(key: string, input: string | Buffer): CertificateFacts {
	const der = derOf(input);
	if (der) {
		remember(parsed, key, der, parsedLimit);
		const sha256 = sha256Hex(der.der);
		return {notAfter: der.notAfter, sha256, ...(der.commonName ? {commonName: der.commonName} : {})};
	}
	const x509 = x509Of(input);
	remember(parsed, key, x509, parsedLimit);
	const commonName = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
	return {notAfter: Date.parse(x509.validTo), sha256: x509.fingerprint256.replaceAll(':', '').toLowerCase(), ...(commonName ? {commonName} : {})};
}

/** crypto.hash (Node >= 20.12) skips the Hash object; older Nodes make one. A string is hashed as its UTF-8. */
function sha256Hex(data: Buffer | string): string {
	const crypto = nodeCrypto() as typeof import('node:crypto') & {hash?: (algorithm: string, data: Buffer | string, encoding: 'hex') => string};
	return crypto.hash ? crypto.hash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

const isX509 = (value: X509Certificate | DerCertificate | undefined): value is X509Certificate => value !== undefined && !('tbs' in value);

/**
 * The facts of one certificate (PEM text, or what `decode` makes of `key` when given: e.g. a Secret's
 * base64 value); throws the parser's error, the same for the same input every time.
 */
export function certificateFacts(key: string, decode?: (key: string) => string | Buffer): CertificateFacts {
	let known = facts.get(key);
	if (known === undefined) {
		const textKey = keepingFacts ? sha256Hex(key) : undefined;
		const before = textKey === undefined ? undefined : factsBefore.get(textKey);
		try {
			const found = before ?? parse(key, decode ? decode(key) : key);
			if (textKey !== undefined && before === undefined && factsNew.size < limit) factsNew.set(textKey, found);
			known = remember(facts, key, found);
		} catch (error) {
			known = remember(facts, key, error instanceof Error ? error : new Error(String(error)));
		}
	}
	if (known instanceof Error) throw known;
	return known;
}

/**
 * Facts earlier runs found (cli/certificate-facts-file.ts), by the hex SHA-256 of the text they were
 * read from (certificateFacts's key: the PEM, or the Secret's base64 value). One hash of the text
 * instead of a parse: at 1,001 clusters the parses (base64, DER walk, fingerprint) were ~4 % of a
 * `status --json` that finds the same certificates every time. The SHA-256 stands for the text as
 * the fingerprint stands for the certificate. A certificate that did not parse is not kept: it is
 * parsed again, with its error.
 */
const factsBefore = new Map<string, CertificateFacts>();
const factsNew = new Map<string, CertificateFacts>();
let keepingFacts = false;

/** Hands over what earlier runs found; from now on every certificate parsed here is noted for factsFoundHere. */
export function rememberFacts(entries: Iterable<readonly [textSha256: string, facts: CertificateFacts]>): void {
	keepingFacts = true;
	for (const [key, value] of entries) if (factsBefore.size < limit) factsBefore.set(key, value);
}

/** The facts this process parsed since rememberFacts (with the SHA-256 of their text), that earlier runs had not found. */
export function factsFoundHere(): Array<[textSha256: string, facts: CertificateFacts]> {
	return [...factsNew];
}

function issuer(pem: string): Issuer {
	let known = issuers.get(pem);
	if (!known) {
		const kept = parsed.get(pem);
		const x509 = isX509(kept) ? kept : x509Of(pem);
		parsed.delete(pem);
		const der = kept && !isX509(kept) ? kept : derOf(pem);
		known = remember(issuers, pem, {x509, publicKey: x509.publicKey, ...(der ? {der} : {})}, issuerLimit);
	}
	return known;
}

const verifySignature = (digest: string | null, data: Buffer, key: Issuer['publicKey'], signature: Buffer): boolean => nodeCrypto().verify(digest, data, key, signature);

/**
 * Chains a previous run verified (`leaf sha256/CA sha256`, cli/chain-verdict-file.ts), and those this
 * process verified that were not among them. A verdict depends on the two certificates alone (the
 * issuer's name and the signature over the leaf, no clock), and the key is both their SHA-256s: a
 * chain read back is the same pair of certificates. Only chains that held are kept: a failed check is
 * made again.
 */
const trustedChains = new Set<string>();
const newChains = new Set<string>();

/** What a previous run verified (see trustedChains); keys of another shape are passed over. */
export function trustChains(keys: Iterable<string>): void {
	for (const key of keys) if (chainKey.test(key)) trustedChains.add(key);
}

/** The chains this process verified that were not handed to trustChains. */
export function chainsVerifiedHere(): string[] {
	return [...newChains];
}

const chainKey = /^[0-9a-f]{64}\/[0-9a-f]{64}$/;

/** Whether the certificate `leafPem` was issued and signed by `caPem` (both must parse). */
export function issuedBy(leafPem: string, caPem: string): boolean {
	const key = `${certificateFacts(leafPem).sha256}/${certificateFacts(caPem).sha256}`;
	const known = chains.get(key);
	if (known !== undefined) return known;
	if (trustedChains.has(key)) {
		parsed.delete(leafPem);
		return remember(chains, key, true);
	}
	const verdict = verifyChain(leafPem, caPem, key);
	if (verdict && newChains.size < limit) newChains.add(key);
	return verdict;
}

function verifyChain(leafPem: string, caPem: string, key: string): boolean {
	const ca = issuer(caPem);
	const kept = parsed.get(leafPem) ?? derOf(leafPem);
	parsed.delete(leafPem);
	if (kept && !isX509(kept) && surelyIssued(kept, ca, verifySignature)) return remember(chains, key, true);
	const leaf = isX509(kept) ? kept : x509Of(leafPem);
	return remember(chains, key, leaf.checkIssued(ca.x509) && leaf.verify(ca.publicKey));
}
