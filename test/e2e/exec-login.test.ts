// Exec credential plugins that need a person, seen as the user sees them: the console lends the real
// terminal to a plugin with interactiveMode Always (its prompt on the normal screen, its stdin the
// terminal), then comes back to the alternate screen with every cluster shown; off a terminal, the
// row says which context needs a login and how. dist/cli.js must be built first.
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {cliPath, startConsole} from './console-screen.js';

type Kubeconfig = {users: Array<{name: string; user: Record<string, unknown>}>; contexts: Array<{name: string; context: {user: string}}>};

let fleet: TestFleet;
let dir: string;

const pluginScript = `#!/bin/sh
echo "$KUBERNETES_EXEC_INFO" > "$STATE_DIR/info.json"
echo run >> "$STATE_DIR/runs"
if [ -t 0 ]; then echo tty > "$STATE_DIR/stdin"; else echo not-a-tty > "$STATE_DIR/stdin"; fi
if [ -n "$FAIL_WITH" ]; then echo "$FAIL_WITH" >&2; exit 4; fi
printf 'Enter the code shown at https://login.example.com: ' >&2
read code
if [ "$code" != "4711" ]; then echo "wrong code" >&2; exit 1; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN"
`;

/** The fleet's kubeconfig with standalone-1's user replaced by the login plugin. */
function kubeconfigWithPlugin(name: string, mode: string, env: Record<string, string> = {}): {file: string; state: string} {
	const doc = yaml.load(fs.readFileSync(fleet.kubeconfigPath, 'utf8')) as Kubeconfig;
	const userName = doc.contexts.find(c => c.name === 'standalone-1')!.context.user;
	const user = doc.users.find(u => u.name === userName)!;
	const token = user.user.token as string;
	const state = fs.mkdtempSync(path.join(dir, `${name}-`));
	user.user = {
		exec: {
			apiVersion: 'client.authentication.k8s.io/v1',
			command: path.join(dir, 'sso-login'),
			interactiveMode: mode,
			provideClusterInfo: true,
			env: Object.entries({TOKEN: token, STATE_DIR: state, ...env}).map(([n, value]) => ({name: n, value})),
		},
	};
	const file = path.join(dir, `${name}.kubeconfig`);
	fs.writeFileSync(file, yaml.dump(doc), {mode: 0o600});
	return {file, state};
}

beforeAll(async () => {
	if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npx tsc -p .\` first`);
	fleet = await startTestFleet({managed: 1, standalone: 1, bare: 0});
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-login-'));
	fs.writeFileSync(path.join(dir, 'sso-login'), pluginScript, {mode: 0o755});
}, 60_000);

afterAll(async () => {
	await fleet?.stop();
	if (dir) fs.rmSync(dir, {recursive: true, force: true});
});

function status(kubeconfig: string): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		const child = execFile(process.execPath, [cliPath, 'status', '--json', '--kubeconfig', kubeconfig, '--request-timeout', '5s'], {timeout: 30_000}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
		child.stdin?.end();
	});
}

const apiError = (stdout: string, id: string) => (JSON.parse(stdout) as {clusters: Array<{id: string; api: {error?: string}}>}).clusters.find(c => c.id === id)?.api.error ?? '';

describe('a login that needs a person', () => {
	it('the console hands the terminal to the plugin, then comes back with every cluster', async () => {
		const {file, state} = kubeconfigWithPlugin('console', 'Always');
		const screen = startConsole(['--kubeconfig', file], {cols: 120, rows: 30});
		try {
			await screen.waitFor(t => t.includes('Enter the code shown at https://login.example.com:'), 'the plugin prompt', 30_000);
			expect(screen.bufferType()).toBe('normal');
			expect(screen.text()).toContain('context standalone-1 needs a login: exec plugin');
			expect(fs.readFileSync(path.join(state, 'stdin'), 'utf8').trim()).toBe('tty');
			screen.write('4711\r');
			await screen.waitFor(() => screen.bufferType() === 'alternate' && /3 healthy/.test(screen.text()), 'the console back with three healthy clusters', 30_000);
			// provideClusterInfo: KUBERNETES_EXEC_INFO as client-go builds it, interactive this time.
			const info = JSON.parse(fs.readFileSync(path.join(state, 'info.json'), 'utf8')) as {spec: {interactive: boolean; cluster: Record<string, unknown>}};
			expect(info.spec.interactive).toBe(true);
			expect(info.spec.cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
			expect(String(info.spec.cluster['certificate-authority-data'])).toMatch(/^[A-Za-z0-9+/]+=*$/);
			// Keys work again.
			screen.write('q');
			expect(await screen.exited).toMatchObject({exitCode: 0});
		} finally {
			screen.kill('SIGKILL');
		}
	}, 90_000);

	it('a login that fails gives the terminal back and is not offered again at every retry', async () => {
		const {file, state} = kubeconfigWithPlugin('wrong-code', 'Always');
		const screen = startConsole(['--kubeconfig', file], {cols: 160, rows: 30});
		try {
			await screen.waitFor(t => t.includes('Enter the code shown at https://login.example.com:'), 'the plugin prompt', 30_000);
			screen.write('0000\r');
			await screen.waitFor(() => screen.bufferType() === 'alternate' && /2 healthy/.test(screen.text()), 'the console back with two healthy clusters', 30_000);
			await screen.waitFor(t => /standalone-1 +unknown .*unauthorized .*exec plugin "/.test(t), 'standalone-1 unauthorized by its exec plugin', 30_000);
			// The row keeps retrying, but the prompt does not come back.
			await new Promise(r => setTimeout(r, 8000));
			expect(screen.bufferType()).toBe('alternate');
			expect(fs.readFileSync(path.join(state, 'runs'), 'utf8').trim().split('\n')).toHaveLength(1);
			screen.write('q');
			expect(await screen.exited).toMatchObject({exitCode: 0});
		} finally {
			screen.kill('SIGKILL');
		}
	}, 90_000);

	it('off a terminal, the row names the context that needs a login and the command to run', async () => {
		const {file} = kubeconfigWithPlugin('status', 'Always');
		const r = await status(file);
		expect(r.code).toBe(1);
		expect(apiError(r.stdout, 'standalone-1')).toMatch(
			/^context standalone-1 needs a login: exec plugin ".*sso-login" must prompt \(interactiveMode Always\) and there is no terminal here; log in first by running `.*sso-login` in a terminal, or start calico-mcm in one$/,
		);
		expect(apiError(r.stdout, 'mgmt')).toBe('');
	}, 30_000);

	it('a failing plugin with interactiveMode Never: its stderr (secrets masked), context, and how to log in', async () => {
		const {file} = kubeconfigWithPlugin('never', 'Never', {FAIL_WITH: 'error: refresh token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcmUifQ.c2lnbmF0dXJl expired'});
		const r = await status(file);
		expect(r.code).toBe(1);
		const error = apiError(r.stdout, 'standalone-1');
		expect(error).toMatch(/^exec plugin ".*sso-login" exited with code 4 \(context standalone-1\): error: refresh token <token masked, \d+ chars> expired; if it needs a login \(interactiveMode Never\), run `.*sso-login` in a terminal first$/);
		expect(r.stdout + r.stderr).not.toContain('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcmUifQ');
	}, 30_000);

	it('a plugin path that does not exist names the context and the fix', async () => {
		const {file} = kubeconfigWithPlugin('missing', 'Never');
		fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(path.join(dir, 'sso-login'), path.join(dir, 'no-such-plugin')));
		const r = await status(file);
		expect(r.code).toBe(1);
		expect(apiError(r.stdout, 'standalone-1')).toBe(`exec plugin "${path.join(dir, 'no-such-plugin')}" not found at ${path.join(dir, 'no-such-plugin')} (context standalone-1); install it or fix users[].user.exec.command in the kubeconfig`);
	}, 30_000);
});
