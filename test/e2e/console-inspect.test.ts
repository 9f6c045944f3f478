import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {keys, press, selectRow, startSim, type Sim} from './workflow-helpers.js';

// `y` and `e` as a user sees them: the live object's YAML (search, n/N, copy, switching objects,
// masking, an unreachable cluster) and the Events view following a new Event, read from the screen
// of the real console in a terminal emulator, against a simulator in its own process.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-inspect-'));
const kubeconfig = path.join(dir, 'kubeconfig');
let sim: Sim;
let con: ConsoleScreen;

type Kubeconfig = {
	clusters: Array<{name: string; cluster: {server: string; 'certificate-authority-data': string}}>;
	users: Array<{name: string; user: {token: string}}>;
	contexts: Array<{name: string; context: {cluster: string; user: string}}>;
};

/** The server, CA and token of a context, read from the simulator's kubeconfig as kubectl would. */
function access(context: string): {server: string; ca: Buffer; token: string} {
	const kc = yaml.load(fs.readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
	const ctx = kc.contexts.find(c => c.name === context)!.context;
	const cluster = kc.clusters.find(c => c.name === ctx.cluster)!.cluster;
	const user = kc.users.find(u => u.name === ctx.user)!.user;
	return {server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), token: user.token};
}

/** A JSON merge patch, as `kubectl patch --type merge` sends it. */
function mergePatch(context: string, apiPath: string, patch: unknown): Promise<number> {
	const {server, ca, token} = access(context);
	const body = JSON.stringify(patch);
	return new Promise((resolve, reject) => {
		const req = https.request(`${server}${apiPath}`, {method: 'PATCH', ca, headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': String(Buffer.byteLength(body))}}, res => {
			res.resume();
			res.on('end', () => resolve(res.statusCode ?? 0));
		});
		req.on('error', reject);
		req.end(body);
	});
}

const screenHas = (re: RegExp | string, what: string, timeoutMs = 15_000) => con.waitFor(t => (typeof re === 'string' ? t.includes(re) : re.test(t)), what, timeoutMs);

/** The text of every OSC 52 clipboard request the console sent so far, decoded. */
function clipboardRequests(): string[] {
	// eslint-disable-next-line no-control-regex -- OSC 52 is ESC ] 52 ; c ; <base64> BEL
	return [...con.output().matchAll(/\u001B\]52;c;([A-Za-z0-9+/=]*)\u0007/g)].map(m => Buffer.from(m[1]!, 'base64').toString('utf8'));
}

beforeAll(async () => {
	sim = await startSim(kubeconfig, ['--managed', '2', '--standalone', '1', '--bare', '0']);
	// TMUX emptied: what `c` reports must not depend on where the test runs.
	con = startConsole(['--kubeconfig', kubeconfig, '--request-timeout', '2s'], {cols: 120, rows: 36, env: {TMUX: ''}});
	await screenHas('4 healthy', 'four healthy clusters', 40_000);
}, 60_000);

afterAll(async () => {
	con?.kill('SIGKILL');
	await con?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('y: the live object as YAML', () => {
	test('opens on a managed row, switches objects, searches with n/N, copies by OSC 52 and closes', async () => {
		await selectRow(con, 'managed-1');
		await press(con, 'y');
		await screenHas(/YAML ─ managed-1 on mgmt ─ 1 ManagedCluster ─ 2 ManagementClusterConnection ─ 3 Installation/, 'the YAML view of managed-1');
		await screenHas('kind: ManagedCluster', 'the ManagedCluster read from mgmt');
		// As kubectl get -o yaml (1.21+): no managedFields, sorted keys, double quotes, flush sequences.
		expect(con.text()).not.toContain('managedFields');
		expect(con.text()).toMatch(/^ {2}conditions:\n {2}- lastTransitionTime: "/m);
		expect(con.text()).toMatch(/^ {2}name: managed-1$/m);

		await press(con, '\t');
		await screenHas('kind: ManagementClusterConnection', 'tab: the ManagementClusterConnection of managed-1');
		expect(con.text()).toMatch(/managementClusterAddr: /);
		await press(con, '3');
		await screenHas('kind: Installation', '3: the Installation');
		await press(con, '1');
		await screenHas('kind: ManagedCluster', '1: back to the ManagedCluster');

		// Search: enter jumps to the first match; n and N walk the matches, wrapping.
		// "managed", any case: kind, name, the condition's type and message.
		await press(con, '/', 'm', 'a', 'n', 'a', 'g', 'e', 'd', keys.enter);
		await screenHas(/"managed": match 1 of (\d+)/, 'the first match of "managed"');
		const total = Number(/"managed": match 1 of (\d+)/.exec(con.text())![1]);
		expect(total).toBe(con.text().split('\n').slice(1).filter(l => /managed/i.test(l) && !l.includes('match 1 of')).length);
		await press(con, 'n');
		await screenHas(`"managed": match 2 of ${total}`, 'n: the second match');
		await press(con, 'N', 'N');
		await screenHas(`"managed": match ${total} of ${total}, wrapped to the bottom`, 'N past the first match wraps to the last');
		await press(con, '/', 'n', 'o', '-', 's', 'u', 'c', 'h', keys.enter);
		await screenHas('"no-such" not found', 'a search with no match says so');

		await press(con, 'c');
		await screenHas(/sent the YAML of ManagedCluster managed-1 \(\d+ lines, secrets masked\) to your terminal as an OSC 52 clipboard request/, 'c says what it sent');
		const copied = clipboardRequests().at(-1)!;
		expect(copied).toContain('kind: ManagedCluster');
		expect(copied).toContain('name: managed-1');

		await press(con, keys.escape);
		await screenHas(/─ Fleet 4 /, 'esc: back to the fleet');
		expect(con.text()).not.toContain('kind: ManagedCluster');
	}, 90_000);

	test('a secret in the object is masked on screen and in the copy', async () => {
		const token = access('standalone-1').token;
		expect(token.length).toBeGreaterThan(20);
		expect(await mergePatch('standalone-1', '/apis/operator.tigera.io/v1/installations/default', {metadata: {annotations: {'example.com/debug-token': token}}})).toBe(200);
		await selectRow(con, 'standalone-1');
		await press(con, 'y');
		await screenHas('kind: Installation', "standalone-1's Installation");
		await screenHas(/example\.com\/debug-token: .*masked/, 'the token annotation, masked');
		expect(con.text()).not.toContain(token);
		expect(con.text()).not.toContain(token.slice(-20));
		await press(con, 'c');
		await screenHas(/sent the YAML of Installation default/, 'the copy');
		const copied = clipboardRequests().at(-1)!;
		expect(copied).toContain('example.com/debug-token');
		expect(copied).not.toContain(token.slice(-20));
		await press(con, 'q');
		await screenHas(/─ Fleet 4 /, 'q: back to the fleet');
	}, 60_000);

	test('an unreachable cluster gives a clear message within the request timeout, never a hang', async () => {
		await sim.control('api-hang managed-2');
		await selectRow(con, 'managed-2');
		await press(con, 'y');
		// The first object, the ManagedCluster, is read from mgmt, which still answers.
		await screenHas('kind: ManagedCluster', "managed-2's ManagedCluster from mgmt");
		const asked = Date.now();
		await press(con, '2');
		await screenHas(/cannot read ManagementClusterConnection tigera-secure \(on managed-2\): no answer within 2s/, 'the timeout, named', 10_000);
		expect(Date.now() - asked).toBeLessThan(8_000);
		expect(con.text()).toMatch(/hint: managed-2 did not answer in time/);
		await sim.control('api-up managed-2');
		await press(con, 'r');
		await screenHas('kind: ManagementClusterConnection', 'r reads it again once the cluster answers', 20_000);
		await press(con, keys.escape);
		await screenHas(/─ Fleet 4 /, 'back to the fleet');
	}, 60_000);
});
