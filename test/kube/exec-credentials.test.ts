import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {certificateAuthorityData} from '../../source/sim/tls.js';
import {kubeconfigFor, sendJson, startServer, status, writeKubeconfig, rejection} from './fake-api.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// A fake plugin: counts its runs in a file, records what it was given, answers with token tok-<run>.
const pluginSource = `#!/usr/bin/env node
const fs = require('node:fs');
const runs = fs.existsSync(process.env.COUNT_FILE) ? fs.readFileSync(process.env.COUNT_FILE, 'utf8').split('\\n').filter(Boolean).length : 0;
const run = runs + 1;
fs.appendFileSync(process.env.COUNT_FILE, JSON.stringify({args: process.argv.slice(2), info: JSON.parse(process.env.KUBERNETES_EXEC_INFO)}) + '\\n');
if (process.env.PLUGIN_FAIL) { process.stderr.write('error: gcloud credentials expired; run gcloud auth login\\n'); process.exit(3); }
const status = {token: 'tok-' + run};
if (process.env.EXPIRES_IN) status.expirationTimestamp = new Date(Date.now() + Number(process.env.EXPIRES_IN) * 1000).toISOString();
setTimeout(() => process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status})), Number(process.env.DELAY_MS || 0));
`;

type PluginSetup = {env?: Record<string, string>; command?: string; apiVersion?: string};

async function setup(accept: (token: string) => boolean, plugin: PluginSetup = {}) {
	const s = await startServer((req, res) => {
		const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
		if (accept(token)) sendJson(res, 200, {token});
		else sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
		// HTTPS: a plugin's credential goes only to a TLS server (no plugin runs for http://).
	}, 0, {tls: true});
	cleanups.push(() => s.close());
	const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'exec-plugin-'));
	const script = path.join(dir, 'fake-auth-plugin');
	fs.writeFileSync(script, pluginSource, {mode: 0o755});
	const countFile = path.join(dir, 'runs');
	const env = {COUNT_FILE: countFile, ...plugin.env};
	const exec = [
		'exec:',
		`  apiVersion: ${plugin.apiVersion ?? 'client.authentication.k8s.io/v1'}`,
		`  command: ${plugin.command ?? script}`,
		'  args: ["get-token", "--cluster", "c1"]',
		'  provideClusterInfo: true',
		'  env:',
		...Object.entries(env).map(([name, value]) => `  - {name: ${name}, value: "${value}"}`),
	].join('\n');
	const {file} = writeKubeconfig(kubeconfigFor([{name: 'gke-a', server: s.url, extraUser: exec}]));
	const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 10_000}).get('gke-a')!;
	cleanups.push(() => client.close());
	const runs = () => (fs.existsSync(countFile) ? fs.readFileSync(countFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as {args: string[]; info: unknown}) : []);
	return {server: s, client, runs};
}

const get = (client: ClusterClient) => client.request<{token: string}>({path: '/api/v1/namespaces'});

describe('exec credential plugins', () => {
	it('runs the plugin once for many concurrent requests and reuses the credential', async () => {
		const {client, runs, server} = await setup(() => true, {env: {DELAY_MS: '200'}});
		const answers = await Promise.all(Array.from({length: 12}, () => get(client)));
		expect(answers.map((a) => a.token)).toEqual(Array(12).fill('tok-1'));
		for (let i = 0; i < 5; i++) await get(client);
		expect(runs()).toHaveLength(1);
		expect(server.requests).toHaveLength(17);
		// It got its args, and KUBERNETES_EXEC_INFO with the cluster (provideClusterInfo).
		const [run] = runs();
		expect(run!.args).toEqual(['get-token', '--cluster', 'c1']);
		expect(run!.info).toMatchObject({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: {interactive: false, cluster: {server: server.url}}});
	});

	it('keeps a credential until shortly before its expiry, then runs the plugin again', async () => {
		const longLived = await setup(() => true, {env: {EXPIRES_IN: '3600'}});
		for (let i = 0; i < 4; i++) await get(longLived.client);
		expect(longLived.runs()).toHaveLength(1);
		// Expiring within the refresh margin: every request needs a new one.
		const shortLived = await setup(() => true, {env: {EXPIRES_IN: '2'}});
		const tokens = [];
		for (let i = 0; i < 3; i++) tokens.push((await get(shortLived.client)).token);
		expect(tokens).toEqual(['tok-1', 'tok-2', 'tok-3']);
	});

	it('refreshes the credential once on a 401 and retries', async () => {
		const {client, runs} = await setup((token) => token !== 'tok-1');
		expect((await get(client)).token).toBe('tok-2');
		expect(runs()).toHaveLength(2);
		expect((await get(client)).token).toBe('tok-2');
		expect(runs()).toHaveLength(2);
	});

	it('gives up after one refresh when the server keeps refusing', async () => {
		const {client, runs} = await setup(() => false);
		const error = await rejection(get(client));
		expect(error.kind).toBe('unauthorized');
		expect(runs()).toHaveLength(2);
	});

	it('names a plugin that is not installed', async () => {
		const {client} = await setup(() => true, {command: 'calico-mcm-test-no-such-plugin'});
		const error = await rejection(get(client));
		expect(error.kind).toBe('exec');
		expect(error.message).toBe('exec plugin "calico-mcm-test-no-such-plugin" not found on PATH (context gke-a); install it or fix users[].user.exec.command in the kubeconfig');
	});

	it('reports the stderr of a plugin that fails', async () => {
		const {client} = await setup(() => true, {env: {PLUGIN_FAIL: '1'}});
		const error = await rejection(get(client));
		expect(error.kind).toBe('exec');
		expect(error.message).toContain('exited with code 3 (context gke-a): error: gcloud credentials expired; run gcloud auth login');
		expect(error.message).toContain('fake-auth-plugin');
	});

	it('refuses an ExecCredential apiVersion it does not speak', async () => {
		const {client, runs} = await setup(() => true, {apiVersion: 'client.authentication.k8s.io/v1alpha1'});
		const error = await rejection(get(client));
		expect(error.message).toContain('client.authentication.k8s.io/v1alpha1, which is not supported');
		expect(runs()).toHaveLength(0);
	});

	it('shares one plugin run among contexts of the same user, and names each context in errors', async () => {
		const s = await startServer((req, res) => sendJson(res, 200, {token: (req.headers.authorization ?? '').replace(/^Bearer /, '')}), 0, {tls: true});
		const ca = certificateAuthorityData();
		cleanups.push(() => s.close());
		const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'exec-shared-'));
		const script = path.join(dir, 'fake-auth-plugin');
		fs.writeFileSync(script, pluginSource, {mode: 0o755});
		const countFile = path.join(dir, 'runs');
		const kubeconfig = (env: string) =>
			[
				'apiVersion: v1',
				'kind: Config',
				'clusters:',
				`- {name: c1, cluster: {server: "${s.url}", certificate-authority-data: ${ca}}}`,
				`- {name: c2, cluster: {server: "${s.url}", certificate-authority-data: ${ca}}}`,
				'users:',
				`- {name: sso, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${script}, env: [{name: COUNT_FILE, value: "${countFile}"}${env}]}}}`,
				'contexts:',
				'- {name: east, context: {cluster: c1, user: sso}}',
				'- {name: west, context: {cluster: c2, user: sso}}',
			].join('\n');
		const clients = createClients(loadKubeconfig({kubeconfig: writeKubeconfig(kubeconfig(', {name: DELAY_MS, value: "100"}')).file}), {requestTimeoutMs: 10_000});
		cleanups.push(() => clients.forEach((c) => c.close()));
		const tokens = await Promise.all([...clients.values()].flatMap((c) => [get(c), get(c)]));
		expect(tokens.map((t) => t.token)).toEqual(['tok-1', 'tok-1', 'tok-1', 'tok-1']);
		expect(fs.readFileSync(countFile, 'utf8').trim().split('\n')).toHaveLength(1);

		const failing = createClients(loadKubeconfig({kubeconfig: writeKubeconfig(kubeconfig(', {name: PLUGIN_FAIL, value: "1"}')).file}), {requestTimeoutMs: 10_000});
		cleanups.push(() => failing.forEach((c) => c.close()));
		const [east, west] = await Promise.all([rejection(get(failing.get('east')!)), rejection(get(failing.get('west')!))]);
		expect(east.message).toContain('(context east)');
		expect(east.context).toBe('east');
		expect(west.message).toContain('(context west)');
		expect(west.context).toBe('west');
	});
});
