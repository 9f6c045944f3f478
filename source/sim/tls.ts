// TLS for the simulated API servers. kubectl (client-go's clientcmd) only sends a kubeconfig's
// bearer token over TLS, so the servers must speak HTTPS. One CA and one server certificate for
// 127.0.0.1/localhost are made per process (EC P-256, no files, no openssl) and shared by every server.
import {createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject, X509Certificate} from 'node:crypto';

// --- minimal DER encoding, enough for an X.509 v3 certificate ---

function length(n: number): Buffer {
	if (n < 0x80) return Buffer.from([n]);
	const bytes: number[] = [];
	while (n > 0) {
		bytes.unshift(n & 0xff);
		n >>= 8;
	}
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const octetString = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(value: Buffer): Buffer {
	let v = value;
	while (v.length > 1 && v[0] === 0 && v[1] < 0x80) v = v.subarray(1);
	if (v[0] >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
	return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
	const parts = dotted.split('.').map(Number);
	const bytes: number[] = [40 * parts[0] + parts[1]];
	for (const part of parts.slice(2)) {
		const chunk: number[] = [part & 0x7f];
		let rest = part >> 7;
		while (rest > 0) {
			chunk.unshift(0x80 | (rest & 0x7f));
			rest >>= 7;
		}
		bytes.push(...chunk);
	}
	return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
	const iso = date.toISOString();
	const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
	// UTCTime up to 2049, GeneralizedTime after, as RFC 5280 asks.
	return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(compact.slice(2))) : tlv(0x18, Buffer.from(compact));
}

export const distinguishedName = (commonName: string, organization?: string): Buffer => sequence(
	...(organization ? [set(sequence(oid('2.5.4.10'), utf8(organization)))] : []),
	set(sequence(oid('2.5.4.3'), utf8(commonName))),
);

const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) => sequence(oid(id), ...(critical ? [bool(true)] : []), octetString(value));

/**
 * SubjectPublicKeyInfo DER of a key, once per KeyObject: OpenSSL 3's encoder costs ~0.2 ms a call, and
 * a tunnel CA signs 1,000 managed certificates at a fleet's start, each naming the CA's key id.
 */
const spkiOfKey = new WeakMap<KeyObject, Buffer>();

function spkiOf(publicKey: KeyObject | Buffer): Buffer {
	if (Buffer.isBuffer(publicKey)) return publicKey;
	let der = spkiOfKey.get(publicKey);
	if (!der) spkiOfKey.set(publicKey, (der = publicKey.export({type: 'spki', format: 'der'})));
	return der;
}

const keyIds = new WeakMap<Buffer, Buffer>();

function keyId(publicKey: KeyObject | Buffer): Buffer {
	const spki = spkiOf(publicKey);
	let id = keyIds.get(spki);
	if (!id) keyIds.set(spki, (id = createHash('sha1').update(spki).digest()));
	return id;
}

/** P-256 SubjectPublicKeyInfo up to the uncompressed point's 0x04 (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). */
const p256SpkiPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex');
/** P-256 PKCS#8 (RFC 5958 around RFC 5915's ECPrivateKey, as OpenSSL writes it) up to the 32-byte private scalar. */
const p256Pkcs8Prefix = Buffer.from('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420', 'hex');
/** Between the scalar and the point: [1] publicKey BIT STRING (66 bytes) of the uncompressed point. */
const p256Pkcs8Middle = Buffer.from('a14403420004', 'hex');

export type EncodedKeyPair = {
	/** SubjectPublicKeyInfo, DER. */
	spki: Buffer;
	/** The private key as PKCS#8 PEM, byte for byte what OpenSSL's export writes. */
	pkcs8Pem: string;
};

/**
 * A fresh EC P-256 key pair, encoded without OpenSSL 3's encoders (~0.2 ms each for SPKI and PKCS#8):
 * the fixed P-256 framing around x, y and d, always 32 bytes each. The key comes from ECDH, not from
 * generateKeyPairSync and a JWK export: on Node 20 a simulator starting 10,000 clusters hung twice
 * (the bench's remote-scale start, stops 32 and 33), its main thread in ExportJWK on an EC key
 * against a KeyGenJob's destructor run by the GC; ECDH makes neither.
 */
export function generateP256KeyPair(): EncodedKeyPair {
	const ecdh = createECDH('prime256v1');
	// Uncompressed point: 0x04, x, y.
	const point = ecdh.generateKeys();
	const x = point.subarray(1, 33);
	const y = point.subarray(33, 65);
	// The private scalar without its leading zero bytes: padded back to the field's 32.
	const scalar = ecdh.getPrivateKey();
	const d = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
	const spki = Buffer.concat([p256SpkiPrefix, x, y]);
	const pkcs8 = Buffer.concat([p256Pkcs8Prefix, d, p256Pkcs8Middle, x, y]);
	return {spki, pkcs8Pem: pem('PRIVATE KEY', pkcs8)};
}

function pem(label: string, der: Buffer): string {
	const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
	return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export type CertificateSpec = {
	subject: Buffer;
	issuer: Buffer;
	/** The subject's public key, or its SubjectPublicKeyInfo DER. */
	publicKey: KeyObject | Buffer;
	signingKey: KeyObject;
	issuerPublicKey: KeyObject | Buffer;
	/** ca: a CA; server: serverAuth for localhost/127.0.0.1; client: clientAuth (a tunnel's managed side). */
	usage: 'ca' | 'server' | 'client';
	/** Default: an hour ago. */
	notBefore?: Date;
	/** Default: ten years on. */
	notAfter?: Date;
};

/** An X.509 v3 certificate (PEM) signed with ECDSA P-256 / SHA-256. */
export function issueCertificate(spec: CertificateSpec): string {
	return issueCertificateDer(spec).pem;
}

/** As issueCertificate, with the DER too (its SHA-256 is the certificate's fingerprint, no parse needed). */
export function issueCertificateDer(spec: CertificateSpec): {pem: string; der: Buffer} {
	const notBefore = spec.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
	const notAfter = spec.notAfter ?? new Date(Date.now() + 10 * 365 * 24 * 60 * 60 * 1000);
	const extensions = spec.usage === 'ca'
		? [
			extension('2.5.29.19', true, sequence(bool(true))),
			extension('2.5.29.15', true, bitString(Buffer.from([0x06]))), // keyCertSign, cRLSign
			extension('2.5.29.14', false, octetString(keyId(spec.publicKey))),
		]
		: [
			extension('2.5.29.19', true, sequence()),
			extension('2.5.29.15', true, bitString(Buffer.from([0x80]))), // digitalSignature
			// serverAuth, or clientAuth
			extension('2.5.29.37', false, sequence(oid(spec.usage === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2'))),
			extension('2.5.29.35', false, sequence(tlv(0x80, keyId(spec.issuerPublicKey)))),
			// subjectAltName: DNS localhost, IP 127.0.0.1
			...(spec.usage === 'server' ? [extension('2.5.29.17', false, sequence(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1]))))] : []),
		];
	const tbs = sequence(
		explicit(0, integer(Buffer.from([2]))),
		integer(randomBytes(16)),
		ecdsaWithSha256,
		spec.issuer,
		sequence(time(notBefore), time(notAfter)),
		spec.subject,
		spkiOf(spec.publicKey),
		explicit(3, sequence(...extensions)),
	);
	const signature = sign('sha256', tbs, spec.signingKey);
	const der = sequence(tbs, ecdsaWithSha256, bitString(signature));
	return {pem: pem('CERTIFICATE', der), der};
}

export type SimulatorTls = {
	/** PEM of the CA that signed the servers' certificate (a kubeconfig's certificate-authority-data, base64-encoded). */
	caCertificate: string;
	/** Server certificate for 127.0.0.1 and localhost (PEM). */
	certificate: string;
	/** Server private key (PEM). Lives only in memory. */
	key: string;
};

let shared: SimulatorTls | undefined;

/** The process-wide CA and server certificate, made on first use (a few milliseconds). */
export function simulatorTls(): SimulatorTls {
	if (shared) return shared;
	const caKeys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const serverKeys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const caName = distinguishedName('calico-mcm simulator CA', 'calico-mcm-sim');
	const caCertificate = issueCertificate({subject: caName, issuer: caName, publicKey: caKeys.publicKey, signingKey: caKeys.privateKey, issuerPublicKey: caKeys.publicKey, usage: 'ca'});
	const serverCertificate = issueCertificate({
		subject: distinguishedName('kube-apiserver', 'calico-mcm-sim'), issuer: caName,
		publicKey: serverKeys.publicKey, signingKey: caKeys.privateKey, issuerPublicKey: caKeys.publicKey, usage: 'server',
	});
	// Fail loudly here rather than in every client if the encoding were ever wrong.
	const parsed = new X509Certificate(serverCertificate);
	if (!parsed.verify(createPublicKey(caKeys.publicKey.export({type: 'spki', format: 'pem'})))) {
		throw new Error('sim tls: the generated server certificate does not verify against its CA');
	}
	shared = {
		caCertificate,
		certificate: serverCertificate,
		key: createPrivateKey(serverKeys.privateKey.export({type: 'pkcs8', format: 'pem'})).export({type: 'pkcs8', format: 'pem'}) as string,
	};
	return shared;
}

/** base64 of the CA PEM, ready for a kubeconfig's `certificate-authority-data`. */
export function certificateAuthorityData(): string {
	return Buffer.from(simulatorTls().caCertificate).toString('base64');
}
