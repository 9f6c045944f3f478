import {generateKeyPairSync, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {certificateFacts, issuedBy} from '../../source/mcm/certificate-facts.js';
import {derOfPem, readDerCertificate} from '../../source/mcm/der-certificate.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';

// The DER reader stands in for OpenSSL on the fleet's usual certificates: whatever it reads must read
// as OpenSSL reads it, and whatever it cannot vouch for must still get OpenSSL's answer.

const day = 24 * 60 * 60 * 1000;
const now = Date.now();
const ecKeys = () => generateKeyPairSync('ec', {namedCurve: 'P-256'});

function authority(name: string, organization = 'Tigera') {
	const keys = ecKeys();
	const subject = distinguishedName(name, organization);
	const pem = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca'});
	const leaf = (cn: string, notAfter = new Date(now + 90 * day)) => issueCertificate({subject: distinguishedName(cn), issuer: subject,
		publicKey: ecKeys().publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client', notAfter});
	return {pem, leaf};
}

function openssl(pem: string) {
	const x509 = new X509Certificate(pem);
	return {notAfter: Date.parse(x509.validTo), sha256: x509.fingerprint256.replaceAll(':', '').toLowerCase(), commonName: /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1]};
}

/** The PEM of a DER with one byte changed (a certificate whose signature no longer holds). */
function flipped(pem: string, offsetFromEnd: number): string {
	const der = Buffer.from(derOfPem(pem)!);
	der[der.length - offsetFromEnd] ^= 0x01;
	return `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
}

describe('certificates read from their DER', () => {
	it('reads notAfter, the fingerprint and the CN as OpenSSL does, past 2049 too (GeneralizedTime)', () => {
		const ca = authority('tigera-voltron');
		for (const [cn, notAfter] of [['managed-1', new Date(now + 5 * day)], ['eks.cluster-2@x', new Date(Date.UTC(2051, 1, 28, 23, 59, 58))], ['a', new Date(now + 400 * day)]] as const) {
			const pem = ca.leaf(cn, notAfter);
			expect(readDerCertificate(derOfPem(pem)!)).toBeDefined();
			expect(certificateFacts(pem)).toEqual(openssl(pem));
		}
		expect(certificateFacts(ca.pem)).toEqual(openssl(ca.pem));
	});

	it('leaves a CN OpenSSL would escape to OpenSSL, and reads it as OpenSSL prints it', () => {
		const ca = authority('tigera-voltron');
		const pem = ca.leaf('managed, "one"');
		expect(readDerCertificate(derOfPem(pem)!)).toBeUndefined();
		expect(certificateFacts(pem).commonName).toBe(openssl(pem).commonName);
	});

	it('judges chains as OpenSSL: the issuing CA, a rotated CA of the same name, another CA, a broken signature', () => {
		const ca = authority('tigera-voltron');
		const rotated = authority('tigera-voltron');
		const other = authority('someone-else', 'Elsewhere');
		const leaf = ca.leaf('managed-3');
		const broken = flipped(ca.leaf('managed-4'), 3);
		const cases: Array<[string, string]> = [[leaf, ca.pem], [leaf, rotated.pem], [leaf, other.pem], [broken, ca.pem], [ca.leaf('managed-5'), ca.pem]];
		for (const [l, c] of cases) {
			const x = new X509Certificate(l);
			const expected = x.checkIssued(new X509Certificate(c)) && x.verify(new X509Certificate(c).publicKey);
			expect(issuedBy(l, c)).toBe(expected);
		}
		expect(cases.map(([l, c]) => issuedBy(l, c))).toEqual([true, false, false, false, true]);
	});

	it('does not read what is not one plain PEM certificate', () => {
		const ca = authority('tigera-voltron');
		const body = ca.pem.replace(/-----[A-Z ]+-----/g, '').trim();
		expect(derOfPem(`-----BEGIN CERTIFICATE-----\n${body.slice(0, 10)}!${body.slice(10)}\n-----END CERTIFICATE-----\n`)).toBeUndefined();
		expect(derOfPem(`-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${ca.pem}`)).toBeUndefined();
		const der = derOfPem(ca.pem)!;
		expect(readDerCertificate(Buffer.concat([der, Buffer.from([0])]))).toBeUndefined();
		expect(readDerCertificate(der.subarray(0, der.length - 1))).toBeUndefined();
	});
});
