// The tunnel's certificates, as Calico Enterprise issues them: the management cluster holds a tunnel
// CA (the voltron tunnel secret `tigera-operator/tigera-management-cluster-connection`, tls.crt +
// tls.key); each ManagedCluster gets a client certificate signed by that CA, handed over in its
// installation manifest (`management-cluster.crt` = the CA, `managed-cluster.crt` + `.key`). The
// ManagedCluster's `certs.tigera.io/active-fingerprint` annotation is the SHA-256 of the certificate.
// Real X.509 (EC P-256), so that the console's parser and chain check meet what real clusters hold.
import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject} from 'node:crypto';
import {ensureObject, getObject} from './operator-store.js';
import {distinguishedName, generateP256KeyPair, issueCertificate, issueCertificateDer} from './tls.js';
import type {KubeObject, ObjectStore} from './types.js';

export const tunnelCaSecretName = 'tigera-management-cluster-connection';
export const tunnelNamespace = 'tigera-operator';

const day = 24 * 60 * 60 * 1000;
/** The operator's default certificate lifetime (tigera/operator: 825 days). */
export const defaultManagedCertificateDays = 825;
const caDays = 3650;

export type TunnelCa = {certificate: string; key: KeyObject; publicKey: KeyObject; x509: X509Certificate};

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : undefined);

function caSubject(): Buffer {
	return distinguishedName('tigera-voltron', 'Tigera');
}

/** Parsed CAs by store, valid while the secret's resourceVersion is unchanged (the broker asks often). */
const caCache = new WeakMap<ObjectStore, {resourceVersion: string | undefined; ca: TunnelCa}>();

function cachedCa(store: ObjectStore, secret: KubeObject | undefined): TunnelCa | undefined {
	if (!secret) return undefined;
	const hit = caCache.get(store);
	if (hit && hit.resourceVersion !== undefined && hit.resourceVersion === secret.metadata.resourceVersion) return hit.ca;
	const ca = readCa(secret);
	if (ca) caCache.set(store, {resourceVersion: secret.metadata.resourceVersion, ca});
	return ca;
}

function readCa(secret: KubeObject | undefined): TunnelCa | undefined {
	const data = (secret?.data ?? {}) as Record<string, unknown>;
	const certificate = unb64(data['tls.crt']);
	const keyPem = unb64(data['tls.key']);
	if (!certificate || !keyPem) return undefined;
	try {
		const key = createPrivateKey(keyPem);
		return {certificate, key, publicKey: createPublicKey(key), x509: new X509Certificate(certificate)};
	} catch {
		return undefined;
	}
}

/** The management cluster's tunnel CA, created (as the operator does for a ManagementCluster) when missing. */
export function ensureTunnelCa(store: ObjectStore): TunnelCa | undefined {
	const existing = cachedCa(store, getObject(store, 'v1', 'Secret', tunnelNamespace, tunnelCaSecretName));
	if (existing) return existing;
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const certificate = caCertificate(keys.privateKey, keys.publicKey, new Date(Date.now() + caDays * day));
	const keyPem = keys.privateKey.export({type: 'pkcs8', format: 'pem'}) as string;
	const stored = ensureObject(store, {
		apiVersion: 'v1', kind: 'Secret',
		metadata: {name: tunnelCaSecretName, namespace: tunnelNamespace},
		type: 'kubernetes.io/tls',
		data: {'tls.crt': b64(certificate), 'tls.key': b64(keyPem)},
	});
	return cachedCa(store, stored);
}

function caCertificate(key: KeyObject, publicKey: KeyObject, notAfter: Date): string {
	return issueCertificate({subject: caSubject(), issuer: caSubject(), publicKey, signingKey: key, issuerPublicKey: publicKey, usage: 'ca', notAfter});
}

/** `cert-expire` on a management cluster: the same CA key, a new notAfter (existing certificates still chain). */
export function reissueTunnelCa(store: ObjectStore, days: number): TunnelCa | undefined {
	const ca = ensureTunnelCa(store);
	const type = store.lookupKind('v1', 'Secret');
	const secret = getObject(store, 'v1', 'Secret', tunnelNamespace, tunnelCaSecretName);
	if (!ca || !type || !secret) return undefined;
	const certificate = caCertificate(ca.key, ca.publicKey, new Date(Date.now() + days * day));
	const data = {...(secret.data as Record<string, string>), 'tls.crt': b64(certificate)};
	const next = {...secret, data, metadata: {...secret.metadata}};
	delete next.metadata.resourceVersion;
	return cachedCa(store, store.update(type, next));
}

export type ManagedCertificate = {certificate: string; key: string; fingerprint: string};

/** A managed cluster's client certificate, signed by its management cluster's tunnel CA. */
export function issueManagedCertificate(ca: TunnelCa, name: string, days = defaultManagedCertificateDays): ManagedCertificate {
	// Issued at each ManagedCluster create: 1,000 of them in a fleet's start, so the key is encoded and
	// the fingerprint taken from the DER in hand, without OpenSSL's encoders or a parse (~1 ms each).
	const keys = generateP256KeyPair();
	const {pem, der} = issueCertificateDer({
		subject: distinguishedName(name, 'Tigera'), issuer: caSubject(),
		publicKey: keys.spki, signingKey: ca.key, issuerPublicKey: ca.publicKey, usage: 'client',
		notAfter: new Date(Date.now() + days * day),
	});
	return {certificate: pem, key: keys.pkcs8Pem, fingerprint: createHash('sha256').update(der).digest('hex')};
}

/** What the guardian presents: the ManagedCluster it was issued for, its fingerprint and validity. */
export type CertificateIdentity = {name: string; fingerprint: string; notAfter: number; certificate: X509Certificate};

export function parseManagedCertificate(base64Pem: string | undefined): CertificateIdentity | undefined {
	const pem = unb64(base64Pem);
	if (!pem) return undefined;
	try {
		const certificate = new X509Certificate(pem);
		const name = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
		if (!name) return undefined;
		return {name, fingerprint: createHash('sha256').update(certificate.raw).digest('hex'), notAfter: Date.parse(certificate.validTo), certificate};
	} catch {
		return undefined;
	}
}

/**
 * Signature checks already made, by certificate and CA object. Both are immutable, so the answer
 * cannot change; validity dates are checked by the caller on every handshake. Without it a
 * management cluster re-verified every managed cluster's signature on each tunnel flip: a storm of
 * 1,000 flips over 1,000 clusters cost a million ECDSA verifies (minutes).
 */
const signatures = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

/** Whether `certificate` was signed by the CA in `caPem` (the tunnel server's client check). */
export function signedBy(certificate: X509Certificate, ca: X509Certificate): boolean {
	let byCa = signatures.get(certificate);
	const known = byCa?.get(ca);
	if (known !== undefined) return known;
	let signed: boolean;
	try {
		signed = certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
	} catch {
		signed = false;
	}
	if (!byCa) signatures.set(certificate, (byCa = new WeakMap()));
	byCa.set(ca, signed);
	return signed;
}

const caKeys = new WeakMap<X509Certificate, KeyObject>();

/** The CA certificate's public key, read once per certificate object (each `.publicKey` read parses it anew). */
export function caPublicKey(ca: X509Certificate): KeyObject {
	let key = caKeys.get(ca);
	if (!key) caKeys.set(ca, (key = ca.publicKey));
	return key;
}

/** The installation manifest's Secret data for a ManagedCluster. */
export function connectionSecretData(ca: TunnelCa, managed: ManagedCertificate): Record<string, string> {
	return {
		'management-cluster.crt': b64(ca.certificate),
		'managed-cluster.crt': b64(managed.certificate),
		'managed-cluster.key': b64(managed.key),
	};
}

/** Certificates issued at ManagedCluster create, until the create response hands them out (keyed by fingerprint). */
const issued = new WeakMap<ObjectStore, Map<string, ManagedCertificate>>();

export function rememberIssued(store: ObjectStore, certificate: ManagedCertificate): void {
	let map = issued.get(store);
	if (!map) issued.set(store, (map = new Map()));
	map.set(certificate.fingerprint, certificate);
}

/** The certificate issued for this fingerprint, once: the manifest exists only in the create response. */
export function takeIssued(store: ObjectStore, fingerprint: string): ManagedCertificate | undefined {
	const map = issued.get(store);
	const found = map?.get(fingerprint);
	map?.delete(fingerprint);
	return found;
}
