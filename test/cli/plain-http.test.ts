// Credentials never travel in clear text (issue 14 item 8): a kubeconfig user's bearer token is not
// sent to an http:// server, as kubectl sends none, and the refusal that follows says why. Through
// the built CLI (dist/cli.js) against the simulator in this process, one of whose clusters listens on
// plain HTTP and still authenticates every request (401 without the token, as kube-apiserver).
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';

const cli = join(import.meta.dirname, '../../dist/cli.js');
const kubectlPath = '/usr/bin/kubectl';
let fleet: Fleet;
let dir: string;

type Result = {code: number; stdout: string; stderr: string};

function exec(file: string, args: string[]): Promise<Result> {
	return new Promise(resolve => {
		const child = execFile(file, args, {timeout: 60_000, env: {...process.env, CI: 'true', XDG_STATE_HOME: join(dir, 'state')}}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : -1) : 0, stdout, stderr});
		});
		child.stdin?.end();
	});
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'calico-mcm-plain-http-'));
	fleet = await startFleet({managed: 0, standalone: 1, bare: 0, speed: 0, plainHttp: ['standalone-1'], kubeconfigOut: join(dir, 'kubeconfig')});
});
afterAll(async () => {
	await fleet?.stop();
	rmSync(dir, {recursive: true, force: true});
});

const token = () => fleet.clusters.find(c => c.name === 'standalone-1')!.token;
const url = () => fleet.clusters.find(c => c.name === 'standalone-1')!.url;

describe('an http:// API server', () => {
	it('gets no bearer token from status, and the row and stderr say why', async () => {
		expect(url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const before = fleet.received('standalone-1').length;
		const r = await exec(process.execPath, [cli, 'status', '--kubeconfig', fleet.kubeconfigPath, '--request-timeout', '10s']);
		const why = `credentials not sent: server ${url()} is not TLS, so the bearer token of user "standalone-1-admin" was withheld (as kubectl does); use the server's https:// address`;
		expect(r.stderr).toContain(`calico-mcm: context standalone-1: ${why}`);
		// The row: refused, with the reason first.
		const row = r.stdout.split('\n').find(l => l.startsWith('standalone-1 '));
		expect(row).toMatch(/unauthorized: credentials not sent: server http:\/\/127\.0\.0\.1:\d+ is not TLS/);
		// mgmt (https) is read with its token as always.
		expect(r.stdout).toMatch(/^mgmt +management +v3/m);

		const received = fleet.received('standalone-1').slice(before);
		expect(received.length).toBeGreaterThan(0);
		expect(received.filter(q => q.authorization !== undefined || q.impersonateUser !== undefined)).toEqual([]);
		expect(JSON.stringify(received)).not.toContain(token());
		expect(fleet.received('mgmt').some(q => q.authorization === `Bearer ${fleet.clusters.find(c => c.name === 'mgmt')!.token}`)).toBe(true);
	});

	it('run refuses in words before changing anything, and sends no token either', async () => {
		const before = fleet.received('standalone-1').length;
		const r = await exec(process.execPath, [cli, 'run', 'grant', '--context', 'standalone-1', '--user', 'plain', '--yes', '--kubeconfig', fleet.kubeconfigPath]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('calico-mcm: context standalone-1: credentials not sent: server http://');
		expect(r.stdout).toMatch(/FAIL .*credentials not sent: server http:\/\/127\.0\.0\.1:\d+ is not TLS/);
		expect(r.stderr).toContain('preflight failed: nothing was changed');
		const received = fleet.received('standalone-1').slice(before);
		expect(received.length).toBeGreaterThan(0);
		expect(received.filter(q => q.authorization !== undefined)).toEqual([]);
	});

	it.skipIf(!existsSync(kubectlPath))('is as strict as kube-apiserver: kubectl sends no token over http:// either, and is refused', async () => {
		const before = fleet.received('standalone-1').length;
		const r = await exec(kubectlPath, ['--kubeconfig', fleet.kubeconfigPath, '--context', 'standalone-1', 'get', '--raw', '/api/v1/namespaces']);
		expect(r.code).not.toBe(0);
		expect(r.stderr).toMatch(/Unauthorized/);
		const received = fleet.received('standalone-1').slice(before);
		expect(received.length).toBeGreaterThan(0);
		expect(received.filter(q => q.authorization !== undefined)).toEqual([]);
	});
});
