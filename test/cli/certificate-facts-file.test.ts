import {spawnSync} from 'node:child_process';
import {createHash, generateKeyPairSync, X509Certificate} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';

// `status` and the console keep what the tunnel certificates said (certificate-facts-file.ts): a later
// run reads a certificate's expiry, fingerprint and CN from the file instead of parsing it, and a file
// anyone else could have written, or a line of another shape, is not believed. Each run is its own
// process, as `status` is.
const dist = path.resolve(import.meta.dirname, '../../dist/source');
const factsModule = new URL(`file://${dist}/mcm/certificate-facts.js`).href;
const factsFile = new URL(`file://${dist}/cli/certificate-facts-file.js`).href;

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cert-facts-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const file = () => path.join(dir, 'calico-mcm', 'certs', 'facts');

function certificate(cn: string): string {
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const subject = distinguishedName(cn, 'Tigera');
	return issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client'});
}

type Facts = {notAfter: number; sha256: string; commonName?: string} | {error: string};

/** One run: the facts of each PEM, and whether it wrote the file. */
function run(pems: string[], env: Record<string, string> = {}): {facts: Facts[]; saved: boolean} {
	const script = `
		import {certificateFacts} from ${JSON.stringify(factsModule)};
		import {useCertificateFacts} from ${JSON.stringify(factsFile)};
		const save = useCertificateFacts();
		const facts = JSON.parse(process.env.PEMS).map(pem => { try { return certificateFacts(pem); } catch (error) { return {error: error.message}; } });
		process.stdout.write(JSON.stringify({facts, saved: save()}));
	`;
	const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, XDG_CACHE_HOME: dir, PEMS: JSON.stringify(pems), ...env}});
	expect(child.stderr).toBe('');
	return JSON.parse(child.stdout);
}

const textKey = (pem: string) => createHash('sha256').update(pem).digest('hex');

/** Replaces the CN the file holds for `pem`: what a run then reports shows whether it parsed or believed the file. */
function rewriteCommonName(pem: string, commonName: string): void {
	const lines = fs.readFileSync(file(), 'utf8').split('\n');
	const at = lines.findIndex(line => line.startsWith(`${textKey(pem)} `));
	expect(at).toBeGreaterThanOrEqual(0);
	lines[at] = `${lines[at]!.split(' ', 3).join(' ')} ${JSON.stringify(commonName)}`;
	fs.writeFileSync(file(), lines.join('\n'));
}

test('the facts one run parsed are read from the file by the next, the same as OpenSSL reads them', () => {
	const pems = [certificate('managed-1'), certificate('managed-2')];
	const first = run(pems);
	expect(first.saved).toBe(true);
	pems.forEach((pem, i) => {
		const x509 = new X509Certificate(pem);
		expect(first.facts[i]).toEqual({notAfter: Date.parse(x509.validTo), sha256: x509.fingerprint256.replaceAll(':', '').toLowerCase(), commonName: `managed-${i + 1}`});
	});
	expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
	expect(fs.statSync(path.dirname(file())).mode & 0o777).toBe(0o700);
	expect(fs.readFileSync(file(), 'utf8').trim().split('\n')).toHaveLength(2);

	// Nothing new: the same facts, and the file is not written again.
	expect(run(pems)).toEqual({facts: first.facts, saved: false});

	// The file is what the next run believes: a CN put there by hand is the one reported (no parse).
	rewriteCommonName(pems[0]!, 'from-the-file');
	expect(run(pems).facts[0]).toEqual({...first.facts[0], commonName: 'from-the-file'});
});

test('a file open to others, a line of another shape, or the cache turned off: the certificate is parsed again', () => {
	const pem = certificate('managed-1');
	const parsed = run([pem]).facts[0];
	rewriteCommonName(pem, 'from-the-file');
	expect(run([pem], {CALICO_MCM_NO_CERT_CACHE: '1'}).facts[0]).toEqual(parsed);

	fs.chmodSync(file(), 0o644);
	expect(run([pem]).facts[0]).toEqual(parsed);
	fs.chmodSync(file(), 0o600);

	// Not a SHA-256 where the fingerprint goes, a CN that is not a JSON string: passed over, and the
	// parse's facts are written in their place.
	const [key, notAfter] = fs.readFileSync(file(), 'utf8').split(' ');
	fs.writeFileSync(file(), `${key} ${notAfter} not-a-fingerprint "managed-1"\n${key} ${notAfter} ${'a'.repeat(64)} managed-1\n`);
	const again = run([pem]);
	expect(again).toEqual({facts: [parsed], saved: true});
	expect(fs.readFileSync(file(), 'utf8')).toContain(`${key} ${notAfter} ${(parsed as {sha256: string}).sha256} "managed-1"`);
});

test('a certificate that does not parse gives its error in every run and is not kept', () => {
	const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
	const first = run([broken]);
	expect(first.facts[0]).toHaveProperty('error');
	expect(first.saved).toBe(false);
	expect(fs.existsSync(file())).toBe(false);
	expect(run([broken]).facts).toEqual(first.facts);
});
