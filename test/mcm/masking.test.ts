import {describe, expect, it} from 'vitest';
import {maskObject, maskServerText, maskText, registerSecret} from '../../source/mcm/secrets.js';

// Masking by knowing what is secret, not by a string's shape: names and paths stay readable, every
// registered secret is masked wherever it turns up, and only server messages get the shape rule.

describe('masking', () => {
	const longName = 'managedclusterforproductionworkloadsineuropewest1';
	const longPath = '/home/sre/calicoenterprise/manifests/mgmtclusterinstallation/managedclusterforproductionworkloads.yaml';

	it('shows a long cluster name and an installation manifest path as they are', () => {
		const line = `Create the ManagedCluster ${longName} and save its installation manifest to ${longPath}`;
		expect(maskText(line)).toBe(line);
		expect(maskText(`installation manifest: ${longPath}`)).toBe(`installation manifest: ${longPath}`);
	});

	it('masks a registered token wherever it appears, whatever its shape, and its base64 form', () => {
		const token = 'sha256~Zx9-opaque_token.value';
		registerSecret(token);
		expect(maskText(`the server rejected ${token} for ${longName}`)).toBe(`the server rejected <secret masked, ${token.length} chars> for ${longName}`);
		const encoded = Buffer.from(token).toString('base64');
		expect(maskText(`data: ${encoded}`)).not.toContain(encoded);
		expect(maskObject({kind: 'ConfigMap', data: {note: `uses ${token}`}})).toEqual({kind: 'ConfigMap', data: {note: `uses <secret masked, ${token.length} chars>`}});
	});

	it('keeps the unambiguous forms: PEM blocks, bearer headers, JWTs', () => {
		expect(maskText('-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----')).toBe('<rsa private key masked>');
		expect(maskText('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer ****');
		expect(maskText('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).toMatch(/^token eyJh…\*\*\*\* \(\d+ chars\)$/);
	});

	it('applies the shape rule only to free-form server messages, and not to names and paths there', () => {
		const blob = 'QmFzZTY0RW5jb2RlZEtleU1hdGVyaWFsVGhhdE5vYm9keVJlZ2lzdGVyZWQ1';
		expect(maskText(`key ${blob}`)).toBe(`key ${blob}`);
		expect(maskServerText(`key ${blob}`)).toBe(`key <${blob.length} chars masked>`);
		expect(maskServerText(`ManagedCluster ${longName} not found at ${longPath}`)).toBe(`ManagedCluster ${longName} not found at ${longPath}`);
	});
});
