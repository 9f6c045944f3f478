import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import yaml from 'js-yaml';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {FleetStatusJson} from '../../source/cli/status-format.js';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';
import {project, trueFleet} from '../sync/sim-truth.js';
import {cliPath as cli} from '../helpers/cli.js';

// `calico-mcm status` end to end: the built CLI (dist/bundle/cli.js; run `npm run build` first) against the
// simulator, which runs in this process (so every spawn here is asynchronous).


type Result = {code: number | null; stdout: string; stderr: string; ms: number};

/** `nodeArgs`: node's own flags, before the program. */
function runStatus(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<Result> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(process.execPath, [...nodeArgs, cli, 'status', ...args], {env: {...process.env, ...env}});
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

/** A long-running `status` (--watch, --wait-connected), with its output so far. */
function startStatus(args: string[]): {child: ChildProcess; out: () => string; err: () => string; done: Promise<number | null>} {
	const child = spawn(process.execPath, [cli, 'status', ...args]);
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', d => (stdout += d));
	child.stderr!.on('data', d => (stderr += d));
	const done = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
	return {child, out: () => stdout, err: () => stderr, done};
}

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise(r => setTimeout(r, 50));
	}
}

describe('calico-mcm status', () => {
	let fleet: Fleet;
	let kubeconfig: string;
	let contexts: string[];
	let dir: string;
	const running: ChildProcess[] = [];

	beforeAll(async () => {
		if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` before these tests`);
		fleet = await startFleet({managed: 3, standalone: 1, bare: 1, speed: 0});
		kubeconfig = fleet.kubeconfigPath;
		contexts = fleet.clusters.map(c => c.name);
		dir = mkdtempSync(join(tmpdir(), 'calico-mcm-status-test-'));
	});

	afterEach(() => {
		for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
	});

	afterAll(async () => {
		await fleet?.stop();
		if (dir) rmSync(dir, {recursive: true, force: true});
	});

	it('prints the fleet as an aligned table and exits 0 when every cluster is healthy', async () => {
		const r = await runStatus(['--kubeconfig', kubeconfig]);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const lines = r.stdout.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^CLUSTER\s+ROLE\s+VERSION\s+CONNECTED\s+TIGERSTATUS\s+CERT\s+AGE$/);
		const rows = Object.fromEntries(lines.slice(1).map(l => [l.split(/\s+/)[0], l.split(/\s+/)]));
		expect(Object.keys(rows)).toEqual(['bare-1', 'managed-1', 'managed-2', 'managed-3', 'mgmt', 'standalone-1']);
		expect(rows.mgmt.slice(0, 4)).toEqual(['mgmt', 'management', 'v3.24.0', '-']);
		expect(rows['managed-1'].slice(0, 4)).toEqual(['managed-1', 'managed', 'v3.24.0', 'True']);
		expect(rows['managed-1'][4]).toMatch(/^(\d+)\/\1$/);
		expect(rows['bare-1'].slice(0, 2)).toEqual(['bare-1', 'not-installed']);
		// Columns line up: every row's ROLE starts where the header's does.
		const roleAt = lines[0].indexOf('ROLE');
		for (const line of lines.slice(1)) expect(line.slice(roleAt - 3, roleAt)).toBe('   ');
	});

	it('prints the documented JSON, equal to the servers’ true state', async () => {
		const r = await runStatus(['--kubeconfig', kubeconfig, '--json']);
		expect(r.code).toBe(0);
		const doc = JSON.parse(r.stdout) as FleetStatusJson;
		expect(doc).toMatchObject({apiVersion: 'calico-mcm/v1', kind: 'FleetStatus', summary: {total: 6, healthy: 6}});
		expect(Date.parse(doc.generatedAt)).toBeGreaterThan(0);
		const truth = trueFleet(fleet, contexts);
		for (const c of doc.clusters) {
			const t = truth.clusters[c.id];
			expect(c).toMatchObject({name: t.name, context: t.context ?? null, role: t.role, version: t.version ?? null, health: t.health, remoteOnly: false, api: {state: 'ok'}, errors: []});
			expect(c.tigerStatus).toMatchObject({available: t.rollup.available, total: t.rollup.total});
			expect(c.tigerStatus.components.map(x => x.name).sort()).toEqual(truth.statuses[c.id].map(x => x.name).sort());
		}
		expect(doc.clusters.find(c => c.id === 'managed-2')?.connection).toMatchObject({connected: 'True', management: 'mgmt', managedName: 'managed-2', fromManagement: 'True', fromManaged: 'True', disagree: false});
	});

	it('exits 1 naming what is degraded or disconnected, and 0 again after recovery', async () => {
		await fleet.degrade('mgmt', 'compliance', 'Elasticsearch unreachable');
		await fleet.tunnelDown('managed-2');
		try {
			const r = await runStatus(['--kubeconfig', kubeconfig]);
			expect(r.code).toBe(1);
			expect(r.stdout).toMatch(/mgmt\s+management\s+v3\.24\.0\s+-\s+(\d+)\/(\d+) degraded: compliance/);
			expect(r.stdout).toMatch(/managed-2\s+managed\s+v3\.24\.0\s+False \(disagree: managed side says Available\)/);
			expect(r.stderr).toContain('managed-2 (disconnected)');
			expect(r.stderr).toContain('mgmt (degraded)');
			const json = JSON.parse((await runStatus(['--kubeconfig', kubeconfig, '--json'])).stdout) as FleetStatusJson;
			const mgmt = json.clusters.find(c => c.id === 'mgmt')!;
			expect(mgmt.errors).toContain('compliance degraded: Elasticsearch unreachable');
			expect(mgmt.tigerStatus.components[0]).toMatchObject({name: 'compliance', degraded: 'True', message: 'Elasticsearch unreachable'});
			expect(json.clusters.find(c => c.id === 'managed-2')?.connection).toMatchObject({connected: 'False', disagree: true});
		} finally {
			await fleet.recover('mgmt', 'compliance');
			await fleet.tunnelUp('managed-2');
		}
		expect((await runStatus(['--kubeconfig', kubeconfig])).code).toBe(0);
	});

	it('limits the fleet with --context, and sees the tunnel from the managed side alone', async () => {
		const r = await runStatus(['--kubeconfig', kubeconfig, '--context', 'managed-1', '--context', 'standalone-1', '--json']);
		expect(r.code).toBe(0);
		const doc = JSON.parse(r.stdout) as FleetStatusJson;
		expect(doc.clusters.map(c => c.id)).toEqual(['managed-1', 'standalone-1']);
		expect(doc.clusters[0].connection).toMatchObject({connected: 'True', management: null, fromManagement: null, fromManaged: 'True'});
	});

	it('shows ManagedClusters without a context as remote-only rows', async () => {
		const r = await runStatus(['--kubeconfig', kubeconfig, '--context', 'mgmt', '--json']);
		const doc = JSON.parse(r.stdout) as FleetStatusJson;
		const remote = doc.clusters.filter(c => c.remoteOnly);
		expect(remote.map(c => c.id)).toEqual(['mgmt/managed-1', 'mgmt/managed-2', 'mgmt/managed-3']);
		expect(remote[0]).toMatchObject({name: 'managed-1', context: null, role: 'managed', connection: {connected: 'True', management: 'mgmt'}});
		const table = await runStatus(['--kubeconfig', kubeconfig, '--context', 'mgmt']);
		expect(table.stdout).toMatch(/^mgmt\/managed-2\s+managed\s+-\s+True/m);
	});

	it('does not let a hanging cluster hold it past --request-timeout', async () => {
		await fleet.apiHang('standalone-1');
		try {
			const r = await runStatus(['--kubeconfig', kubeconfig, '--request-timeout', '1s']);
			expect(r.code).toBe(1);
			expect(r.stdout).toMatch(/standalone-1\s+unknown\s+-\s+-\s+-\s+-\s+-\s+unreachable: .*1s/);
			expect(r.stdout).toMatch(/managed-1\s+managed\s+v3\.24\.0\s+True/);
			// 1 s timeout + 2 s grace, with a wide margin for a busy machine; the default would be 10 s.
			expect(r.ms).toBeLessThan(8000);
		} finally {
			await fleet.apiUp('standalone-1');
		}
	});

	it('reports an unreachable cluster with the real error', async () => {
		await fleet.apiDown('bare-1');
		try {
			const r = await runStatus(['--kubeconfig', kubeconfig, '--json']);
			expect(r.code).toBe(1);
			const bare = (JSON.parse(r.stdout) as FleetStatusJson).clusters.find(c => c.id === 'bare-1')!;
			expect(bare).toMatchObject({health: 'unreachable', api: {state: 'unreachable'}});
			expect(bare.api.error).toMatch(/ECONNREFUSED/);
		} finally {
			await fleet.apiUp('bare-1');
		}
	});

	it('names the verb and resource of a 403', async () => {
		// The admin makes a service account with no role bindings and asks the TokenRequest API for a token.
		const admin = createClients(loadKubeconfig({kubeconfig, contexts: ['mgmt']}), {requestTimeoutMs: 5000}).get('mgmt')!;
		let token: string | undefined;
		try {
			await admin.request({method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'nobody'}}});
			const review = await admin.request<{status?: {token?: string}}>({
				method: 'POST',
				path: '/api/v1/namespaces/default/serviceaccounts/nobody/token',
				body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: 3600}},
			});
			token = review.status?.token;
		} finally {
			admin.close();
		}
		expect(token).toBeTruthy();
		const config = yaml.load(readFileSync(kubeconfig, 'utf8')) as {users: Array<{name: string; user: {token: string}}>};
		config.users.find(u => u.name === 'mgmt-admin')!.user.token = token!;
		const file = join(dir, 'nobody.kubeconfig');
		writeFileSync(file, yaml.dump(config), {mode: 0o600});
		const r = await runStatus(['--kubeconfig', file, '--context', 'mgmt', '--json']);
		expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
		const row = (JSON.parse(r.stdout) as FleetStatusJson).clusters[0];
		expect(row).toMatchObject({health: 'unreachable', api: {state: 'forbidden', verb: 'list'}});
		expect(row.api.resource).toMatch(/\.(operator\.tigera\.io|projectcalico\.org)$/);
		expect(row.errors[0]).toMatch(/^forbidden to list \S+: /);
		const table = await runStatus(['--kubeconfig', file, '--context', 'mgmt']);
		expect(table.stderr).toContain('mgmt (unreachable)');
		expect(table.stdout).toMatch(/forbidden to list (installations|tigerastatuses|managementclusters|managementclusterconnections|managedclusters)\./);
	});

	it('refuses bad input with exit 2 and a message naming it', async () => {
		const missing = await runStatus(['--kubeconfig', join(dir, 'nope.yaml')]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain(join(dir, 'nope.yaml'));
		expect(missing.stderr).toContain('fix:');

		const bad = join(dir, 'bad.yaml');
		writeFileSync(bad, 'apiVersion: v1\nclusters:\n  - name: a\n    cluster: {server: "https://x\n  bad: [\n');
		const malformed = await runStatus(['--kubeconfig', bad]);
		expect(malformed.code).toBe(2);
		expect(malformed.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*line \\d+`));

		const unknown = await runStatus(['--kubeconfig', kubeconfig, '--context', 'nosuch']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('"nosuch"');

		const flag = await runStatus(['--kubeconfig', kubeconfig, '--frobnicate']);
		expect(flag.code).toBe(2);
		expect(flag.stderr).toContain('unknown flag --frobnicate');

		const duration = await runStatus(['--kubeconfig', kubeconfig, '--request-timeout', '10']);
		expect(duration.code).toBe(2);
		expect(duration.stderr).toContain('--request-timeout');

		const both = await runStatus(['--kubeconfig', kubeconfig, '--timeout', '5s']);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain('--wait-connected');
	});

	it('asks each cluster over ONE connection: HTTP/1.1 keep-alive for a one-shot answer (one request at a time), one HTTP/2 session for --watch', async () => {
		const counts = () => fleet.clusters.map(c => fleet.connections(c.name));
		const before = counts();
		expect((await runStatus(['--kubeconfig', kubeconfig, '--json'])).code).toBe(0);
		const oneShot = counts().map((c, i) => ({accepted: c.accepted - before[i]!.accepted, h2: c.h2 - before[i]!.h2, http1: c.http1 - before[i]!.http1}));
		expect(oneShot).toEqual(fleet.clusters.map(() => ({accepted: 1, h2: 0, http1: 1})));
		const w = startStatus(['--kubeconfig', kubeconfig, '--watch']);
		running.push(w.child);
		const start = counts();
		await waitFor('the first lines', () => w.out().split('\n').length > contexts.length);
		const watching = counts().map((c, i) => ({h2: c.h2 - start[i]!.h2, http1: c.http1 - start[i]!.http1}));
		expect(watching).toEqual(fleet.clusters.map(() => ({h2: 1, http1: 0})));
		w.child.kill('SIGINT');
		expect(await w.done).toBe(0);
	});

	it('a second run resumes every cluster\'s TLS session from the first (kept 0600 in the user\'s cache dir), with the same answer', async () => {
		const cache = mkdtempSync(join(tmpdir(), 'status-tls-cache-'));
		try {
			const resumed = () => fleet.clusters.map(c => fleet.connections(c.name).resumed);
			const env = {XDG_CACHE_HOME: cache};
			const first = await runStatus(['--kubeconfig', kubeconfig, '--json'], env);
			const before = resumed();
			const second = await runStatus(['--kubeconfig', kubeconfig, '--json'], env);
			expect(resumed().map((n, i) => n - before[i]!)).toEqual(fleet.clusters.map(() => 1));
			expect(second.code).toBe(first.code);
			const rows = (r: Result) => (JSON.parse(r.stdout) as FleetStatusJson).clusters.map(c => [c.id, c.role, c.health, c.api.state]);
			expect(rows(second)).toEqual(rows(first));
			expect(statSync(join(cache, 'calico-mcm', 'tls', 'sessions.json')).mode & 0o777).toBe(0o600);
		} finally {
			rmSync(cache, {recursive: true, force: true});
		}
	});

	it('a one-shot run (V8\'s optimizing compiler off while it runs) keeps the code cache it made, and the next run uses it with the same answer; so with the user\'s own compiler flags', async () => {
		for (const nodeArgs of [[], ['--no-turbofan']]) {
			const cache = mkdtempSync(join(tmpdir(), 'status-code-cache-'));
			try {
				const env = {XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: undefined};
				const first = await runStatus(['--kubeconfig', kubeconfig, '--json'], env, nodeArgs);
				expect(first.code).toBe(0);
				const directory = join(cache, 'calico-mcm', 'code');
				const [entry, ...others] = readdirSync(directory).filter(name => name.endsWith('.status.v8'));
				expect(others).toEqual([]);
				const made = statSync(join(directory, entry!)).mtimeMs;
				// An entry V8 refuses (made under other flags) would be made again on every run: written anew.
				const second = await runStatus(['--kubeconfig', kubeconfig, '--json'], env, nodeArgs);
				expect(statSync(join(directory, entry!)).mtimeMs, `node ${nodeArgs.join(' ')}`).toBe(made);
				expect(second.code).toBe(first.code);
				const rows = (r: Result) => (JSON.parse(r.stdout) as FleetStatusJson).clusters.map(c => [c.id, c.role, c.health, c.api.state]);
				expect(rows(second)).toEqual(rows(first));
			} finally {
				rmSync(cache, {recursive: true, force: true});
			}
		}
	});

	it('--watch prints one line per change until interrupted', async () => {
		const w = startStatus(['--kubeconfig', kubeconfig, '--watch']);
		running.push(w.child);
		await waitFor('the first lines', () => w.out().split('\n').length > contexts.length);
		expect(w.out()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ managed-2 role=managed version=v3\.24\.0 health=healthy api=ok connected=True/m);
		await fleet.tunnelDown('managed-3');
		await waitFor('the connection change', () => /managed-3 connection True -> False/.test(w.out()));
		await fleet.tunnelUp('managed-3');
		await waitFor('the connection coming back', () => /managed-3 connection False -> True/.test(w.out()));
		// Each change is its own write: the health line may reach the pipe after the connection line.
		await waitFor('the health coming back', () => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ managed-3 health disconnected -> healthy$/m.test(w.out()));
		w.child.kill('SIGINT');
		expect(await w.done).toBe(0);
	});

	it('--wait-connected returns when the tunnel comes back, and fails naming what is not connected at the timeout', async () => {
		await fleet.tunnelDown('managed-1');
		try {
			const failing = await runStatus(['--kubeconfig', kubeconfig, '--wait-connected', '--timeout', '1s']);
			expect(failing.code).toBe(1);
			expect(failing.stderr).toMatch(/not connected after 1s: managed-1 \(False/);

			const w = startStatus(['--kubeconfig', kubeconfig, '--wait-connected', '--timeout', '60s']);
			running.push(w.child);
			await waitFor('it to start waiting', () => w.err().includes('waiting up to 1m for 1 managed cluster to connect: managed-1'));
			expect(w.child.exitCode).toBeNull();
			await fleet.tunnelUp('managed-1');
			expect(await w.done).toBe(0);
			expect(w.err()).toContain('all 3 managed clusters connected');
			expect(w.out()).toMatch(/managed-1\s+managed\s+v3\.24\.0\s+True/);
		} finally {
			await fleet.tunnelUp('managed-1');
		}
	});

	it('ends with the store equal to the servers’ state after the faults', async () => {
		const r = await runStatus(['--kubeconfig', kubeconfig, '--json']);
		const doc = JSON.parse(r.stdout) as FleetStatusJson;
		const truth = project(trueFleet(fleet, contexts).clusters) as Record<string, {health: string; role: string}>;
		expect(Object.fromEntries(doc.clusters.map(c => [c.id, {health: c.health, role: c.role}]))).toEqual(
			Object.fromEntries(Object.entries(truth).map(([id, t]) => [id, {health: t.health, role: t.role}])),
		);
	});
});

describe('status building blocks', () => {
	it('parses the common flags strictly', async () => {
		const {commonFlags, commonOptions, parseCommandLine} = await import('../../source/cli/common-flags.js');
		const parsed = parseCommandLine(['--context', 'a', '--context=b', '--request-timeout', '2s', '--read-only'], 'status', commonFlags);
		expect(commonOptions(parsed.flags)).toEqual({contexts: ['a', 'b'], requestTimeoutMs: 2000, readOnly: true});
		expect(() => parseCommandLine(['--contxt', 'a'], 'status', commonFlags)).toThrow('unknown flag --contxt');
		expect(() => parseCommandLine(['--context'], 'status', commonFlags)).toThrow('flag --context needs a value');
		expect(() => commonOptions(parseCommandLine(['--request-timeout', 'soon'], 'status', commonFlags).flags)).toThrow('--request-timeout');
		expect(parseCommandLine(['--help'], 'status', commonFlags).help).toBe(true);
	});

	it('formats ages as kubectl does, and decides the exit code', async () => {
		const {formatAge, verdict} = await import('../../source/cli/status-format.js');
		expect([45e3, 330e3, 95 * 60e3, 5 * 3600e3 + 20 * 60e3, 30 * 3600e3, 76 * 3600e3, 200 * 86400e3].map(formatAge)).toEqual(['45s', '5m30s', '95m', '5h20m', '30h', '3d4h', '200d']);
		const row = (id: string, health: 'healthy' | 'pending' | 'degraded') => ({id, name: id, context: id, remoteOnly: false as const, role: 'standalone' as const, api: {state: 'ok' as const, since: 0}, rollup: {available: 0, total: 0, degraded: [], progressing: []}, health});
		expect(verdict({a: row('a', 'healthy')})).toEqual({code: 0});
		expect(verdict({a: row('a', 'healthy'), b: row('b', 'pending')})).toEqual({code: 1, message: '1 of 2 clusters not healthy (still converging): b (pending)'});
		expect(verdict({a: row('a', 'degraded')}).message).toBe('1 of 1 cluster not healthy: a (degraded)');
	});

	it('marks the last-known values of a cluster whose API does not answer as stale, with asOf (issue 13)', async () => {
		const {toJson, formatTable} = await import('../../source/cli/status-format.js');
		const now = Date.parse('2026-11-30T10:00:00Z');
		const lost = Date.parse('2026-11-30T09:58:00Z');
		const rollup = {available: 10, total: 10, degraded: [], progressing: []};
		const base = {remoteOnly: false as const, role: 'managed' as const, version: 'v3.24.0', rollup, health: 'healthy' as const};
		const rows = {
			a: {...base, id: 'a', name: 'a', context: 'a', api: {state: 'ok' as const, since: 0}},
			b: {...base, id: 'b', name: 'b', context: 'b', health: 'unreachable' as const, api: {state: 'unreachable' as const, since: lost, error: 'no answer within 10s (GET /version)'}},
		};
		const json = toJson(rows, {}, now);
		expect(json.clusters.map(c => [c.id, c.stale, c.asOf])).toEqual([
			['a', false, '2026-11-30T10:00:00.000Z'],
			['b', true, '2026-11-30T09:58:00.000Z'],
		]);
		expect(json.clusters[1]!.tigerStatus.available).toBe(10);
		expect(formatTable(rows, now)).toMatch(/\nb .*10\/10, 2m ago/);
	});
});
