// Benchmark: `calico-mcm status` on 1 management + N managed simulated clusters (default 1,000).
// Measured in one run, against one simulator (a child process: `calico-mcm sim`):
//   - `status --json` wall time (whole fleet, and `--context mgmt` alone, which reads the same
//     ManagedClusters as the kubectl command) vs `kubectl get managedclusters --context mgmt`:
//     medians of a few runs and the ratios (target <= 2x);
//   - peak RSS of `status --json`;
//   - while `status --watch` runs idle (~10 s, no changes): its CPU, RSS, and open connections per
//     cluster (its TCP sockets grouped by server port: one port per simulated cluster).
// Run: `npx tsc -p . && node dist/bench/status-scale.js [--managed N] [--runs N] [--idle-seconds N]`.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import process from 'node:process';
import {createInterface} from 'node:readline';
import {fileURLToPath, pathToFileURL} from 'node:url';

export type StatusScaleOptions = {managed?: number; runs?: number; idleSeconds?: number};

export type StatusScaleResult = {
	clusters: number;
	simStartMs: number;
	runs: number;
	/** cpuMs: each run's own CPU; simCpuMs: the simulator's during each run (both utime + stime). */
	statusJsonMs: {median: number; all: number[]; cpuMs: number[]; simCpuMs: number[]; peakRssMb: number; exitCodes: number[]; rows: number};
	statusJsonMgmtOnlyMs: {median: number; all: number[]; rows: number};
	/** The warm-up run: the first against this simulator, with no TLS session kept for any of its clusters. */
	statusJsonFirstRun: {ms: number; cpuMs: number};
	kubectlMs: {median: number; all: number[]} | null;
	ratio: number | null;
	ratioMgmtOnly: number | null;
	targetRatio: 2;
	watchIdle: {
		seconds: number;
		cpuPercent: number;
		rssMb: number;
		sockets: number;
		connectionsPerCluster: {max: number; median: number; clustersSeen: number};
	};
};

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'cli.js');
// `status` is measured as users run it: the package's bin (dist/bundle/cli.js), where it is built.
const bin = existsSync(join(here, '..', 'bundle', 'cli.js')) ? join(here, '..', 'bundle', 'cli.js') : cli;
const clockTicks = 100; // USER_HZ on Linux

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};

function procStatus(pid: number, field: string): number | undefined {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) / 1024 : undefined;
	} catch {
		return undefined;
	}
}

function cpuTicks(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** Remote ports of the process's TCP sockets (the simulator serves each cluster on its own port). */
function remotePorts(pid: number): number[] {
	const inodes = new Set<string>();
	for (const fd of readdirSync(`/proc/${pid}/fd`)) {
		try {
			const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
			const match = /^socket:\[(\d+)\]$/.exec(link);
			if (match) inodes.add(match[1]!);
		} catch {
			// closed meanwhile
		}
	}
	const ports: number[] = [];
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		if (!existsSync(table)) continue;
		for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
			const cols = line.trim().split(/\s+/);
			if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
			ports.push(Number.parseInt(cols[2]!.split(':')[1]!, 16));
		}
	}
	return ports;
}

/** cpuMs: the command's CPU (utime + stime) as last sampled before it exited; simCpuMs: the simulator's over the same run. */
type Timed = {ms: number; code: number | null; stdout: string; peakRssMb: number; cpuMs: number; simCpuMs: number};

/** CPU ticks of a process, or undefined once it is gone. */
function cpuTicksOf(pid: number): number | undefined {
	try {
		return cpuTicks(pid);
	} catch {
		return undefined;
	}
}

function timed(command: string, args: string[], simPid?: number, env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const sim0 = simPid === undefined ? undefined : cpuTicksOf(simPid);
		const child = spawn(command, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let peak = 0;
		let ticks = 0;
		child.stdout.on('data', d => (stdout += d));
		child.stderr.resume();
		// A process's CPU cannot be read once it has been reaped: the last sample, at most 25 ms before its exit.
		const sample = () => {
			peak = Math.max(peak, procStatus(child.pid!, 'VmHWM') ?? 0);
			ticks = Math.max(ticks, cpuTicksOf(child.pid!) ?? 0);
		};
		const sampler = setInterval(sample, 25);
		child.on('error', reject);
		child.on('close', code => {
			clearInterval(sampler);
			const sim1 = simPid === undefined ? undefined : cpuTicksOf(simPid);
			const simCpuMs = sim0 === undefined || sim1 === undefined ? Number.NaN : ((sim1 - sim0) * 1000) / clockTicks;
			resolve({ms: Math.round(performance.now() - started), code, stdout, peakRssMb: Math.round(peak), cpuMs: (ticks * 1000) / clockTicks, simCpuMs});
		});
	});
}

async function startSim(managed: number): Promise<{child: ChildProcess; kubeconfig: string; ms: number}> {
	const started = performance.now();
	const child = spawn(process.execPath, [cli, 'sim', '--managed', String(managed), '--standalone', '0', '--bare', '0', '--speed', '0'], {stdio: ['pipe', 'pipe', 'inherit']});
	const lines = createInterface({input: child.stdout!});
	const kubeconfig = await new Promise<string>((resolve, reject) => {
		child.on('exit', code => reject(new Error(`the simulator exited (${code}) before it was ready`)));
		lines.on('line', line => {
			const match = /^ready (.+)$/.exec(line);
			if (match) resolve(match[1]!);
		});
	});
	return {child, kubeconfig, ms: Math.round(performance.now() - started)};
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	child.kill(signal);
	const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
	await exited;
	clearTimeout(timer);
}

async function watchIdle(kubeconfig: string, clusters: number, seconds: number, env: NodeJS.ProcessEnv): Promise<StatusScaleResult['watchIdle']> {
	const child = spawn(process.execPath, [bin, 'status', '--watch', '--kubeconfig', kubeconfig], {env, stdio: ['ignore', 'pipe', 'ignore']});
	try {
		let lines = 0;
		child.stdout!.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
		const deadline = Date.now() + 120_000;
		while (lines < clusters && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
		// Let the initial burst settle (remaining first lists, watch streams opening).
		await new Promise(r => setTimeout(r, 3000));
		const t0 = cpuTicks(child.pid!);
		const started = performance.now();
		await new Promise(r => setTimeout(r, seconds * 1000));
		const cpuSeconds = (cpuTicks(child.pid!) - t0) / clockTicks;
		const elapsed = (performance.now() - started) / 1000;
		const ports = remotePorts(child.pid!);
		const perPort = new Map<number, number>();
		for (const port of ports) perPort.set(port, (perPort.get(port) ?? 0) + 1);
		const counts = [...perPort.values()];
		return {
			seconds: Math.round(elapsed * 10) / 10,
			cpuPercent: Math.round((cpuSeconds / elapsed) * 1000) / 10,
			rssMb: Math.round(procStatus(child.pid!, 'VmRSS') ?? 0),
			sockets: ports.length,
			connectionsPerCluster: {max: counts.length ? Math.max(...counts) : 0, median: counts.length ? median(counts) : 0, clustersSeen: counts.length},
		};
	} finally {
		await stopChild(child, 'SIGINT');
	}
}

export async function runStatusScale(options: StatusScaleOptions = {}): Promise<StatusScaleResult> {
	const managed = options.managed ?? 1000;
	const runs = options.runs ?? 3;
	const idleSeconds = options.idleSeconds ?? 10;
	if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` first`);
	const sim = await startSim(managed);
	const cacheDir = mkdtempSync(join(tmpdir(), 'calico-mcm-bench-kubectl-'));
	try {
		const hasKubectl = spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status === 0;
		const kubectlArgs = ['--kubeconfig', sim.kubeconfig, '--context', 'mgmt', '--cache-dir', cacheDir, 'get', 'managedclusters'];
		const status = ['--kubeconfig', sim.kubeconfig];
		// Each tool its own cache, new for this run, as kubectl its --cache-dir: status's caches (code,
		// TLS sessions, chain verdicts, managed hints) are otherwise the user's, which on a machine that
		// ran the simulator often hold thousands of other fleets' entries (the TLS session file at its
		// 8,192-session cap: ~4 % of a run) that no user with one real fleet has.
		const statusEnv = {...process.env, XDG_CACHE_HOME: join(cacheDir, 'status')};
		// One warm-up each, as anyone who ran them before has: kubectl fills its discovery cache; status
		// its code cache and the TLS sessions of every cluster (kube/tls-sessions.ts), node its file
		// cache. The warm-up's own figure is kept: the first run against a fleet, full handshakes.
		if (hasKubectl) await timed('kubectl', kubectlArgs);
		const first = await timed(process.execPath, [bin, 'status', '--json', ...status], sim.child.pid, statusEnv);
		const kubectl: number[] = [];
		const full: Timed[] = [];
		const mgmtOnly: Timed[] = [];
		for (let i = 0; i < runs; i++) {
			if (hasKubectl) {
				const k = await timed('kubectl', kubectlArgs);
				if (k.code !== 0) throw new Error('kubectl get managedclusters failed against the simulator');
				kubectl.push(k.ms);
			}
			full.push(await timed(process.execPath, [bin, 'status', '--json', ...status], sim.child.pid, statusEnv));
			mgmtOnly.push(await timed(process.execPath, [bin, 'status', '--json', ...status, '--context', 'mgmt'], undefined, statusEnv));
		}
		const rows = (t: Timed) => (JSON.parse(t.stdout) as {clusters: unknown[]}).clusters.length;
		const kubectlMedian = kubectl.length ? median(kubectl) : null;
		const fullMedian = median(full.map(t => t.ms));
		const mgmtMedian = median(mgmtOnly.map(t => t.ms));
		return {
			clusters: managed + 1,
			simStartMs: sim.ms,
			runs,
			statusJsonMs: {median: fullMedian, all: full.map(t => t.ms), cpuMs: full.map(t => t.cpuMs), simCpuMs: full.map(t => t.simCpuMs), peakRssMb: Math.max(...full.map(t => t.peakRssMb)), exitCodes: full.map(t => t.code ?? -1), rows: rows(full[0]!)},
			statusJsonMgmtOnlyMs: {median: mgmtMedian, all: mgmtOnly.map(t => t.ms), rows: rows(mgmtOnly[0]!)},
			statusJsonFirstRun: {ms: first.ms, cpuMs: first.cpuMs},
			kubectlMs: kubectlMedian === null ? null : {median: kubectlMedian, all: kubectl},
			ratio: kubectlMedian ? Math.round((fullMedian / kubectlMedian) * 100) / 100 : null,
			ratioMgmtOnly: kubectlMedian ? Math.round((mgmtMedian / kubectlMedian) * 100) / 100 : null,
			targetRatio: 2,
			watchIdle: await watchIdle(sim.kubeconfig, managed + 1, idleSeconds, statusEnv),
		};
	} finally {
		await stopChild(sim.child);
		rmSync(cacheDir, {recursive: true, force: true});
	}
}

function numberArg(argv: string[], name: string): number | undefined {
	const i = argv.indexOf(`--${name}`);
	return i === -1 ? undefined : Number(argv[i + 1]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const argv = process.argv.slice(2);
	runStatusScale({managed: numberArg(argv, 'managed'), runs: numberArg(argv, 'runs'), idleSeconds: numberArg(argv, 'idle-seconds')}).then(
		result => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
		(error: unknown) => {
			process.stderr.write(`status-scale: ${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = 1;
		},
	);
}
