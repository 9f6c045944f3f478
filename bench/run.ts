// `npm run bench [-- --quick] [-- --only NAME[,NAME]] [-- --out DIR]`: every measure, one after the
// other (they share 2 cores with nothing else of ours), each isolated: a measure that fails or cannot
// run is recorded with its reason and the rest still runs. Writes bench/results.json and
// bench/RESULTS.md (a full run; --quick prints only, unless --out says where).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {benchOptions, figure, isolated, killAll, kubectlPath, noKubectl, now, repoRoot, runCommand, single, Skip, withTarget, type BenchOptions, type Figure, type MeasureResult, type Row} from './harness.js';
import {measureFlow} from './flow.js';
import {measureLatency} from './latency.js';
import {measureRenderCost} from './render-cost.js';
import {measurePackage} from './package-size.js';
import {measureRemoteScale} from './remote-scale.js';
import {measureScale} from './scale.js';
import {measureK9s, measureStartup} from './startup.js';
import {measureStorm} from './storm.js';

// bench/sim-scale.ts and bench/status-scale.ts belong to the simulator's and the status command's
// owners; the bench calls them and puts their figures in the same table. Their built copies are
// imported (they find dist/cli.js from dist/bench/), so this works from vitest too.
async function loadOwned(name: string): Promise<Record<string, unknown>> {
	const file = path.join(repoRoot, 'dist', 'bench', `${name}.js`);
	if (!fs.existsSync(file)) throw new Skip(`bench/${name}.ts is not in the tree (or not built)`);
	return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

type SimScale = (o: {managed?: number}) => Promise<{clusters: number; readyMs: number; cpuMs: number; rssMb: number; peakRssMb: number; lastClusterAnswers: boolean}>;

async function measureSimScale(options: BenchOptions): Promise<Row[]> {
	const simScale = (await loadOwned('sim-scale')).simScale as SimScale | undefined;
	if (typeof simScale !== 'function') throw new Error('bench/sim-scale.ts no longer exports simScale()');
	const r = await simScale({managed: options.managed});
	const what = `\`calico-mcm sim --managed ${options.managed}\` in a fresh process (bench/sim-scale.ts)`;
	return [
		withTarget({
			id: 'sim-scale.ready',
			measure: `Simulator start-up, ${r.clusters} clusters`,
			what: `${what}: spawn → \`ready\`${r.lastClusterAnswers ? '; the last cluster answered' : '; the last cluster did NOT answer'}; ${r.cpuMs.toLocaleString('en-US')} ms of CPU until then (the figure to compare across runs on a busy machine)`,
			console: single(r.readyMs, 'ms'),
			target: {on: 'console', op: '<=', value: 10_000, text: '< 10 s'},
		}),
		withTarget({
			id: 'sim-scale.rss',
			measure: `Simulator memory, ${r.clusters} clusters`,
			what: `${what}: peak RSS (VmHWM) once ready; RSS at ready ${r.rssMb} MB`,
			console: single(r.peakRssMb, 'MB'),
			target: {on: 'console', op: '<=', value: 1024, text: '< 1 GB'},
		}),
	];
}

type StatusScale = (o: {managed?: number; runs?: number; idleSeconds?: number}) => Promise<{
	clusters: number;
	statusJsonMs: {all: number[]; cpuMs: number[]; simCpuMs: number[]; peakRssMb: number; rows: number};
	statusJsonMgmtOnlyMs: {all: number[]; rows: number};
	statusJsonFirstRun: {ms: number; cpuMs: number};
	kubectlMs: {all: number[]} | null;
	watchIdle: {seconds: number; cpuPercent: number; rssMb: number; connectionsPerCluster: {max: number; median: number; clustersSeen: number}};
}>;

async function measureStatusScale(options: BenchOptions): Promise<Row[]> {
	const run = (await loadOwned('status-scale')).runStatusScale as StatusScale | undefined;
	if (typeof run !== 'function') throw new Error('bench/status-scale.ts no longer exports runStatusScale()');
	const r = await run({managed: options.managed, runs: options.quick ? 1 : 3, idleSeconds: options.quick ? 1 : 10});
	const first = r.statusJsonFirstRun;
	const kubectl = r.kubectlMs ? {...figure(r.kubectlMs.all, 'ms'), name: 'kubectl get managedclusters --context mgmt'} : undefined;
	const peerNote = kubectl ? undefined : `peer ${noKubectl}`;
	const w = r.watchIdle;
	const sim = figure(r.statusJsonMs.simCpuMs, 'ms of CPU');
	return [
		withTarget({
			id: 'status-scale.json',
			measure: `status --json, ${r.clusters} clusters`,
			what: `\`calico-mcm status --json\` over every context (${r.statusJsonMs.rows} rows), spawn → exit, after one warm-up run as kubectl's, each with a new cache directory of its own (status: XDG_CACHE_HOME; kubectl: --cache-dir; bench/status-scale.ts); the warm-up, the first run against this fleet with no TLS session kept to resume: ${first.ms.toLocaleString('en-US')} ms, ${first.cpuMs.toLocaleString('en-US', {maximumFractionDigits: 0})} ms of CPU`,
			console: figure(r.statusJsonMs.all, 'ms'),
			peer: kubectl,
			note: peerNote,
			// Issue 10: 1,001 API servers, each its own TLS connection, against one kubectl list.
			target: {on: 'ratio', op: '<=', value: 4, text: '<= 4x kubectl'},
		}),
		withTarget({
			id: 'status-scale.json-mgmt',
			measure: 'status --json --context mgmt',
			what: `the same, limited to the management context (${r.statusJsonMgmtOnlyMs.rows} rows: what kubectl lists)`,
			console: figure(r.statusJsonMgmtOnlyMs.all, 'ms'),
			peer: kubectl,
			note: peerNote,
			target: {on: 'ratio', op: '<=', value: 2, text: '<= 2x kubectl'},
		}),
		withTarget({
			id: 'status-scale.json-cpu',
			measure: `status --json CPU, ${r.clusters} clusters`,
			what: `CPU (utime + stime) of the same runs, and the simulator's meanwhile (${sim.min.toFixed(0)}–${sim.max.toFixed(0)} ms). Both share the machine's ${os.cpus().length} cores: the wall figure cannot drop below (status + simulator) / cores, and a wall figure that moves while these stay put is the machine, not the code`,
			console: figure(r.statusJsonMs.cpuMs, 'ms of CPU'),
			note: `simulator ${Math.round(sim.median).toLocaleString('en-US')} ms of CPU meanwhile; no target in the issue`,
		}),
		withTarget({id: 'status-scale.json-rss', measure: 'status --json peak RSS', what: 'VmHWM of `status --json` over the whole fleet', console: single(r.statusJsonMs.peakRssMb, 'MB'), note: 'no target in the issue'}),
		withTarget({
			id: 'status-scale.watch-idle',
			measure: 'status --watch idle CPU',
			what: `\`status --watch\` with no changes for ${w.seconds} s: CPU / wall time; RSS ${w.rssMb} MB; connections per cluster max ${w.connectionsPerCluster.max} (median ${w.connectionsPerCluster.median}, ${w.connectionsPerCluster.clustersSeen} clusters)`,
			console: single(w.cpuPercent, '% of a core'),
			note: `RSS ${w.rssMb} MB, <= ${w.connectionsPerCluster.max} connections/cluster`,
		}),
	];
}

export type Measure = {name: string; run: (options: BenchOptions) => Promise<Row[]>; budgetSeconds: number};

export const measures: readonly Measure[] = [
	{name: 'startup', run: measureStartup, budgetSeconds: 60},
	{name: 'render-cost', run: measureRenderCost, budgetSeconds: 150},
	{name: 'latency', run: measureLatency, budgetSeconds: 300},
	{name: 'scale', run: measureScale, budgetSeconds: 900},
	{name: 'remote-scale', run: measureRemoteScale, budgetSeconds: 480},
	{name: 'storm', run: measureStorm, budgetSeconds: 200},
	{name: 'flow', run: measureFlow, budgetSeconds: 90},
	{name: 'sim-scale', run: measureSimScale, budgetSeconds: 60},
	{name: 'status-scale', run: measureStatusScale, budgetSeconds: 150},
	{name: 'k9s', run: measureK9s, budgetSeconds: 60},
	{name: 'package', run: measurePackage, budgetSeconds: 120},
];

export type BenchReport = {
	startedAt: string;
	seconds: number;
	quick: boolean;
	host: {cpus: number; cpuModel: string; node: string; platform: string; kubectl: string};
	measures: MeasureResult[];
};

async function runMeasure(measure: Measure, options: BenchOptions): Promise<MeasureResult> {
	const start = now();
	const budget = (options.quick ? Math.min(measure.budgetSeconds, 90) : measure.budgetSeconds) * 1000;
	let timer: NodeJS.Timeout | undefined;
	try {
		const rows = await Promise.race([
			isolated(() => measure.run(options)),
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`took longer than its budget of ${budget / 1000} s`)), budget);
			}),
		]);
		return {name: measure.name, status: 'ok', seconds: (now() - start) / 1000, rows};
	} catch (error) {
		const skipped = error instanceof Skip;
		const reason = error instanceof Error ? error.message : String(error);
		return {name: measure.name, status: skipped ? 'skipped' : 'error', reason, seconds: (now() - start) / 1000, rows: []};
	} finally {
		clearTimeout(timer);
		// Whatever the measure left running (a timeout, an error) must not disturb the next one.
		killAll();
	}
}

async function hostInfo(): Promise<BenchReport['host']> {
	const kubectl = kubectlPath();
	let version = 'not on PATH';
	if (kubectl) {
		const r = await runCommand(kubectl, ['version', '--client'], {timeoutMs: 20_000}).catch(() => undefined);
		version = r?.stdout.split('\n')[0]?.replace(/^Client Version:\s*/, '') || 'unknown';
	}
	return {cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`, kubectl: version};
}

/** Runs the measures (all, or those named) and returns the report; writes nothing. */
export async function runBench(options: {quick: boolean; only?: string[]; log?: (line: string) => void}): Promise<BenchReport> {
	const unknown = (options.only ?? []).filter(n => !measures.some(m => m.name === n));
	if (unknown.length) throw new Error(`unknown measure ${unknown.join(', ')}: one of ${measures.map(m => m.name).join(', ')}`);
	const opts = benchOptions(options.quick, options.log);
	const startedAt = new Date().toISOString();
	const start = now();
	const results: MeasureResult[] = [];
	for (const measure of measures) {
		if (options.only?.length && !options.only.includes(measure.name)) continue;
		opts.log(`bench: ${measure.name}...`);
		const result = await runMeasure(measure, opts);
		opts.log(`bench: ${measure.name} ${result.status}${result.reason ? `: ${result.reason.split('\n')[0]}` : ''} (${result.seconds.toFixed(1)} s)`);
		results.push(result);
	}
	return {startedAt, seconds: (now() - start) / 1000, quick: options.quick, host: await hostInfo(), measures: results};
}

// ---------- the table ----------

function num(v: number, unit: string): string {
	const abs = Math.abs(v);
	const digits = unit === '%' || unit === '% of a core' ? 2 : abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
	const n = v.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: 0});
	return `${n} ${unit}`.trim();
}

function cell(f: Figure | undefined): string {
	if (!f) return '—';
	if (f.p99 !== undefined) return `p50 ${num(f.median, f.unit)}, p99 ${num(f.p99, f.unit)}`;
	return num(f.median, f.unit);
}

function spread(f: Figure | undefined): string {
	if (!f) return '—';
	if (f.n === 1) return 'n=1';
	return `${num(f.min, '')}–${num(f.max, f.unit)}, n=${f.n}`;
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(report: BenchReport): string {
	const lines = [
		'| Measure | Console | Peer | Ratio | Target | Spread (console; peer) | Result |',
		'|---|---|---|---|---|---|---|',
	];
	for (const m of report.measures) {
		if (m.status !== 'ok') {
			lines.push(`| ${m.name} | — | — | — | — | — | ${m.status}: ${esc(m.reason ?? '')} |`);
			continue;
		}
		for (const r of m.rows) {
			const peer = r.peer ? `${cell(r.peer)} (${esc(r.peer.name)})` : r.note?.startsWith('peer ') ? esc(r.note.slice(5)) : '—';
			const ratio = r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}x`;
			const result = r.pass === undefined ? (r.note && !r.note.startsWith('peer ') ? esc(r.note) : 'reported') : `${r.pass ? 'pass' : 'FAIL'}${r.note && !r.note.startsWith('peer ') ? ` (${esc(r.note)})` : ''}`;
			const spreads = r.peer ? `${spread(r.console)}; ${spread(r.peer)}` : spread(r.console);
			lines.push(`| ${esc(r.measure)} | ${cell(r.console)} | ${peer} | ${ratio} | ${r.target ? esc(r.target.text) : '—'} | ${spreads} | ${result} |`);
		}
	}
	return lines.join('\n');
}

export function markdownReport(report: BenchReport): string {
	const h = report.host;
	const how: string[] = [];
	for (const m of report.measures) for (const r of m.rows) how.push(`- **${esc(r.measure)}**: ${r.what}`);
	return [
		'# Benchmark results',
		'',
		`Generated by \`npm run bench\` on ${report.startedAt} in ${report.seconds.toFixed(0)} s${report.quick ? ' (--quick: tiny sizes, not the real figures)' : ''}.`,
		`Host: ${h.cpus} × ${h.cpuModel}, Node ${h.node}, ${h.platform}; kubectl ${h.kubectl}.`,
		'',
		'## How to reproduce',
		'',
		'```sh',
		'npm ci',
		'npm run bench                     # everything, 6-7 minutes on 2 cores; writes bench/results.json and this file',
		'npm run bench -- --only latency   # one measure (names: ' + measures.map(m => m.name).join(', ') + ')',
		'npm run bench -- --quick          # tiny sizes, prints the table (what the smoke test runs)',
		'```',
		'',
		'Every figure is measured in one run on the same machine: the simulator (`calico-mcm sim`) runs in its own process,',
		'the console runs in a pseudo-terminal (node-pty) whose every byte is fed to a terminal emulator (@xterm/headless),',
		'so the screen is read as a user sees it. Medians over several runs; the spread is min–max; ratios are console/peer',
		'from the medians of the same run (lower is better for the console).',
		'',
		'## Results',
		'',
		markdownTable(report),
		'',
		'## What each row measures',
		'',
		...how,
		'',
	].join('\n');
}

/** Keeps the measures of an earlier full run that this run (--only) did not repeat. */
function merge(previous: BenchReport | undefined, report: BenchReport): BenchReport {
	if (!previous) return report;
	const ran = new Set(report.measures.map(m => m.name));
	const kept = previous.measures.filter(m => !ran.has(m.name));
	const order = (name: string) => measures.findIndex(m => m.name === name);
	return {...report, measures: [...kept, ...report.measures].sort((a, b) => order(a.name) - order(b.name))};
}

export function writeReport(report: BenchReport, dir: string): void {
	fs.mkdirSync(dir, {recursive: true});
	fs.writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(report, null, '\t')}\n`);
	fs.writeFileSync(path.join(dir, 'RESULTS.md'), markdownReport(report));
}

function parseArgs(argv: string[]): {quick: boolean; only: string[]; out?: string} {
	const parsed: {quick: boolean; only: string[]; out?: string} = {quick: false, only: []};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--quick') parsed.quick = true;
		else if (a === '--only' || a === '--out') {
			const v = argv[++i];
			if (!v) throw new Error(`${a} needs a value`);
			if (a === '--only') parsed.only.push(...v.split(',').filter(Boolean));
			else parsed.out = v;
		} else if (a.startsWith('--only=')) parsed.only.push(...a.slice(7).split(',').filter(Boolean));
		else if (a.startsWith('--out=')) parsed.out = a.slice(6);
		else if (a === '--help' || a === '-h') {
			process.stdout.write(`usage: npm run bench [-- --quick] [-- --only ${measures.map(m => m.name).join('|')}] [-- --out DIR]\n`);
			process.exit(0);
		} else throw new Error(`unknown option ${a} (expected --quick, --only NAME, --out DIR)`);
	}
	return parsed;
}

async function main(): Promise<number> {
	let args;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`bench: ${(error as Error).message}\n`);
		return 2;
	}
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => {
			killAll();
			process.exit(130);
		});
	}
	const report = await runBench({quick: args.quick, only: args.only});
	process.stdout.write(`\n${markdownTable(report)}\n\n`);
	const dir = args.out ?? (args.quick ? undefined : path.join(repoRoot, 'bench'));
	if (dir) {
		let previous: BenchReport | undefined;
		if (args.only.length && fs.existsSync(path.join(dir, 'results.json'))) previous = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchReport;
		writeReport(merge(previous, report), dir);
		process.stdout.write(`bench: wrote ${path.join(dir, 'results.json')} and RESULTS.md (${report.seconds.toFixed(0)} s)\n`);
	}
	return report.measures.some(m => m.status === 'error') ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	main().then(
		code => process.exit(code),
		(error: unknown) => {
			killAll();
			process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
			process.exit(1);
		},
	);
}
