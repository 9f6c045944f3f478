// Clusters behind proxies, end to end: real HTTP CONNECT and SOCKS5 proxies on 127.0.0.1 in front of
// the simulator, the built CLI (status, run, the console in a pty) and the real kubectl through the
// same proxies, so both are seen to agree. dist/bundle/cli.js must be built first (`npm run build`).
import {execFile} from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {refusingPort, startHangingProxy, startHttpProxy, startSocksProxy, type TestProxy} from '../helpers/proxies.js';
import {cliPath, startConsole} from './console-screen.js';

type Kubeconfig = {
	clusters: Array<{name: string; cluster: Record<string, unknown> & {server: string}}>;
	users: Array<{name: string; user: {token: string}}>;
	contexts: Array<{name: string}>;
};
type Result = {code: number; stdout: string; stderr: string; ms: number};

// Any kubectl release on the machine (see the README); the tests that need one say so when it is missing.
const kubectl = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.33', '/usr/lib/google-cloud-sdk/bin/kubectl'].find(f => fs.existsSync(f));

let fleet: TestFleet;
let base: Kubeconfig;
let tokens: string[];
let dir: string;
const proxies: TestProxy[] = [];

function exec(file: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Result> {
	const started = Date.now();
	return new Promise(resolve => {
		const child = execFile(file, args, {timeout: timeoutMs, env: {...process.env, CI: 'true', XDG_STATE_HOME: path.join(dir, 'state'), ...env}, cwd: dir}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof (error as {code?: unknown}).code === 'number' ? ((error as {code: number}).code) : -1) : 0, stdout, stderr, ms: Date.now() - started});
		});
		child.stdin?.end();
	});
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => exec(process.execPath, [cliPath, ...args], env);

/** The fleet's kubeconfig with every cluster changed by `edit`, written to a new file. */
function variant(name: string, edit: (cluster: Kubeconfig['clusters'][number]['cluster'], clusterName: string) => void): string {
	const doc = structuredClone(base);
	for (const entry of doc.clusters) edit(entry.cluster, entry.name);
	const file = path.join(dir, `${name}.kubeconfig`);
	fs.writeFileSync(file, yaml.dump(doc), {mode: 0o600});
	return file;
}

const viaProxy = (name: string, url: string) => variant(name, cluster => void (cluster['proxy-url'] = url));

function portOf(context: string): string {
	return new URL(base.clusters.find(c => c.name === context)!.cluster.server).port;
}

function statusJson(stdout: string): Record<string, {health: string; api: {state: string; error?: string}}> {
	const doc = JSON.parse(stdout) as {clusters: Array<{id: string; health: string; api: {state: string; error?: string}}>};
	return Object.fromEntries(doc.clusters.map(c => [c.id, c]));
}

function expectNoTokenIn(proxy: TestProxy): void {
	const bytes = proxy.received();
	expect(bytes.length).toBeGreaterThan(0);
	for (const token of tokens) expect(bytes.includes(Buffer.from(token))).toBe(false);
}

beforeAll(async () => {
	if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npx tsc -p .\` first`);
	fleet = await startTestFleet({managed: 1, standalone: 1, bare: 0});
	base = yaml.load(fs.readFileSync(fleet.kubeconfigPath, 'utf8')) as Kubeconfig;
	tokens = base.users.map(u => u.user.token);
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-proxy-'));
}, 60_000);

afterAll(async () => {
	for (const proxy of proxies) await proxy.close();
	await fleet?.stop();
	if (dir) fs.rmSync(dir, {recursive: true, force: true});
});

async function proxy<T extends TestProxy>(started: Promise<T>): Promise<T> {
	const p = await started;
	proxies.push(p);
	return p;
}

describe.each([
	{scheme: 'http', start: () => startHttpProxy()},
	{scheme: 'socks5', start: () => startSocksProxy()},
	{scheme: 'socks5h', start: () => startSocksProxy()},
])('through a $scheme proxy (proxy-url)', ({scheme, start}) => {
	it('status and run work, every server is reached through the proxy, and no token crosses it in clear text', async () => {
		const p = await proxy(start());
		const kubeconfig = viaProxy(`${scheme}-proxy`, p.url.replace(/^\w+:/, `${scheme}:`));
		const status = await cli(['status', '--json', '--kubeconfig', kubeconfig]);
		expect(status.stderr).toBe('');
		expect(status.code).toBe(0);
		const rows = statusJson(status.stdout);
		expect(Object.values(rows).map(r => r.health)).toEqual(['healthy', 'healthy', 'healthy']);
		expect(new Set(p.targets)).toEqual(new Set(base.clusters.map(c => `127.0.0.1:${portOf(c.name)}`)));

		const run = await cli(['run', 'create-admin', '--context', 'mgmt', '--user', `via-${scheme}`, '--yes', '--kubeconfig', kubeconfig]);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/\[3\/3\] done/);
		expect(fleet.get('mgmt', 'v1', 'ServiceAccount', `via-${scheme}`, 'default')).toBeDefined();
		expectNoTokenIn(p);
	}, 90_000);
});

describe('the real kubectl through the same proxies', () => {
	it.runIf(kubectl)('agrees: http and socks5 proxy-url work', async () => {
		for (const scheme of ['http', 'socks5']) {
			const p = await proxy(scheme === 'http' ? startHttpProxy() : startSocksProxy());
			const kubeconfig = viaProxy(`kubectl-${scheme}`, p.url);
			const r = await exec(kubectl!, ['--kubeconfig', kubeconfig, '--context', 'mgmt', 'get', 'tigerastatus', '-o', 'name']);
			expect(r.stderr).toBe('');
			expect(r.code).toBe(0);
			expect(r.stdout).toContain('tigerastatus.operator.tigera.io/');
			expect(p.targets).toContain(`127.0.0.1:${portOf('mgmt')}`);
			expectNoTokenIn(p);
		}
	}, 60_000);
	it.skipIf(kubectl)('kubectl is not installed at /usr/lib/google-cloud-sdk/bin: skipped the comparison with kubectl', () => undefined);
});

describe('proxies from the environment', () => {
	// Go (so kubectl) never proxies localhost or a loopback address taken from the environment: these
	// tests reach the simulator by this host's name, which must resolve to a loopback address.
	let hostname: string | undefined;
	beforeAll(async () => {
		const name = os.hostname();
		const address = await dns.lookup(name).catch(() => undefined);
		if (address && /^127\./.test(address.address) && name !== 'localhost') hostname = name;
	});

	it('HTTPS_PROXY is used, NO_PROXY (with a port) bypasses it, and kubectl agrees', async ({skip}) => {
		if (!hostname) return skip(`${os.hostname()} does not resolve to a loopback address here`);
		const p = await proxy(startHttpProxy());
		const kubeconfig = variant('env', cluster => {
			cluster.server = cluster.server.replace('127.0.0.1', hostname!);
			// The simulator's certificate is for localhost and 127.0.0.1.
			cluster['tls-server-name'] = 'localhost';
		});
		const env = {HTTPS_PROXY: p.url, NO_PROXY: `example.com,10.0.0.0/8,${hostname}:${portOf('standalone-1')}`};
		const status = await cli(['status', '--json', '--kubeconfig', kubeconfig], env);
		expect(status.stderr).toBe('');
		expect(status.code).toBe(0);
		expect(Object.values(statusJson(status.stdout)).every(r => r.health === 'healthy')).toBe(true);
		expect(new Set(p.targets)).toEqual(new Set([`${hostname}:${portOf('mgmt')}`, `${hostname}:${portOf('managed-1')}`]));
		expectNoTokenIn(p);
		if (!kubectl) return;
		const before = p.targets.length;
		const direct = await exec(kubectl, ['--kubeconfig', kubeconfig, '--context', 'standalone-1', 'get', '--raw', '/version'], env);
		expect(direct.code, direct.stderr).toBe(0);
		expect(p.targets.length).toBe(before);
		const proxied = await exec(kubectl, ['--kubeconfig', kubeconfig, '--context', 'mgmt', 'get', '--raw', '/version'], env);
		expect(proxied.code, proxied.stderr).toBe(0);
		expect(p.targets.slice(before)).toEqual([`${hostname}:${portOf('mgmt')}`]);

		// socks5h:// in the environment (kubectl takes it there, not in proxy-url): the proxy resolves the name.
		const s = await proxy(startSocksProxy());
		const socksEnv = {HTTPS_PROXY: s.url.replace('socks5:', 'socks5h:'), NO_PROXY: ''};
		const viaSocks = await cli(['status', '--json', '--kubeconfig', kubeconfig], socksEnv);
		expect(viaSocks.code, viaSocks.stderr).toBe(0);
		expect(s.targets).toHaveLength(3);
		expect(s.targets.every(t => t.startsWith(`${hostname}:`))).toBe(true);
		const k = await exec(kubectl, ['--kubeconfig', kubeconfig, '--context', 'standalone-1', 'get', '--raw', '/version'], socksEnv);
		expect(k.code, k.stderr).toBe(0);
		expect(s.targets.at(-1)).toBe(`${hostname}:${portOf('standalone-1')}`);
		expectNoTokenIn(s);
	}, 60_000);

	it('a proxy variable that is not a proxy URL is a usage error naming it', async () => {
		const r = await cli(['status', '--kubeconfig', fleet.kubeconfigPath], {HTTPS_PROXY: 'ftp://proxy.example.com:21'});
		// Loopback servers never use an environment proxy, as in Go: the bad value is not even read.
		expect(r.code).toBe(0);
		const named = variant('env-bad', cluster => void (cluster.server = cluster.server.replace('127.0.0.1', 'api.example.com')));
		const bad = await cli(['status', '--kubeconfig', named], {HTTPS_PROXY: 'ftp://proxy.example.com:21'});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/^calico-mcm: HTTPS_PROXY="ftp:\/\/proxy\.example\.com:21" is not a proxy URL calico-mcm can use \(cluster "mgmt"\)/);
	}, 30_000);
});

describe('a proxy that fails is a row state with a clear message, never a hang', () => {
	it('refused, hanging and 407 proxies: status ends on time naming the proxy; kubectl fails too', async () => {
		const refused = `http://127.0.0.1:${await refusingPort()}`;
		const hanging = await proxy(startHangingProxy());
		const auth = await proxy(startHttpProxy({auth: {user: 'sre', password: 's3cret'}}));
		const cases = [
			{name: 'refused', url: refused, message: /cannot reach proxy http:\/\/127\.0\.0\.1:\d+ \(proxy-url of cluster "mgmt" in .*refused\.kubeconfig\): connection refused/},
			{name: 'hanging', url: hanging.url, message: /proxy http:\/\/127\.0\.0\.1:\d+ \(proxy-url of cluster "mgmt" in .*\) did not open a tunnel to 127\.0\.0\.1:\d+ within 2s/},
			{name: 'socks-refused', url: refused.replace('http:', 'socks5:'), message: /cannot reach proxy socks5:\/\/127\.0\.0\.1:\d+ .*connection refused/},
			{name: 'auth', url: auth.url, message: /proxy http:\/\/127\.0\.0\.1:\d+ \(proxy-url of cluster "mgmt" in .*\) answered 407 Proxy Authentication Required to CONNECT 127\.0\.0\.1:\d+; the proxy wants credentials: put them in the proxy URL/},
		];
		for (const c of cases) {
			const kubeconfig = viaProxy(c.name, c.url);
			const r = await cli(['status', '--json', '--kubeconfig', kubeconfig, '--request-timeout', '2s']);
			expect(r.code, `${c.name}: ${r.stderr}`).toBe(1);
			expect(r.ms, c.name).toBeLessThan(15_000);
			const mgmt = statusJson(r.stdout).mgmt!;
			expect(mgmt.health, c.name).toBe('unreachable');
			expect(mgmt.api.error, c.name).toMatch(c.message);
			if (kubectl) {
				const k = await exec(kubectl, ['--kubeconfig', kubeconfig, '--context', 'mgmt', '--request-timeout', '2s', 'get', '--raw', '/version'], {}, 30_000);
				expect(k.code, `kubectl through the ${c.name} proxy`).not.toBe(0);
			}
		}
		// With the credentials in the proxy URL, both get through; neither shows the password.
		const withCredentials = viaProxy('auth-ok', auth.url.replace('http://', 'http://sre:s3cret@'));
		const ok = await cli(['status', '--json', '--kubeconfig', withCredentials]);
		expect(ok.code, ok.stderr).toBe(0);
		if (kubectl) expect((await exec(kubectl, ['--kubeconfig', withCredentials, '--context', 'mgmt', 'get', '--raw', '/version'])).code).toBe(0);
	}, 120_000);

	it('a proxy-url with an unknown scheme is a usage error naming file, line and fix', async () => {
		const kubeconfig = viaProxy('bad-scheme', 'ftp://127.0.0.1:21');
		const r = await cli(['status', '--kubeconfig', kubeconfig]);
		expect(r.code).toBe(2);
		const line = fs.readFileSync(kubeconfig, 'utf8').split('\n').indexOf('  - name: mgmt') + 1;
		expect(line).toBeGreaterThan(0);
		expect(r.stderr.split('\n')[0]).toBe(`calico-mcm: proxy-url of cluster "mgmt" in ${kubeconfig} line ${line}: unknown proxy scheme "ftp"; use http, https, socks5 or socks5h`);
		expect(r.stderr).toContain('fix:');
	}, 30_000);
});

describe('the console through proxies', () => {
	it('shows clusters behind http and SOCKS5 proxies, and a refusing proxy as an unreachable row', async () => {
		const http = await proxy(startHttpProxy());
		const socks = await proxy(startSocksProxy());
		const refused = `http://127.0.0.1:${await refusingPort()}`;
		const via: Record<string, string> = {mgmt: http.url, 'managed-1': socks.url, 'standalone-1': refused};
		const kubeconfig = variant('console', (cluster, name) => void (cluster['proxy-url'] = via[name]));
		const screen = startConsole(['--kubeconfig', kubeconfig, '--request-timeout', '3s'], {cols: 160, rows: 30});
		try {
			await screen.waitFor(t => /2 healthy/.test(t) && /standalone-1.*unreachable/i.test(t), 'two healthy rows and standalone-1 unreachable', 30_000);
			expect(http.targets).toContain(`127.0.0.1:${portOf('mgmt')}`);
			expect(socks.targets).toContain(`127.0.0.1:${portOf('managed-1')}`);
			screen.write('q');
			expect(await screen.exited).toMatchObject({exitCode: 0});
		} finally {
			screen.kill('SIGKILL');
		}
	}, 60_000);
});
