import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {checkAddress, checkLicenseFile, checkName, checkPullSecretFile, validateAddress} from '../../source/mcm/preflight.js';
import {maskObject, maskText, writeSecretFile} from '../../source/mcm/secrets.js';
import {demoLicense, demoPullSecret} from './env.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcm-preflight-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

describe('management cluster address', () => {
	it.each(['10.0.0.10:30449', 'mgmt.example.com:30449', 'localhost:1', '[::1]:32500', '[fd00::10]:65535'])('accepts %s', address => {
		expect(validateAddress(address)).toBeNull();
	});
	it.each([
		['10.0.0.10', 'no port'],
		['https://mgmt.example.com:30449', 'must not have a scheme'],
		['mgmt.example.com:0', 'out of range'],
		['mgmt.example.com:65536', 'out of range'],
		['mgmt.example.com:http', 'is not a number'],
		['::1:30449', 'in brackets'],
		['[::g]:30449', 'not an IPv6 address'],
		['10.0.0.300:30449', 'not a valid IPv4 address'],
		['bad_host!:30449', 'not a valid DNS name'],
		['mgmt.example.com:30449/path', 'no path'],
	])('refuses %s (%s) and says how to write it', (address, why) => {
		const item = checkAddress(address);
		expect(item.ok).toBe(false);
		expect(item.message).toContain(why);
		expect(item.fix).toContain('--address HOST:PORT');
	});
});

describe('managed cluster name', () => {
	it('accepts DNS-1123 names and refuses others with the rule', () => {
		expect(checkName('prod-eu-1').ok).toBe(true);
		const bad = checkName('My_Cluster');
		expect(bad.ok).toBe(false);
		expect(bad.message).toContain('"My_Cluster" must consist of lower case alphanumeric characters');
		expect(checkName('a'.repeat(254)).message).toContain('no more than 253 characters');
	});
});

describe('input files', () => {
	it('accepts the demo pull secret and license', async () => {
		expect((await checkPullSecretFile(demoPullSecret)).ok).toBe(true);
		expect((await checkLicenseFile(demoLicense)).ok).toBe(true);
	});

	it('names an unreadable pull secret', async () => {
		const missing = path.join(dir, 'nope.json');
		const item = await checkPullSecretFile(missing);
		expect(item).toMatchObject({ok: false, message: `${missing}: cannot read: no such file or directory`});
	});

	it('refuses a pull secret that is not a dockerconfigjson', async () => {
		const file = path.join(dir, 'not-docker.json');
		fs.writeFileSync(file, JSON.stringify({registry: 'quay.io', token: 'x'}));
		const item = await checkPullSecretFile(file);
		expect(item.ok).toBe(false);
		expect(item.message).toBe(`${file}: not a dockerconfigjson: it has no "auths" object`);
		expect(item.fix).toContain('--pull-secret');
		fs.writeFileSync(file, '{"auths": {"quay.io": {"email": "x"}}}');
		expect((await checkPullSecretFile(file)).message).toContain('has neither "auth" nor "username" and "password"');
		fs.writeFileSync(file, 'auths: yaml');
		expect((await checkPullSecretFile(file)).message).toContain('not JSON');
	});

	it('refuses a license that is not a LicenseKey', async () => {
		const file = path.join(dir, 'license.yaml');
		fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
		expect((await checkLicenseFile(file)).message).toBe(`${file}: expected kind LicenseKey, found "ConfigMap"`);
		fs.writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: LicenseKey\nmetadata:\n  name: default\nspec:\n  certificate: x\n');
		expect((await checkLicenseFile(file)).message).toBe(`${file}: spec.token is missing`);
	});
});

describe('secrets', () => {
	it('masks Secret data, tokens, certificates and installation manifests', () => {
		const secret = maskObject({apiVersion: 'v1', kind: 'Secret', metadata: {name: 's'}, data: {'managed-cluster.key': 'c2VjcmV0LWtleS1tYXRlcmlhbA=='}});
		expect(JSON.stringify(secret)).not.toContain('c2VjcmV0');
		expect(secret.data['managed-cluster.key']).toBe('<masked, 28 chars>');
		const license = fs.readFileSync(demoLicense, 'utf8');
		const token = /token: (\S+)/.exec(license)![1]!;
		const masked = maskObject({kind: 'LicenseKey', spec: {token, certificate: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----'}, other: {installationManifest: 'apiVersion: v1'}});
		expect(JSON.stringify(masked)).not.toContain(token);
		expect(JSON.stringify(masked)).not.toContain('BEGIN CERTIFICATE');
		expect(JSON.stringify(masked)).not.toContain('apiVersion: v1');
		// Masking twice keeps the first marker.
		expect(maskObject(secret)).toEqual(secret);
	});

	it('masks tokens and key material in free text', () => {
		const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
		const text = maskText(`token ${jwt} and Authorization: Bearer abc.def and -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----`);
		expect(text).not.toContain(jwt);
		expect(text).not.toContain('abc.def');
		expect(text).not.toContain('MIIE');
		expect(text).toContain('<rsa private key masked>');
	});

	it('writes secret files 0600, also over an existing world-readable file', () => {
		const file = path.join(dir, 'token');
		fs.writeFileSync(file, 'old', {mode: 0o644});
		fs.chmodSync(file, 0o644);
		writeSecretFile(file, 'new-secret');
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.readFileSync(file, 'utf8')).toBe('new-secret');
		const fresh = path.join(dir, 'fresh');
		writeSecretFile(fresh, 'x');
		expect(fs.statSync(fresh).mode & 0o777).toBe(0o600);
	});
});
