import {spawnSync} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';

// `status` keeps the tunnel certificate chains it verified (chain-verdict-file.ts): a later run gives
// the same verdicts without checking those signatures again, and a chain that failed, or one read
// from a file anyone else could have written, is checked again. Each run is its own process, as
// `status` is.
const dist = path.resolve(import.meta.dirname, '../../dist/source');
const facts = new URL(`file://${dist}/mcm/certificate-facts.js`).href;
const verdictFile = new URL(`file://${dist}/cli/chain-verdict-file.js`).href;

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chain-verdicts-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

function authority(name: string) {
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const subject = distinguishedName(name, 'Tigera');
	const pem = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca'});
	const leaf = (cn: string) => issueCertificate({subject: distinguishedName(cn, 'Tigera'), issuer: subject, publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey,
		signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client'});
	// Names this CA as its issuer (name and key id) but is signed with another key: only the signature tells.
	const forged = (cn: string) => issueCertificate({subject: distinguishedName(cn, 'Tigera'), issuer: subject, publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey,
		signingKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey, issuerPublicKey: keys.publicKey, usage: 'client'});
	return {pem, leaf, forged};
}

/** One run: the verdict of each [leaf, CA] pair, and how many signatures it checked. */
function run(pairs: Array<[string, string]>, env: Record<string, string> = {}): {verdicts: boolean[]; signatureChecks: number} {
	const script = `
		import crypto from 'node:crypto';
		import {issuedBy} from ${JSON.stringify(facts)};
		import {useChainVerdicts} from ${JSON.stringify(verdictFile)};
		let checks = 0;
		for (const name of ['verify', 'createVerify']) {
			const own = crypto[name];
			crypto[name] = function (...args) { checks++; return own.apply(this, args); };
		}
		const X509 = crypto.X509Certificate.prototype;
		const ownVerify = X509.verify;
		X509.verify = function (...args) { checks++; return ownVerify.apply(this, args); };
		const pairs = JSON.parse(process.env.PAIRS);
		const save = useChainVerdicts();
		const verdicts = pairs.map(([leaf, ca]) => issuedBy(leaf, ca));
		save();
		process.stdout.write(JSON.stringify({verdicts, signatureChecks: checks}));
	`;
	const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, XDG_CACHE_HOME: dir, PAIRS: JSON.stringify(pairs), ...env}});
	expect(child.stderr).toBe('');
	return JSON.parse(child.stdout);
}

test('a chain verified by one run is trusted by the next without checking its signature again; the verdicts are the same', () => {
	const ca = authority('tigera-voltron');
	const pairs: Array<[string, string]> = [[ca.leaf('managed-1'), ca.pem], [ca.leaf('managed-2'), ca.pem], [ca.forged('managed-3'), ca.pem]];
	const first = run(pairs);
	expect(first.verdicts).toEqual([true, true, false]);
	expect(first.signatureChecks).toBeGreaterThanOrEqual(3);
	const forgedChecks = run([pairs[2]!], {CALICO_MCM_NO_CHAIN_CACHE: '1'}).signatureChecks;
	expect(forgedChecks).toBeGreaterThan(0);
	const file = path.join(dir, 'calico-mcm', 'chains', 'verified');
	expect(fs.statSync(file).mode & 0o777).toBe(0o600);
	expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
	expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
	const second = run(pairs);
	expect(second.verdicts).toEqual([true, true, false]);
	// Only the chain that failed is checked again.
	expect(second.signatureChecks).toBe(forgedChecks);
});

test('verdicts in a directory open to others, or with the cache turned off, are not used', () => {
	const ca = authority('tigera-voltron');
	const pairs: Array<[string, string]> = [[ca.leaf('managed-1'), ca.pem]];
	const first = run(pairs);
	expect(run(pairs, {CALICO_MCM_NO_CHAIN_CACHE: '1'}).signatureChecks).toBe(first.signatureChecks);
	fs.chmodSync(path.join(dir, 'calico-mcm', 'chains'), 0o777);
	expect(run(pairs)).toEqual(first);
});

test('a long-lived process (the console) that saves more than once writes only when it verified a chain since its last save', () => {
	const ca = authority('tigera-voltron');
	const script = `
		import {issuedBy} from ${JSON.stringify(facts)};
		import {useChainVerdicts} from ${JSON.stringify(verdictFile)};
		const [a, b, pem] = JSON.parse(process.env.CERTS);
		const save = useChainVerdicts();
		issuedBy(a, pem);
		const saves = [save(), save()];
		issuedBy(b, pem);
		saves.push(save(), save());
		process.stdout.write(JSON.stringify(saves));
	`;
	const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, XDG_CACHE_HOME: dir, CERTS: JSON.stringify([ca.leaf('managed-1'), ca.leaf('managed-2'), ca.pem])}});
	expect(child.stderr).toBe('');
	expect(JSON.parse(child.stdout)).toEqual([true, false, true, false]);
	expect(fs.readFileSync(path.join(dir, 'calico-mcm', 'chains', 'verified'), 'utf8').trim().split('\n')).toHaveLength(2);
});
