// Whether a leaf was issued by a CA, judged from their DER (der-certificate.ts) with one signature
// check, where that can be judged as surely as OpenSSL's X509_check_issued + X509_verify would: the
// usual case of a fleet's tunnel certificates. Everything else is left to OpenSSL (certificate-facts.ts).

import type {KeyObject, X509Certificate} from 'node:crypto';
import type {DerCertificate} from './der-certificate.js';

/** Signature algorithms by OID: the digest, and the issuer key type OpenSSL's check_sig_alg_match accepts. */
const signatureAlgorithms: Record<string, {digest: string | null; keyType: string}> = {
	'1.2.840.10045.4.3.2': {digest: 'sha256', keyType: 'ec'},
	'1.2.840.10045.4.3.3': {digest: 'sha384', keyType: 'ec'},
	'1.2.840.10045.4.3.4': {digest: 'sha512', keyType: 'ec'},
	'1.2.840.113549.1.1.11': {digest: 'sha256', keyType: 'rsa'},
	'1.2.840.113549.1.1.12': {digest: 'sha384', keyType: 'rsa'},
	'1.2.840.113549.1.1.13': {digest: 'sha512', keyType: 'rsa'},
	'1.3.101.112': {digest: null, keyType: 'ed25519'},
};

/** keyUsage keyCertSign (bit 5). */
const keyCertSign = 0x0400;

export type Issuer = {x509: X509Certificate; publicKey: KeyObject; der?: DerCertificate};

/**
 * true when `leaf` was certainly issued and signed by `ca` as OpenSSL's checkIssued + verify would
 * find: the issuer Name the same bytes as the CA's subject, the key identifiers agreeing, the CA's key
 * usage allowing certificate signing, and the signature valid under the CA's key. undefined for
 * anything else (a mismatch, a name encoded differently, an algorithm not listed): OpenSSL decides then.
 */
export function surelyIssued(leaf: DerCertificate, ca: Issuer, verify: (digest: string | null, data: Buffer, key: KeyObject, signature: Buffer) => boolean): true | undefined {
	const authority = ca.der;
	if (!authority || leaf.proxy || !leaf.issuer.equals(authority.subject) || !leaf.innerAlgorithm.equals(leaf.outerAlgorithm)) return undefined;
	const akid = leaf.authorityKeyId;
	if (akid && (akid.otherFields || (akid.keyId && authority.subjectKeyId && !akid.keyId.equals(authority.subjectKeyId)))) return undefined;
	if (authority.keyUsage !== undefined && !(authority.keyUsage & keyCertSign)) return undefined;
	const algorithm = signatureAlgorithms[leaf.algorithm];
	const key = ca.publicKey;
	if (!algorithm || key.asymmetricKeyType !== algorithm.keyType) return undefined;
	try {
		return verify(algorithm.digest, leaf.tbs, key, leaf.signature) ? true : undefined;
	} catch {
		return undefined;
	}
}
