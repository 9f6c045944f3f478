import {spawn} from 'node:child_process';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import tar from 'tar-stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {redact} from '../../source/mcm/diags.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';

// `calico-mcm diags` (the built CLI) against the simulator: one .tar.gz, a directory per cluster,
// an unreachable and a hanging cluster skipped or cut off without holding the others, no secret
// material anywhere in it, and a bad --output refused before any cluster is asked.

const cli = join(import.meta.dirname, '../../dist/cli.js');

function diags(args: string[]): Promise<{code: number | null; stdout: string; stderr: string; ms: number}> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(process.execPath, [cli, 'diags', ...args]);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', d => (stdout += d));
		child.stderr.on('data', d => (stderr += d));
		const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(killer);
			resolve({code, stdout, stderr, ms: Date.now() - started});
		});
	});
}

async function entries(file: string): Promise<Map<string, string>> {
	const out = new Map<string, string>();
	const extract = tar.extract();
	const done = new Promise<void>((resolve, reject) => {
		extract.on('entry', (header, stream, next) => {
			const chunks: Buffer[] = [];
			stream.on('data', (c: unknown) => chunks.push(c as Buffer));
			stream.on('end', () => {
				out.set(header.name.replace(/^[^/]+\//, ''), Buffer.concat(chunks).toString('utf8'));
				next();
			});
		});
		extract.on('finish', resolve);
		extract.on('error', reject);
	});
	extract.end(gunzipSync(readFileSync(file)));
	await done;
	return out;
}

describe('calico-mcm diags', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` before these tests`);
		fleet = await startTestFleet({managed: 2, standalone: 1, bare: 1});
	});
	afterAll(async () => fleet?.stop());

	it('writes one bundle: per cluster its objects, events, logs and versions; skips the unreachable with the reason; no secrets', async () => {
		await fleet.apiDown('bare-1');
		await fleet.apiHang('standalone-1');
		try {
			const output = join(fleet.dir, 'bundle.tar.gz');
			const r = await diags(['--kubeconfig', fleet.kubeconfigPath, '--output', output, '--request-timeout', '3s', '--tail', '50']);
			expect(r.code, r.stderr).toBe(0);
			expect(r.stdout).toMatch(/bundle\.tar\.gz \(\d+ bytes, 3 clusters, 2 skipped\)/);
			expect(r.stderr).toMatch(/^managed-1: done: 10 files$/m);
			expect(r.stderr).toMatch(/^bare-1: skipped: connect ECONNREFUSED/m);
			expect(statSync(output).mode & 0o777).toBe(0o600);
			const files = await entries(output);
			for (const name of ['installations.yaml', 'tigerastatuses.yaml', 'managementclusters.yaml', 'managementclusterconnections.yaml', 'managedclusters.yaml',
				'events-tigera-operator.yaml', 'events-calico-system.yaml', 'operator.log', 'guardian.log', 'versions.json']) {
				expect(files.has(`managed-1/${name}`), name).toBe(true);
			}
			expect(files.get('mgmt/managedclusters.yaml')).toContain('name: managed-2');
			expect(files.get('managed-1/operator.log')).toMatch(/# tigera-operator\/tigera-operator-\S+ \(last 50 lines\)/);
			expect(JSON.parse(files.get('mgmt/versions.json')!)).toMatchObject({calicoEnterprise: 'v3.24.0', kubernetes: {major: expect.any(String)}});
			expect(files.get('bare-1/SKIPPED.txt')).toMatch(/^bare-1 was skipped: connect ECONNREFUSED/);
			expect(files.get('standalone-1/SKIPPED.txt')).toMatch(/^standalone-1 was skipped: .*3s/);
			expect(files.get('SUMMARY.txt')).toContain('Secret data and tokens are removed.');
			expect(files.get('calico-mcm.log')).toMatch(/managed-2: done/);
			const all = [...files.values()].join('\n');
			expect(all).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
			for (const c of fleet.clusters) expect(all).not.toContain(c.token);
		} finally {
			await fleet.apiUp('bare-1');
			await fleet.apiUp('standalone-1');
		}
	});

	it('refuses an output path that is not writable or exists, creating nothing', async () => {
		const r = await diags(['--kubeconfig', fleet.kubeconfigPath, '--output', join(fleet.dir, 'missing-dir', 'x.tar.gz')]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain(`cannot write in ${join(fleet.dir, 'missing-dir')}: ENOENT`);
		expect(r.stderr).toContain('fix: pass --output with a new .tar.gz file in a writable directory');
		expect(existsSync(join(fleet.dir, 'missing-dir'))).toBe(false);
		const again = await diags(['--kubeconfig', fleet.kubeconfigPath, '--output', fleet.kubeconfigPath]);
		expect(again.code).toBe(2);
		expect(again.stderr).toContain('already exists');
	});

	it('removes every Secret\'s data and masks tokens and key material anywhere', () => {
		const secret = redact({apiVersion: 'v1', kind: 'Secret', metadata: {name: 's'}, data: {'tls.key': 'c2VjcmV0'}, stringData: {token: 'abc'}}) as Record<string, unknown>;
		expect(secret).not.toHaveProperty('data');
		expect(secret).not.toHaveProperty('stringData');
		expect(secret.dataRemoved).toEqual(['tls.key', 'token']);
		const list = redact({kind: 'ManagedClusterList', items: [{kind: 'ManagedCluster', metadata: {name: 'a'}, spec: {installationManifest: 'x'}}, {kind: 'Secret', metadata: {name: 'b'}, data: {k: 'v'}}]}) as {items: Array<Record<string, unknown>>};
		expect(list.items[0]!.spec).toEqual({});
		expect(list.items[1]).not.toHaveProperty('data');
		const text = redact({message: 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'}) as {message: string};
		expect(text.message).not.toContain('eyJ');
	});
});
