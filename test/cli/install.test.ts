// Installed as an SRE would on a bastion: `npm pack`, then `npm install -g` of the tarball into a
// fresh prefix. Both executables must run from PATH, and the real kubectl must find the plugin.
// dist/ must be built first (`npx tsc -p .`, which `npm test` runs).
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';

const repo = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {version: string; bin: Record<string, string>};
const kubectl = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.33', '/usr/lib/google-cloud-sdk/bin/kubectl'].find(f => fs.existsSync(f));

type Result = {code: number; stdout: string; stderr: string};
function exec(file: string, args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number} = {}): Promise<Result> {
	return new Promise(resolve => {
		execFile(file, args, {cwd: options.cwd ?? repo, env: {...process.env, ...options.env}, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

let dir: string;
let tarball: string;
let bin: string;
let fleet: TestFleet;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-install-'));
	const packed = await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {timeoutMs: 120_000});
	expect(packed.code, packed.stderr).toBe(0);
	tarball = path.join(dir, packed.stdout.trim().split('\n').at(-1)!);
	const prefix = path.join(dir, 'prefix');
	const installed = await exec('npm', ['install', '-g', tarball, '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline'], {timeoutMs: 240_000});
	expect(installed.code, installed.stderr).toBe(0);
	bin = path.join(prefix, 'bin');
	// Only the prefix and the system directories: nothing from the checkout.
	env = {PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir};
	fleet = await startTestFleet({managed: 1, standalone: 0, bare: 0});
}, 300_000);

afterAll(async () => {
	await fleet?.stop();
	if (dir) fs.rmSync(dir, {recursive: true, force: true});
}, 60_000);

describe('npm install -g of the packed tarball', () => {
	it('puts calico-mcm and kubectl-calico_mcm on PATH, both working, run from anywhere', async () => {
		expect(Object.keys(pkg.bin).sort()).toEqual(['calico-mcm', 'kubectl-calico_mcm']);
		for (const name of ['calico-mcm', 'kubectl-calico_mcm']) {
			expect(fs.existsSync(path.join(bin, name))).toBe(true);
			const version = await exec(name, ['version'], {env, cwd: dir});
			expect(version).toMatchObject({code: 0, stdout: `${pkg.version}\n`});
			const status = await exec(name, ['status', '--kubeconfig', fleet.kubeconfigPath], {env, cwd: dir});
			expect(status.stderr).toBe('');
			expect(status.code).toBe(0);
			expect(status.stdout).toMatch(/^mgmt\s+management\s+v3\.24\.0/m);
		}
		const usage = await exec('calico-mcm', ['--help'], {env, cwd: dir});
		expect(usage.stdout).toContain('kubectl calico-mcm');
	}, 60_000);

	it.runIf(kubectl)('kubectl finds it as a plugin: `kubectl calico-mcm version` and `kubectl plugin list`', async () => {
		const version = await exec(kubectl!, ['calico-mcm', 'version'], {env, cwd: dir});
		expect(version.stderr).toBe('');
		expect(version).toMatchObject({code: 0, stdout: `${pkg.version}\n`});
		const status = await exec(kubectl!, ['calico-mcm', 'status', '--kubeconfig', fleet.kubeconfigPath, '--json'], {env, cwd: dir});
		expect(status.code, status.stderr).toBe(0);
		expect(JSON.parse(status.stdout)).toMatchObject({kind: 'FleetStatus', summary: {total: 2, healthy: 2}});
		const list = await exec(kubectl!, ['plugin', 'list'], {env, cwd: dir});
		expect(list.stdout).toContain(path.join(bin, 'kubectl-calico_mcm'));
	}, 60_000);
	it.skipIf(kubectl)('kubectl is not installed at /usr/lib/google-cloud-sdk/bin: the plugin check is skipped', () => undefined);

	it('krew/manifest.mjs makes a krew manifest for the tarball: its sha256, the plugin binary, the version', async () => {
		const made = await exec(process.execPath, [path.join(repo, 'krew/manifest.mjs'), tarball]);
		expect(made.code, made.stderr).toBe(0);
		const manifest = yaml.load(made.stdout) as {
			apiVersion: string;
			kind: string;
			metadata: {name: string};
			spec: {version: string; platforms: Array<{bin: string; uri: string; sha256: string}>};
		};
		expect(manifest).toMatchObject({apiVersion: 'krew.googlecontainertools.github.com/v1alpha2', kind: 'Plugin', metadata: {name: 'calico-mcm'}, spec: {version: `v${pkg.version}`}});
		const sha256 = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex');
		expect(manifest.spec.platforms.length).toBeGreaterThan(0);
		for (const platform of manifest.spec.platforms) {
			expect(platform).toMatchObject({bin: 'kubectl-calico_mcm', sha256});
			expect(platform.uri).toContain(`calico-mcm-${pkg.version}.tgz`);
		}
	});
});
