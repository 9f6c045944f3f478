// The few fields of an X.509 certificate the fleet reads (notAfter, the subject's CN, issuer and
// subject names, key identifiers, key usage, the signed part and its signature), read straight from
// its DER. node:crypto's X509Certificate decodes the whole certificate with OpenSSL to hand out any of
// them: ~150 µs of CPU per certificate here, and a 1,001-cluster fleet parses one tunnel certificate per
// managed cluster while it loads (~5 % of the console's CPU to a complete fleet).
//
// Only the plain shape is read: strict DER (definite, minimal lengths), a v3 (or v1) certificate, a CN
// of plain characters in a single-valued RDN, each extension at most once, and times of whole seconds
// in UTC. Anything else is undefined, and the caller asks OpenSSL (certificate-facts.ts): this reader
// never answers where it might answer differently.

export type DerCertificate = {
	/** The whole certificate. */
	der: Buffer;
	/** tbsCertificate as signed (its TLV). */
	tbs: Buffer;
	/** The signature algorithm inside tbsCertificate and outside it (TLVs; X509_verify wants them equal). */
	innerAlgorithm: Buffer;
	outerAlgorithm: Buffer;
	/** The signature algorithm's OID, dotted. */
	algorithm: string;
	/** The signature BIT STRING's bits. */
	signature: Buffer;
	/** Issuer and subject Names as encoded (TLVs). */
	issuer: Buffer;
	subject: Buffer;
	/** Epoch ms. */
	notAfter: number;
	/** The subject's first CN; '' when it has none. */
	commonName: string;
	subjectKeyId?: Buffer;
	/** authorityKeyIdentifier's keyIdentifier; `otherFields`: it also names the issuer or its serial. */
	authorityKeyId?: {keyId?: Buffer; otherFields: boolean};
	/** keyUsage's first two bytes of bits (bit 0 = digitalSignature as 0x8000), when the extension is present. */
	keyUsage?: number;
	/** A proxy certificate (RFC 3820): OpenSSL checks its issuer differently. */
	proxy: boolean;
};

type Tlv = {tag: number; start: number; body: number; end: number};

class NotPlain extends Error {}

/** One TLV at `at`, within `limit`; strict DER lengths. */
function tlv(der: Buffer, at: number, limit: number): Tlv {
	if (at + 2 > limit) throw new NotPlain();
	const tag = der[at];
	// High tag numbers (0x1f) never occur in the fields read here.
	if ((tag & 0x1f) === 0x1f) throw new NotPlain();
	let length = der[at + 1];
	let body = at + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		// Indefinite (0x80) is BER; more than 3 length bytes is no certificate.
		if (count === 0 || count > 3 || body + count > limit || der[body] === 0) throw new NotPlain();
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + der[body + i];
		body += count;
		if (length < 0x80 || (count > 1 && length < 1 << (8 * (count - 1)))) throw new NotPlain();
	}
	const end = body + length;
	if (end > limit) throw new NotPlain();
	return {tag, start: at, body, end};
}

function expect(der: Buffer, at: number, limit: number, tag: number): Tlv {
	const t = tlv(der, at, limit);
	if (t.tag !== tag) throw new NotPlain();
	return t;
}

/** The TLVs of a constructed value's body. */
function children(der: Buffer, parent: Tlv): Tlv[] {
	const out: Tlv[] = [];
	for (let at = parent.body; at < parent.end; ) {
		const t = tlv(der, at, parent.end);
		out.push(t);
		at = t.end;
	}
	return out;
}

function oidText(der: Buffer, t: Tlv): string {
	if (t.tag !== 0x06 || t.end === t.body) throw new NotPlain();
	const first = der[t.body];
	const parts = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
	if (first & 0x80) throw new NotPlain();
	let value = 0;
	for (let i = t.body + 1; i < t.end; i++) {
		const byte = der[i];
		if (value === 0 && byte === 0x80) throw new NotPlain();
		value = value * 128 + (byte & 0x7f);
		if (value > Number.MAX_SAFE_INTEGER / 128) throw new NotPlain();
		if (!(byte & 0x80)) {
			parts.push(value);
			value = 0;
		} else if (i === t.end - 1) throw new NotPlain();
	}
	return parts.join('.');
}

/** Whether the OID TLV `t` is the one whose DER content is `content`. */
/**
 * A byte loop, not Buffer#compare with offsets: without the optimizing compiler (a one-shot status,
 * short-run-compile.ts) each of compare's four offset checks allocated its arguments, ~4 MB for the
 * ~20 OIDs of each of a 1,001-cluster fleet's certificates.
 */
function isOid(der: Buffer, t: Tlv, content: Buffer): boolean {
	if (t.tag !== 0x06 || t.end - t.body !== content.length) return false;
	for (let i = 0; i < content.length; i++) if (der[t.body + i] !== content[i]) return false;
	return true;
}

const digits = (der: Buffer, from: number, count: number): number => {
	let n = 0;
	for (let i = from; i < from + count; i++) {
		const d = der[i] - 48;
		if (d < 0 || d > 9) throw new NotPlain();
		n = n * 10 + d;
	}
	return n;
};

/** UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280's forms) → epoch ms. */
function time(der: Buffer, t: Tlv): number {
	const utc = t.tag === 0x17;
	if (!utc && t.tag !== 0x18) throw new NotPlain();
	const size = t.end - t.body;
	if (size !== (utc ? 13 : 15) || der[t.end - 1] !== 0x5a) throw new NotPlain();
	let at = t.body;
	let year = digits(der, at, utc ? 2 : 4);
	at += utc ? 2 : 4;
	if (utc) year += year < 50 ? 2000 : 1900;
	const month = digits(der, at, 2);
	const day = digits(der, at + 2, 2);
	const hour = digits(der, at + 4, 2);
	const minute = digits(der, at + 6, 2);
	const second = digits(der, at + 8, 2);
	const ms = Date.UTC(year, month - 1, day, hour, minute, second);
	const check = new Date(ms);
	// Out-of-range fields (a 31st of February, a 61st second): what OpenSSL prints for them is its own business.
	if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || check.getUTCHours() !== hour || check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second) throw new NotPlain();
	return ms;
}

/** Characters a CN may have here and still read the same in OpenSSL's RFC 2253-escaped subject text. */
const plainName = /^[A-Za-z0-9](?:[A-Za-z0-9._:@*-]*[A-Za-z0-9._:@*-])?$/;

/** The first CN of a Name ('' for none); not plain (multi-valued RDNs, other string types, escapes): NotPlain. */
function commonNameOf(der: Buffer, name: Tlv): string {
	let found = '';
	for (const rdn of children(der, name)) {
		if (rdn.tag !== 0x31) throw new NotPlain();
		const attributes = children(der, rdn);
		if (attributes.length !== 1 || attributes[0].tag !== 0x30) throw new NotPlain();
		const [type, value, ...rest] = children(der, attributes[0]);
		if (!type || !value || rest.length > 0) throw new NotPlain();
		if (type.tag !== 0x06) throw new NotPlain();
		if (found !== '' || !isOid(der, type, commonNameOid)) continue;
		// UTF8String, PrintableString, IA5String.
		if (value.tag !== 0x0c && value.tag !== 0x13 && value.tag !== 0x16) throw new NotPlain();
		const text = der.toString('latin1', value.body, value.end);
		if (!plainName.test(text)) throw new NotPlain();
		found = text;
	}
	return found;
}

/** OIDs as their DER content: 2.5.4.3 (CN), 2.5.29.14/15/35 (SKID, keyUsage, AKID), 1.3.6.1.5.5.7.1.14 (proxyCertInfo). */
const commonNameOid = Buffer.from([0x55, 0x04, 0x03]);
const subjectKeyIdOid = Buffer.from([0x55, 0x1d, 0x0e]);
const keyUsageOid = Buffer.from([0x55, 0x1d, 0x0f]);
const authorityKeyIdOid = Buffer.from([0x55, 0x1d, 0x23]);
const proxyOid = Buffer.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0e]);

function readExtensions(der: Buffer, list: Tlv, out: DerCertificate): void {
	const seen = new Set<string>();
	for (const extension of children(der, list)) {
		if (extension.tag !== 0x30) throw new NotPlain();
		const parts = children(der, extension);
		const idTlv = parts[0];
		if (!idTlv || idTlv.tag !== 0x06) throw new NotPlain();
		// OpenSSL counts a certificate with a repeated extension as invalid.
		const id = der.toString('latin1', idTlv.body, idTlv.end);
		if (seen.has(id)) throw new NotPlain();
		seen.add(id);
		const value = parts[parts.length - 1];
		if (parts.length < 2 || parts.length > 3 || value.tag !== 0x04 || (parts.length === 3 && parts[1].tag !== 0x01)) throw new NotPlain();
		const inner = () => {
			const t = tlv(der, value.body, value.end);
			if (t.end !== value.end) throw new NotPlain();
			return t;
		};
		if (isOid(der, idTlv, subjectKeyIdOid)) {
			const t = inner();
			if (t.tag !== 0x04) throw new NotPlain();
			out.subjectKeyId = der.subarray(t.body, t.end);
		} else if (isOid(der, idTlv, authorityKeyIdOid)) {
			const t = inner();
			if (t.tag !== 0x30) throw new NotPlain();
			const akid: NonNullable<DerCertificate['authorityKeyId']> = {otherFields: false};
			for (const field of children(der, t)) {
				if (field.tag === 0x80) akid.keyId = der.subarray(field.body, field.end);
				else akid.otherFields = true;
			}
			out.authorityKeyId = akid;
		} else if (isOid(der, idTlv, keyUsageOid)) {
			const t = inner();
			if (t.tag !== 0x03 || t.end - t.body < 2 || t.end - t.body > 3 || der[t.body] > 7) throw new NotPlain();
			out.keyUsage = (der[t.body + 1] << 8) | (t.end - t.body === 3 ? der[t.body + 2] : 0);
		} else if (isOid(der, idTlv, proxyOid)) out.proxy = true;
	}
}

/** PEM → the first certificate's DER; undefined when it is not a plain PEM block. */
export function derOfPem(pem: string): Buffer | undefined {
	const begin = '-----BEGIN CERTIFICATE-----';
	const from = pem.indexOf(begin);
	// Another PEM block first (a TRUSTED CERTIFICATE, a key): what OpenSSL takes from it is OpenSSL's call.
	if (from < 0 || pem.indexOf('-----BEGIN') !== from) return undefined;
	const to = pem.indexOf('-----END CERTIFICATE-----', from);
	if (to < 0) return undefined;
	const body = pem.slice(from + begin.length, to);
	// Buffer's base64 skips what it cannot read; OpenSSL's does not: anything unusual goes to OpenSSL.
	if (!/^[\r\n]*(?:[A-Za-z0-9+/]+[\r\n]+)*[A-Za-z0-9+/]*={0,2}[\r\n]*$/.test(body)) return undefined;
	return Buffer.from(body, 'base64');
}

/** The fields above, or undefined when the certificate is not of the plain shape (ask OpenSSL then). */
export function readDerCertificate(der: Buffer): DerCertificate | undefined {
	try {
		const certificate = expect(der, 0, der.length, 0x30);
		if (certificate.end !== der.length) return undefined;
		const [tbs, outerAlgorithm, signature, ...rest] = children(der, certificate);
		if (!tbs || tbs.tag !== 0x30 || !outerAlgorithm || outerAlgorithm.tag !== 0x30 || !signature || signature.tag !== 0x03 || rest.length > 0) return undefined;
		if (signature.end - signature.body < 2 || der[signature.body] !== 0) return undefined;
		let fields = children(der, tbs);
		let version = 0;
		if (fields[0]?.tag === 0xa0) {
			const v = expect(der, fields[0].body, fields[0].end, 0x02);
			if (v.end !== fields[0].end || v.end - v.body !== 1) return undefined;
			version = der[v.body];
			fields = fields.slice(1);
		}
		if (version !== 0 && version !== 2) return undefined;
		const [serial, innerAlgorithm, issuer, validity, subject, publicKey, ...optional] = fields;
		if (serial?.tag !== 0x02 || innerAlgorithm?.tag !== 0x30 || issuer?.tag !== 0x30 || validity?.tag !== 0x30 || subject?.tag !== 0x30 || publicKey?.tag !== 0x30) return undefined;
		const times = children(der, validity);
		if (times.length !== 2) return undefined;
		const algorithm = oidText(der, children(der, outerAlgorithm)[0] ?? ({tag: 0} as Tlv));
		const out: DerCertificate = {
			der,
			tbs: der.subarray(tbs.start, tbs.end),
			innerAlgorithm: der.subarray(innerAlgorithm.start, innerAlgorithm.end),
			outerAlgorithm: der.subarray(outerAlgorithm.start, outerAlgorithm.end),
			algorithm,
			signature: der.subarray(signature.body + 1, signature.end),
			issuer: der.subarray(issuer.start, issuer.end),
			subject: der.subarray(subject.start, subject.end),
			notAfter: time(der, times[1]),
			commonName: commonNameOf(der, subject),
			proxy: false,
		};
		time(der, times[0]);
		let last = 0;
		for (const field of optional) {
			// issuerUniqueID [1], subjectUniqueID [2]: not read. extensions [3]: v3 only. In that order, each once.
			const number = field.tag & 0x1f;
			if (number <= last) return undefined;
			last = number;
			if (field.tag === 0xa3) {
				if (version !== 2) return undefined;
				const list = expect(der, field.body, field.end, 0x30);
				if (list.end !== field.end) return undefined;
				readExtensions(der, list, out);
			} else if (field.tag !== 0x81 && field.tag !== 0xa1 && field.tag !== 0x82 && field.tag !== 0xa2) return undefined;
		}
		return out;
	} catch (error) {
		if (error instanceof NotPlain) return undefined;
		throw error;
	}
}
