import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startConsole} from '../e2e/console-screen.js';
import {kubeconfigFor, sendJson, startServer, writeKubeconfig} from './fake-api.js';
import {cliPath as cli} from '../helpers/cli.js';

// An exec credential plugin that never answers (a browser login nobody completes), and whose own child
// keeps stdout and stderr open: killing only the plugin's pid would leave the pipes open and the
// process alive. The plugin must be bounded by the request timeout, its whole process group killed,
// and the error must name the plugin and the context, not the API server.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function setup() {
	// HTTPS: no plugin runs for an http:// server (its credential would not be sent).
	const server = await startServer((_req, res) => sendJson(res, 200, {kind: 'NamespaceList', items: []}), 0, {tls: true});
	cleanups.push(() => server.close());
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-hang-'));
	const script = path.join(dir, 'sso-login');
	fs.writeFileSync(
		script,
		['#!/bin/sh', `echo $$ > "${dir}/plugin.pid"`, 'sleep 300 &', `echo $! > "${dir}/child.pid"`, 'echo "waiting for the browser login" >&2', 'wait', ''].join('\n'),
		{mode: 0o755},
	);
	const exec = ['exec:', '  apiVersion: client.authentication.k8s.io/v1', `  command: ${script}`, '  interactiveMode: Never'].join('\n');
	const {file} = writeKubeconfig(kubeconfigFor([{name: 'eks-prod', server: server.url, extraUser: exec}]));
	const pids = () => ['plugin.pid', 'child.pid'].map(f => path.join(dir, f)).filter(f => fs.existsSync(f)).map(f => Number(fs.readFileSync(f, 'utf8').trim()));
	cleanups.push(() => {
		for (const pid of pids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
		fs.rmSync(dir, {recursive: true, force: true});
	});
	return {server, file, pids, script};
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) return false;
		await new Promise(r => setTimeout(r, 50));
	}
	return true;
}

describe('a hanging exec credential plugin', () => {
	it('fails the request after the request timeout, naming plugin and context, and kills its process group', async () => {
		const {file, pids, server, script} = await setup();
		const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 1500}).get('eks-prod')!;
		cleanups.push(() => client.close());
		const started = Date.now();
		const error = await client.request({path: '/api/v1/namespaces'}).then(
			() => undefined,
			(e: unknown) => e,
		);
		const took = Date.now() - started;
		expect(error).toBeInstanceOf(KubeError);
		expect((error as KubeError).kind).toBe('exec');
		expect((error as KubeError).message).toContain(`exec plugin "${script}"`);
		expect((error as KubeError).message).toContain('context eks-prod');
		expect((error as KubeError).message).toMatch(/no credential within 1\.5s/);
		expect((error as KubeError).message).toContain('waiting for the browser login');
		expect(took).toBeLessThan(8000);
		// Nothing was sent to the server, and the plugin and the child holding its pipes are gone.
		expect(server.requests).toHaveLength(0);
		expect(pids()).toHaveLength(2);
		expect(await waitUntil(() => pids().every(pid => !alive(pid)), 3000)).toBe(true);
	}, 20_000);

	it('`status --request-timeout 2s` prints its table and exits on time', async () => {
		const {file, pids, script} = await setup();
		const started = Date.now();
		const result = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
			const child = spawn(process.execPath, [cli, 'status', '--kubeconfig', file, '--request-timeout', '2s']);
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', d => (stdout += d));
			child.stderr.on('data', d => (stderr += d));
			const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
			child.on('error', reject);
			child.on('close', code => {
				clearTimeout(killer);
				resolve({code, stdout, stderr});
			});
		});
		const took = Date.now() - started;
		expect(result.code, result.stderr).toBe(1);
		expect(took).toBeLessThan(15_000);
		const all = result.stdout + result.stderr;
		expect(all).toContain('eks-prod');
		expect(all).toContain(`exec plugin "${script}"`);
		expect(all).not.toMatch(/no answer within 2s \(GET/);
		expect(await waitUntil(() => pids().every(pid => !alive(pid)), 3000)).toBe(true);
	}, 40_000);

	it('the console exits promptly after q while the plugin hangs', async () => {
		const {file, pids} = await setup();
		const screen = startConsole(['--kubeconfig', file, '--request-timeout', '30s'], {cols: 120, rows: 30});
		cleanups.push(() => screen.kill('SIGKILL'));
		await screen.waitFor(t => t.includes('eks-prod'), 'the row of eks-prod');
		expect(await waitUntil(() => pids().length === 2, 10_000)).toBe(true);
		const started = Date.now();
		screen.write('q');
		const exit = await Promise.race([screen.exited, new Promise(r => setTimeout(() => r('still running'), 10_000))]);
		expect(exit).toMatchObject({exitCode: 0});
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(await waitUntil(() => pids().every(pid => !alive(pid)), 3000)).toBe(true);
	}, 60_000);
});
