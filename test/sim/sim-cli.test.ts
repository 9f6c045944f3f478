// `calico-mcm sim` as a process: the ready line, the kubeconfig, the control protocol on stdin and
// stdout, bad flags, and signals. Runs the built CLI (dist/bundle/cli.js: `npm run build` first).
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {CoreV1Api, KubeConfig} from '@kubernetes/client-node';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {cliPath as cli} from '../helpers/cli.js';

let dir: string;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
	if (!existsSync(cli)) throw new Error(`${cli} is missing: build first with \`npx tsc -p .\``);
	dir = mkdtempSync(join(tmpdir(), 'calico-mcm-sim-cli-'));
});
afterEach(() => {
	for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

type Sim = {child: ChildProcessWithoutNullStreams; next(): Promise<string>; lines: string[]; stderr: () => string; exit: Promise<number | null>};

function startSim(args: string[]): Sim {
	const child = spawn(process.execPath, [cli, 'sim', ...args], {stdio: 'pipe', env: {...process.env, NO_COLOR: '1'}});
	running.push(child);
	const lines: string[] = [];
	const waiting: Array<(line: string) => void> = [];
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => {
		stderr += d.toString();
	});
	createInterface({input: child.stdout}).on('line', (line) => {
		lines.push(line);
		waiting.shift()?.(line);
	});
	let read = 0;
	const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return {
		child, lines, exit,
		stderr: () => stderr,
		next: () => new Promise<string>((resolve, reject) => {
			if (read < lines.length) {
				resolve(lines[read++]);
				return;
			}
			const timer = setTimeout(() => reject(new Error(`no line on stdout within 20 s; stderr: ${stderr}`)), 20_000);
			waiting.push((line) => {
				clearTimeout(timer);
				read++;
				resolve(line);
			});
		}),
	};
}

describe('calico-mcm sim', () => {
	it('prints one ready line, writes a 0600 kubeconfig, answers each control with one line, and exits 0 on SIGTERM', async () => {
		const kubeconfig = join(dir, 'fleet.yaml');
		writeFileSync(kubeconfig, 'stale: true\n', {mode: 0o644});
		const sim = startSim(['--managed', '2', '--standalone', '0', '--bare', '1', '--speed', '0', '--kubeconfig-out', kubeconfig]);
		expect(await sim.next()).toBe(`ready ${kubeconfig}`);
		expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);

		const config = new KubeConfig();
		config.loadFromFile(kubeconfig);
		expect(config.getContexts().map((c) => c.name)).toEqual(['mgmt', 'managed-1', 'managed-2', 'bare-1']);
		config.setCurrentContext('managed-2');
		expect((await config.makeApiClient(CoreV1Api).listNamespace()).items.length).toBeGreaterThan(0);

		sim.child.stdin.write('api-down managed-2\n');
		expect(await sim.next()).toBe('ok api-down managed-2');
		await expect(config.makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow(/ECONNREFUSED/);
		sim.child.stdin.write('fly-away mgmt\n\n# a comment gets no answer\nnot-a-cluster\n');
		expect(await sim.next()).toMatch(/^error: unknown control "fly-away"/);
		expect(await sim.next()).toMatch(/^error: unknown control "not-a-cluster"/);
		sim.child.stdin.write('api-up managed-2\ntunnel-down managed-1\ndegrade mgmt manager disk full\nrecover mgmt manager\ndegrade ghost calico\n');
		expect(await sim.next()).toBe('ok api-up managed-2');
		expect(await sim.next()).toBe('ok tunnel-down managed-1');
		expect(await sim.next()).toBe('ok degrade mgmt manager disk full');
		expect(await sim.next()).toBe('ok recover mgmt manager');
		expect(await sim.next()).toBe('error: unknown cluster "ghost" (known: mgmt, managed-1, managed-2, bare-1)');
		expect((await config.makeApiClient(CoreV1Api).listNamespace()).items.length).toBeGreaterThan(0);

		sim.child.kill('SIGTERM');
		expect(await sim.exit).toBe(0);
		expect(sim.lines).toHaveLength(9);
	});

	it('keeps serving when stdin closes (CI has none)', async () => {
		const kubeconfig = join(dir, 'no-stdin.yaml');
		const sim = startSim(['--managed', '1', '--standalone', '0', '--bare', '0', '--speed', '0', '--kubeconfig-out', kubeconfig]);
		expect(await sim.next()).toBe(`ready ${kubeconfig}`);
		sim.child.stdin.end();
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(sim.child.exitCode).toBeNull();
		const config = new KubeConfig();
		config.loadFromFile(kubeconfig);
		expect((await config.makeApiClient(CoreV1Api).listNamespace()).items.length).toBeGreaterThan(0);
		sim.child.kill('SIGINT');
		expect(await sim.exit).toBe(0);
	});

	it.each([
		[['--managed', '-3'], /--managed "-3" is not a valid count/],
		[['--bare', '2.5'], /--bare "2.5" is not a valid count/],
		[['--standalone', '999999'], /--standalone "999999" is not a valid count/],
		[['--frobnicate'], /unknown flag --frobnicate/],
		[['--speed', 'fast'], /--speed "fast" is not a valid speed/],
		[['--enterprise-version', 'newest'], /invalid Calico Enterprise version "newest"/],
		[['--kubeconfig-out', '/no/such/dir/kubeconfig'], /directory \/no\/such\/dir does not exist/],
		[['extra'], /unexpected argument "extra"/],
	])('refuses %j with a clear message and a non-zero exit', (args, message) => {
		const result = spawnSync(process.execPath, [cli, 'sim', ...args], {encoding: 'utf8', timeout: 20_000});
		expect(result.status).not.toBe(0);
		expect(result.status).not.toBeNull();
		expect(result.stderr).toMatch(message);
		expect(result.stdout).toBe('');
	});

	it('prints its usage with --help', () => {
		const result = spawnSync(process.execPath, [cli, 'sim', '--help'], {encoding: 'utf8', timeout: 20_000});
		expect(result.status).toBe(0);
		expect(result.stdout).toMatch(/--kubeconfig-out FILE/);
		expect(result.stdout).toMatch(/tunnel-down C/);
	});
});
