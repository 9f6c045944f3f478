import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {cliPath} from './console-screen.js';

// How the console refuses to start, without a terminal: every message names the problem and the fix.

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-home-'));
afterAll(() => fs.rmSync(home, {recursive: true, force: true}));

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{code: number; stdout: string; stderr: string}> {
	const base: Record<string, string | undefined> = {...process.env, HOME: home, KUBECONFIG: undefined, ...env};
	for (const k of Object.keys(base)) if (base[k] === undefined) delete base[k];
	return new Promise(resolve => {
		execFile(process.execPath, [cliPath, ...args], {env: base as NodeJS.ProcessEnv, timeout: 20_000}, (error, stdout, stderr) => {
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

describe('console start-up errors', () => {
	test('no kubeconfig at all: says so and how to start the demo, exit 2', async () => {
		const r = await run([]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('no kubeconfig found');
		expect(r.stderr).toContain(path.join(home, '.kube', 'config'));
		expect(r.stderr).toContain('calico-mcm --demo');
	});

	test('an unknown flag: exit 2 with a message naming it', async () => {
		const r = await run(['--demo', '--bogus']);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('--bogus');
	});

	test('demo sizes without --demo, and bad counts, are refused', async () => {
		const a = await run(['--managed', '3']);
		expect(a.code).toBe(2);
		expect(a.stderr).toContain('--managed only applies to the demo fleet');
		const b = await run(['--demo', '--managed', 'many']);
		expect(b.code).toBe(2);
		expect(b.stderr).toContain('invalid --managed "many"');
	});

	test('a kubeconfig that does not exist is named, before the screen changes', async () => {
		const r = await run(['--kubeconfig', path.join(home, 'nope.yaml')]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('nope.yaml');
		expect(r.stdout).not.toContain('\u001B[?1049h');
	});

	test('without a terminal the console says to use `status`', async () => {
		const file = path.join(home, 'config.yaml');
		fs.writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n', {mode: 0o600});
		const r = await run(['--kubeconfig', file]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('needs a terminal');
		expect(r.stderr).toContain('calico-mcm status');
	});
});
