import {generateKeyPairSync} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {certificateFacts, issuedBy} from '../../source/mcm/certificate-facts.js';
import {assessManaged, type SecretRead} from '../../source/mcm/tunnel-cert.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';

// Certificates are parsed once per distinct text: the verdicts must still be those of each pair.

const day = 24 * 60 * 60 * 1000;
const now = Date.now();

function authority(name: string) {
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const subject = distinguishedName(name, 'Tigera');
	const pem = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca',
		notBefore: new Date(now - day), notAfter: new Date(now + 400 * day)});
	const leaf = (cn: string, days: number) => issueCertificate({subject: distinguishedName(cn, 'Tigera'), issuer: subject,
		publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client',
		notBefore: new Date(now - day), notAfter: new Date(now + days * day)});
	return {pem, leaf};
}

const managedSide = (leaf: string, copy: string): SecretRead => ({state: 'ok', secret: 'tigera-operator/tigera-managed-cluster-connection', certificates: {'managed-cluster.crt': leaf, 'management-cluster.crt': copy}});
const caRead = (pem: string): SecretRead => ({state: 'ok', secret: 'tigera-operator/tigera-management-cluster-connection', certificates: {'tls.crt': pem}});

describe('certificate facts', () => {
	it('judges each leaf against each CA, however often and in whatever order it is asked', () => {
		const old = authority('tigera-voltron');
		const rotated = authority('tigera-voltron');
		const leaf = old.leaf('managed-1', 90);
		for (let i = 0; i < 3; i++) {
			expect(issuedBy(leaf, old.pem)).toBe(true);
			expect(issuedBy(leaf, rotated.pem)).toBe(false);
		}
		// A managed cluster still on the old CA after the management cluster rotated it: untrusted, every time.
		for (let i = 0; i < 2; i++) {
			expect(assessManaged(managedSide(leaf, old.pem), caRead(rotated.pem), 'mgmt', now)).toMatchObject({state: 'untrusted', chained: false, caDiffers: true});
			expect(assessManaged(managedSide(leaf, old.pem), caRead(old.pem), 'mgmt', now)).toMatchObject({state: 'ok', chained: true, caDiffers: false});
		}
	});

	it('keeps each certificate’s own dates and names, and the same error for the same bad input', () => {
		const ca = authority('tigera-voltron');
		const soon = ca.leaf('managed-1', 5);
		const later = ca.leaf('managed-2', 90);
		expect(certificateFacts(soon)).toMatchObject({commonName: 'managed-1'});
		expect(certificateFacts(later)).toMatchObject({commonName: 'managed-2'});
		expect(certificateFacts(later).notAfter - certificateFacts(soon).notAfter).toBeGreaterThan(80 * day);
		expect(assessManaged(managedSide(soon, ca.pem), caRead(ca.pem), 'mgmt', now)).toMatchObject({state: 'critical', earliest: 'managed-cluster.crt'});
		const bad = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
		const first = (() => { try { certificateFacts(bad); } catch (error) { return (error as Error).message; } })();
		expect(first).toBeTruthy();
		expect(() => certificateFacts(bad)).toThrow(first!);
	});
});
