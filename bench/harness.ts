// What every measure shares: statistics, timing, the simulator in its own process, commands run to
// completion, and the console in a pseudo-terminal read through a terminal emulator, so that what is
// measured is what a user's terminal receives and shows.
import {AsyncLocalStorage} from 'node:async_hooks';
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import pty from 'node-pty';
import xtermHeadless from '@xterm/headless';

const {Terminal} = xtermHeadless;
type XTerm = InstanceType<typeof Terminal>;

/** The repository root (this file runs from bench/ under vitest and from dist/bench/ when built). */
export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The built CLI from the sources (the bench script builds it first): what runs the simulator. */
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');
/**
 * What a user runs: the package's bin, the bundled program (scripts/bundle.mjs, which the bench script
 * runs first). The console, `status` and `run` are measured as this; dist/cli.js where it is not built.
 */
export const binPath = fs.existsSync(path.join(repoRoot, 'dist', 'bundle', 'cli.js')) ? path.join(repoRoot, 'dist', 'bundle', 'cli.js') : cliPath;

function findRoot(dir: string): string {
	for (let d = dir; ; d = path.dirname(d)) {
		if (fs.existsSync(path.join(d, 'package.json'))) return d;
		if (path.dirname(d) === d) return dir;
	}
}

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

// ---------- statistics ----------

/** A figure over several runs: the median and the spread (min..max), in `unit`. */
export type Figure = {median: number; min: number; max: number; n: number; unit: string; p99?: number};

export function quantile(values: readonly number[], q: number): number {
	if (values.length === 0) return Number.NaN;
	const s = [...values].sort((a, b) => a - b);
	// Nearest rank, never an interpolation of two. A p99 is the largest sample up to n = 100 (of 50
	// samples it is the max); from n = 200 it is the third largest, past one-off stalls.
	const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
	return s[rank];
}

export function median(values: readonly number[]): number {
	const s = [...values].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function figure(values: readonly number[], unit: string, withP99 = false): Figure {
	const ok = values.filter(v => Number.isFinite(v));
	if (ok.length === 0) throw new Error(`no valid samples (${unit})`);
	const f: Figure = {median: median(ok), min: Math.min(...ok), max: Math.max(...ok), n: ok.length, unit};
	if (withP99) f.p99 = quantile(ok, 0.99);
	return f;
}

/** A figure from samples already reduced elsewhere (e.g. a p99 per run). */
export function single(value: number, unit: string): Figure {
	return {median: value, min: value, max: value, n: 1, unit};
}

// ---------- results ----------

export type Target = {
	/** What the row is compared with: the console's median (or p99) against a bound, or the ratio. */
	on?: 'console' | 'ratio' | 'p99';
	op?: '<=' | '>=';
	value?: number;
	/** As the table shows it. A target with no bound is a check that sets `pass` itself. */
	text: string;
};

export type Row = {
	/** Short id, unique in a run: `render-cost.120x40`. */
	id: string;
	measure: string;
	/** What the row means, one line. */
	what: string;
	console?: Figure;
	peer?: Figure & {name: string};
	/** console / peer, from the medians (or the p99s) of the same run. */
	ratio?: number;
	ratioOn?: 'median' | 'p99';
	target?: Target;
	pass?: boolean;
	/** Rows about a peer or a side figure with nothing to compare: a note instead. */
	note?: string;
};

export type MeasureResult = {
	name: string;
	status: 'ok' | 'skipped' | 'error';
	/** Why skipped, or the error; empty when ok. */
	reason?: string;
	seconds: number;
	rows: Row[];
};

export type BenchOptions = {
	quick: boolean;
	/** Sizes: the full run uses 1,000 managed clusters, the quick one a handful. */
	managed: number;
	/** Repetitions of most figures. */
	runs: number;
	/**
	 * Flips for the latency measure: 200, so that its p99 is a percentile (the third largest) rather than
	 * the one worst flip of the run, which on a shared 2-core machine swung the ratio 1.4-4.8x.
	 */
	flips: number;
	/** Seconds of idle CPU measurement. */
	idleSeconds: number;
	/** Flips in the storm. */
	storm: number;
	log: (line: string) => void;
};

export function benchOptions(quick: boolean, log: (line: string) => void = line => process.stderr.write(`${line}\n`)): BenchOptions {
	return quick
		? {quick, managed: 4, runs: 1, flips: 4, idleSeconds: 1, storm: 8, log}
		: {quick, managed: 1000, runs: 5, flips: 200, idleSeconds: 120, storm: 1000, log};
}

/** A measure that cannot run says why; the runner records it as skipped and goes on. */
export class Skip extends Error {}

export function withTarget(row: Row): Row {
	if (row.console && row.peer) {
		const [a, b] = row.ratioOn === 'p99' ? [row.console.p99, row.peer.p99] : [row.console.median, row.peer.median];
		if (a !== undefined && b !== undefined && b > 0) row.ratio = a / b;
	}
	const t = row.target;
	if (!t || t.on === undefined || t.value === undefined) return row;
	const value = t.on === 'ratio' ? row.ratio : t.on === 'p99' ? row.console?.p99 : row.console?.median;
	if (value === undefined || !Number.isFinite(value)) return row;
	row.pass = t.op === '<=' ? value <= t.value : value >= t.value;
	return row;
}

// ---------- peers ----------

/** The first executable `name` on PATH. */
export function onPath(name: string): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const p = path.join(dir || '.', name);
		try {
			fs.accessSync(p, fs.constants.X_OK);
			return p;
		} catch {
			// not here
		}
	}
	return undefined;
}

export const kubectlPath = (): string | undefined => onPath('kubectl');

export const noKubectl = 'skipped: kubectl not on PATH';

// ---------- commands ----------

let scratch: string | undefined;
/** One temporary working directory for every command of this bench run (removed at exit). */
function scratchDir(): string {
	if (!scratch) {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-bench-'));
		scratch = dir;
		process.once('exit', () => fs.rmSync(dir, {recursive: true, force: true}));
	}
	return scratch;
}

export type CommandResult = {code: number | null; ms: number; stdout: string; stderr: string};

/** Runs a command to completion (with a timeout) and times it from spawn to exit. */
export function runCommand(file: string, args: string[], options: {timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string; cwd?: string} = {}): Promise<CommandResult> {
	assertLive(path.basename(file));
	return new Promise((resolve, reject) => {
		const start = now();
		// Plans save files (installation manifests, tokens) in their working directory: never the repo's.
		const child = spawn(file, args, {cwd: options.cwd ?? scratchDir(), env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe']});
		const handle = {kill: () => child.kill('SIGKILL')};
		children.add(handle);
		child.on('exit', () => children.delete(handle));
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
		child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${path.basename(file)} ${args.join(' ')}: no exit after ${options.timeoutMs ?? 60_000} ms`));
		}, options.timeoutMs ?? 60_000);
		child.on('error', error => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, ms: now() - start, stdout, stderr});
		});
		child.stdin.end(options.input ?? '');
	});
}

/** Runs a command that must succeed; its stderr is the error otherwise. */
export async function runOk(file: string, args: string[], options: {timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string} = {}): Promise<CommandResult> {
	const r = await runCommand(file, args, options);
	if (r.code !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 400)}`);
	return r;
}

/** Lines of a child's stream, each with the time it arrived. */
export class LineReader {
	private buffer = '';
	private waiters: Array<{match: (line: string) => boolean; resolve: (v: {line: string; t: number}) => void}> = [];
	readonly lines: Array<{line: string; t: number}> = [];
	onLine?: (line: string, t: number) => void;

	constructor(stream: NodeJS.ReadableStream) {
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => {
			const t = now();
			this.buffer += chunk;
			let i: number;
			while ((i = this.buffer.indexOf('\n')) >= 0) {
				const line = this.buffer.slice(0, i);
				this.buffer = this.buffer.slice(i + 1);
				this.push(line, t);
			}
		});
	}

	private push(line: string, t: number): void {
		this.onLine?.(line, t);
		const w = this.waiters.findIndex(x => x.match(line));
		if (w >= 0) {
			const [waiter] = this.waiters.splice(w, 1);
			waiter.resolve({line, t});
			return;
		}
		this.lines.push({line, t});
	}

	/** The first line (already seen and not yet taken, or to come) that matches. */
	next(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<{line: string; t: number}> {
		const seen = this.lines.findIndex(x => match(x.line));
		if (seen >= 0) return Promise.resolve(this.lines.splice(seen, 1)[0]);
		return new Promise((resolve, reject) => {
			const waiter = {
				match,
				resolve: (v: {line: string; t: number}) => {
					clearTimeout(timer);
					resolve(v);
				},
			};
			const timer = setTimeout(() => {
				this.waiters = this.waiters.filter(x => x !== waiter);
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
			}, timeoutMs);
			this.waiters.push(waiter);
		});
	}
}

// ---------- the simulator, in its own process ----------

export type SimOptions = {managed: number; standalone?: number; bare?: number; remoteManaged?: number; speed?: number; enterpriseVersion?: string};

export type Sim = {
	kubeconfig: string;
	pid: number;
	/** Milliseconds from spawn to `ready`. */
	startMs: number;
	/** Sends one control line and resolves with its acknowledgement and the time it arrived. */
	control: (line: string) => Promise<{ack: string; t: number}>;
	/** Sends many control lines in one write; resolves when every one is acknowledged. */
	controlMany: (lines: string[]) => Promise<{acks: string[]; sentAt: number; lastAckAt: number}>;
	stop: () => Promise<void>;
};

const children = new Set<{kill: () => void}>();
// A measure that ran out of time keeps running in the background until its next await fails: it must
// not start anything once the next measure has begun. Each measure runs in its own generation.
const generation = new AsyncLocalStorage<number>();
let current = 0;

/** Kills whatever a measure left running (on an error or a signal): nothing may outlive the bench. */
export function killAll(): void {
	current++;
	for (const c of [...children]) c.kill();
	children.clear();
}

/** Runs one measure; anything it starts after killAll() is refused. */
export function isolated<T>(fn: () => Promise<T>): Promise<T> {
	return generation.run(current, fn);
}

function assertLive(what: string): void {
	const mine = generation.getStore();
	if (mine !== undefined && mine !== current) throw new Error(`${what} refused: the measure was stopped`);
}

export async function startSim(options: SimOptions, timeoutMs = 120_000): Promise<Sim> {
	assertLive('the simulator');
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-bench-'));
	const kubeconfigOut = path.join(dir, 'kubeconfig');
	const args = [
		cliPath, 'sim',
		'--managed', String(options.managed),
		'--standalone', String(options.standalone ?? 0),
		'--bare', String(options.bare ?? 0),
		...(options.remoteManaged ? ['--remote-managed', String(options.remoteManaged)] : []),
		'--speed', String(options.speed ?? 0),
		'--kubeconfig-out', kubeconfigOut,
		...(options.enterpriseVersion ? ['--enterprise-version', options.enterpriseVersion] : []),
	];
	const start = now();
	const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {stdio: ['pipe', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
	const removeDir = () => fs.rmSync(dir, {recursive: true, force: true});
	const handle = {kill: () => {
		child.kill('SIGKILL');
		removeDir();
	}};
	children.add(handle);
	const exited = new Promise<void>(resolve => child.on('exit', () => resolve()));
	const out = new LineReader(child.stdout);
	// Acknowledgements come back in the order the controls were sent.
	const pending: Array<(v: {ack: string; t: number}) => void> = [];
	let ready: {line: string; t: number};
	try {
		ready = await Promise.race([
			out.next(l => l.startsWith('ready '), timeoutMs, 'the simulator to print `ready`'),
			exited.then(() => {
				throw new Error(`the simulator exited before ready: ${stderr.trim().slice(-600)}`);
			}),
		]);
	} catch (error) {
		handle.kill();
		children.delete(handle);
		throw error;
	}
	out.onLine = (line, t) => {
		const p = pending.shift();
		if (p) p({ack: line, t});
	};
	// Lines that arrived with `ready` in the same chunk (none expected) are dropped on purpose.
	out.lines.length = 0;
	const startMs = ready.t - start;

	const control = (line: string) =>
		new Promise<{ack: string; t: number}>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no answer to control "${line}" within 30 s`)), 30_000);
			pending.push(v => {
				clearTimeout(timer);
				if (v.ack.startsWith('error')) reject(new Error(`control "${line}": ${v.ack}`));
				else resolve(v);
			});
			child.stdin.write(`${line}\n`);
		});

	return {
		kubeconfig: ready.line.slice('ready '.length).trim() || kubeconfigOut,
		pid: child.pid ?? 0,
		startMs,
		control,
		async controlMany(lines) {
			const sentAt = now();
			const answers = lines.map(
				line =>
					new Promise<{ack: string; t: number}>((resolve, reject) => {
						pending.push(v => (v.ack.startsWith('error') ? reject(new Error(`control "${line}": ${v.ack}`)) : resolve(v)));
					}),
			);
			child.stdin.write(lines.map(l => `${l}\n`).join(''));
			const acks = await withTimeout(Promise.all(answers), 60_000, `answers to ${lines.length} controls`);
			return {acks: acks.map(a => a.ack), sentAt, lastAckAt: Math.max(...acks.map(a => a.t))};
		},
		async stop() {
			children.delete(handle);
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
				if (!done) child.kill('SIGKILL');
			}
			removeDir();
		},
	};
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			p,
			new Promise<T>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

// ---------- a long-running peer (kubectl get -w) ----------

export type Streamer = {lines: LineReader; pid: number; stop: () => Promise<void>};

export function startStreamer(file: string, args: string[]): Streamer {
	assertLive(path.basename(file));
	const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']});
	const handle = {kill: () => child.kill('SIGKILL')};
	children.add(handle);
	const exited = new Promise<void>(resolve => child.on('exit', () => resolve()));
	child.stderr.resume();
	return {
		lines: new LineReader(child.stdout),
		pid: child.pid ?? 0,
		async stop() {
			children.delete(handle);
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]))) child.kill('SIGKILL');
		},
	};
}

// ---------- /proc figures ----------

/** Resident memory of a process in MB (VmRSS). */
export function rssMb(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
	if (!m) throw new Error(`no VmRSS for pid ${pid}`);
	return Number(m[1]) / 1024;
}

const clockTicks = (() => {
	const r = spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'});
	const n = Number(r.stdout?.trim());
	return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** Peak resident memory of a process in MB (VmHWM). */
export function peakRssMb(pid: number): number {
	const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!m) throw new Error(`no VmHWM for pid ${pid}`);
	return Number(m[1]) / 1024;
}

/**
 * Node flags that let the bench force a full GC in the console (SIGUSR2 → gc()), so that its RSS can
 * be read with no garbage waiting: `[...gcOnSignal, binPath, ...]`.
 */
export const gcOnSignal = ['--expose-gc', '--import', "data:text/javascript,process.on('SIGUSR2',()=>globalThis.gc())"];

/** RSS in MB after a forced full GC (the process must run with gcOnSignal). */
export async function rssAfterGcMb(pid: number): Promise<number> {
	process.kill(pid, 'SIGUSR2');
	await sleep(500);
	return rssMb(pid);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name may hold spaces and parentheses: fields count from after its last `)`.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
	return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * Seconds a process's threads have run plus waited runnable for a core (each thread's
 * /proc/PID/task/TID/schedstat): what it asked for, not what it got. On a busy machine a spinning
 * process may get almost no CPU and still be far from quiet; CPU time alone read it as quiet (a CI run
 * beside other work). Falls back to CPU time where the kernel keeps no schedstat.
 */
export function cpuDemandSeconds(pid: number): number {
	let tasks: string[];
	try {
		tasks = fs.readdirSync(`/proc/${pid}/task`);
	} catch {
		return cpuSeconds(pid);
	}
	let ns = 0;
	let read = 0;
	for (const tid of tasks) {
		try {
			const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
			ns += Number(run) + Number(wait);
			read++;
		} catch {
			// The thread ended between the listing and the read: its time is gone from every figure.
		}
	}
	return read === 0 ? cpuSeconds(pid) : ns / 1e9;
}

/**
 * Waits until process `pid` has asked for less than `share` of a core (run time plus run-queue wait,
 * see cpuDemandSeconds) over the last `windowMs` (sampled every 250 ms), or `timeoutMs` passed;
 * resolves with the ms waited. A watcher whose start-up is still running (opening streams, a
 * post-load GC) is not yet the steady state a latency measure means.
 */
export async function quietProcess(pid: number, o: {share?: number; windowMs?: number; timeoutMs?: number} = {}): Promise<{waitedMs: number; quiet: boolean}> {
	const share = o.share ?? 0.1;
	const windowMs = o.windowMs ?? 1000;
	const start = now();
	const samples: Array<{t: number; cpu: number}> = [{t: start, cpu: cpuDemandSeconds(pid)}];
	while (now() - start < (o.timeoutMs ?? 30_000)) {
		await sleep(250);
		const t = now();
		samples.push({t, cpu: cpuDemandSeconds(pid)});
		while (samples.length > 1 && t - samples[1].t >= windowMs) samples.shift();
		const first = samples[0];
		if (t - first.t >= windowMs && (samples.at(-1)!.cpu - first.cpu) * 1000 < share * (t - first.t)) return {waitedMs: t - start, quiet: true};
	}
	return {waitedMs: now() - start, quiet: false};
}

// ---------- the console in a pseudo-terminal ----------

export type Frame = {t: number; bytes: number};

export type Screen = {
	pid: number;
	cols: number;
	rows: number;
	spawnedAt: number;
	/** Every byte the console wrote, in order of arrival, with its time. */
	chunks: Array<{t: number; bytes: number; data: string}>;
	totalBytes: () => number;
	/** The screen as text, one string per row (trailing blanks trimmed). */
	text: () => string[];
	/** Every cell of the screen: the character and its attributes, for diffs. */
	cells: () => Cell[][];
	/**
	 * Resolves with the arrival time of the pty data after which `predicate(screen lines)` first holds
	 * (checked once that data is parsed), or rejects after `timeoutMs`.
	 */
	waitFor: (predicate: (lines: string[]) => boolean, timeoutMs: number, what: string) => Promise<number>;
	/** Resolves once no byte has arrived for `quietMs`. */
	settle: (quietMs: number, timeoutMs?: number) => Promise<void>;
	/** Resolves once everything received so far is parsed into the screen. */
	flush: () => Promise<void>;
	type: (keys: string) => void;
	exited: () => boolean;
	stop: () => Promise<void>;
};

export type Cell = {ch: string; fg: number; bg: number; bold: number; inverse: number};

export type ScreenOptions = {
	cols: number;
	rows: number;
	env?: Record<string, string>;
	/** The program and its arguments (default: the console on `kubeconfig`). */
	file?: string;
	args: string[];
};

export function consoleArgs(kubeconfig: string, extra: string[] = []): string[] {
	return [binPath, '--kubeconfig', kubeconfig, ...extra];
}

/** Spawns a program in a pseudo-terminal and feeds every byte it writes into a headless xterm. */
export function startScreen(options: ScreenOptions): Screen {
	assertLive('the console');
	const {cols, rows} = options;
	const term: XTerm = new Terminal({cols, rows, allowProposedApi: true, scrollback: 0});
	const env: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) {
		// Ink prints only the final frame under any CI_* variable as well as CI; keep none of them.
		if (v !== undefined && !k.startsWith('CI_') && k !== 'CONTINUOUS_INTEGRATION') env[k] = v;
	}
	// The pty tells the program its size; stale COLUMNS/LINES from the bench's own shell must not.
	delete env.COLUMNS;
	delete env.LINES;
	Object.assign(env, {CI: 'false', TERM: 'xterm-256color'}, options.env ?? {});
	delete env.NO_COLOR;
	if (options.env?.NO_COLOR) env.NO_COLOR = options.env.NO_COLOR;
	const spawnedAt = now();
	const proc = pty.spawn(options.file ?? process.execPath, options.args, {name: 'xterm-256color', cols, rows, cwd: scratchDir(), env});
	let exited = false;
	const exitPromise = new Promise<void>(resolve =>
		proc.onExit(() => {
			exited = true;
			resolve();
		}),
	);
	const handle = {kill: () => {
		try {
			proc.kill('SIGKILL');
		} catch {
			// already gone
		}
	}};
	children.add(handle);
	const chunks: Screen['chunks'] = [];
	let total = 0;
	let lastDataAt = now();
	// Checks run after xterm has parsed the data: xterm parses asynchronously, in order.
	const watchers = new Set<(t: number) => void>();
	proc.onData(data => {
		const t = now();
		lastDataAt = t;
		const bytes = Buffer.byteLength(data, 'utf8');
		total += bytes;
		chunks.push({t, bytes, data});
		term.write(data, () => {
			for (const w of [...watchers]) w(t);
		});
	});
	const text = (): string[] => {
		const buf = term.buffer.active;
		const lines: string[] = [];
		for (let y = 0; y < rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
		return lines;
	};
	const cells = (): Cell[][] => {
		const buf = term.buffer.active;
		const out: Cell[][] = [];
		for (let y = 0; y < rows; y++) {
			const line = buf.getLine(buf.viewportY + y);
			const row: Cell[] = [];
			for (let x = 0; x < cols; x++) {
				const c = line?.getCell(x);
				row.push({ch: c?.getChars() || ' ', fg: c?.getFgColor() ?? 0, bg: c?.getBgColor() ?? 0, bold: c?.isBold() ?? 0, inverse: c?.isInverse() ?? 0});
			}
			out.push(row);
		}
		return out;
	};
	const flush = () => new Promise<void>(resolve => term.write('', () => resolve()));
	return {
		pid: proc.pid,
		cols,
		rows,
		spawnedAt,
		chunks,
		totalBytes: () => total,
		text,
		cells,
		waitFor(predicate, timeoutMs, what) {
			return new Promise<number>((resolve, reject) => {
				let done = false;
				const finish = (error?: Error, t?: number) => {
					if (done) return;
					done = true;
					watchers.delete(check);
					clearTimeout(timer);
					if (error) reject(error);
					else resolve(t as number);
				};
				const check = (t: number) => {
					if (predicate(text())) finish(undefined, t);
				};
				const timer = setTimeout(() => {
					const screen = text().filter(l => l.trim()).slice(0, 12).join('\n    ');
					// An exit restores the main screen: what it printed last is in the byte stream.
					const last = exited ? ` (it exited; its last output: ${plain(chunks.slice(-20).map(c => c.data).join('')).slice(-400)})` : '';
					finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}; the screen:\n    ${screen}`));
				}, timeoutMs);
				watchers.add(check);
				// It may hold already (everything parsed so far).
				void flush().then(() => {
					if (predicate(text())) finish(undefined, lastDataAt);
				});
			});
		},
		async settle(quietMs, timeoutMs = 30_000) {
			const until = now() + timeoutMs;
			while (now() - lastDataAt < quietMs) {
				if (now() > until) throw new Error(`the console never went quiet for ${quietMs} ms within ${timeoutMs} ms`);
				await sleep(Math.max(5, quietMs - (now() - lastDataAt)));
			}
			await flush();
		},
		flush,
		type(keys) {
			proc.write(keys);
		},
		exited: () => exited,
		async stop() {
			children.delete(handle);
			if (exited) return;
			try {
				proc.kill('SIGTERM');
			} catch {
				return;
			}
			if (!(await Promise.race([exitPromise.then(() => true), sleep(3000).then(() => false)]))) handle.kill();
			term.dispose();
		},
	};
}

/** Terminal output without its escape sequences, blank runs collapsed. */
export function plain(data: string): string {
	// eslint-disable-next-line no-control-regex
	return data.replace(/\u001B\[[0-?]*[ -/]*[@-~]|\u001B[\]PX^_][^\u0007\u001B]*(\u0007|\u001B\\)|\u001B./g, '').replace(/\s+/g, ' ').trim();
}

/** Groups pty data into frames: bursts separated by more than `gapMs` of silence. */
export function framesOf(chunks: ReadonlyArray<{t: number; bytes: number}>, gapMs = 5): Frame[] {
	const frames: Frame[] = [];
	let last = -Infinity;
	for (const c of chunks) {
		if (frames.length && c.t - last <= gapMs) frames[frames.length - 1].bytes += c.bytes;
		else frames.push({t: c.t, bytes: c.bytes});
		last = c.t;
	}
	return frames;
}

/** Cells that differ between two screens, and the UTF-8 bytes of their new characters: the least any redraw must send. */
export function screenDiff(before: Cell[][], after: Cell[][]): {cells: number; bytes: number} {
	let cells = 0;
	let bytes = 0;
	for (let y = 0; y < after.length; y++) {
		for (let x = 0; x < after[y].length; x++) {
			const a = before[y]?.[x];
			const b = after[y][x];
			if (!a || a.ch !== b.ch || a.fg !== b.fg || a.bg !== b.bg || a.bold !== b.bold || a.inverse !== b.inverse) {
				cells++;
				bytes += Buffer.byteLength(b.ch, 'utf8');
			}
		}
	}
	return {cells, bytes};
}

/** Parses the status bar's ` N clusters  ● H healthy ...` into counts. */
export function statusCounts(lines: string[]): {total: number; [health: string]: number} | undefined {
	for (let i = lines.length - 1; i >= 0; i--) {
		const m = /(\d+) clusters\s/.exec(lines[i]);
		if (!m) continue;
		const counts: {total: number; [health: string]: number} = {total: Number(m[1])};
		for (const h of lines[i].matchAll(/(\d+) (healthy|degraded|disconnected|unreachable|pending)/g)) counts[h[2]] = Number(h[1]);
		return counts;
	}
	return undefined;
}

/** The console in a pty, once its status bar counts `total` clusters, all healthy. */
export async function openConsole(kubeconfig: string, total: number, cols = 120, rows = 40): Promise<Screen> {
	const screen = startScreen({cols, rows, args: consoleArgs(kubeconfig)});
	try {
		await screen.waitFor(l => statusCounts(l)?.total === total && statusCounts(l)?.healthy === total, 180_000, `all ${total} clusters healthy on the status bar`);
		return screen;
	} catch (error) {
		await screen.stop();
		throw error;
	}
}
