// Benchmark: `calico-mcm sim` with 1 management + N managed clusters (default 1,000) in a fresh
// process: time from spawn to the `ready` line, resident memory once ready (and its peak), and that
// the last cluster answers. Targets (issue 2): under 10 s and under 1 GB.
// Run: `npx tsc -p . && node dist/bench/sim-scale.js [--managed N]` (prints one JSON object).
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import process from 'node:process';
import {performance} from 'node:perf_hooks';
import {createInterface} from 'node:readline';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {CoreV1Api, KubeConfig} from '@kubernetes/client-node';

export type SimScaleOptions = {managed?: number; timeoutMs?: number};

export type SimScaleResult = {
	clusters: number;
	readyMs: number;
	/** CPU time the simulator used until ready (user + system): the figure to compare on a busy machine. */
	cpuMs: number;
	rssMb: number;
	peakRssMb: number;
	lastClusterAnswers: boolean;
	targets: {readyMs: 10_000; rssMb: 1024};
	withinTargets: boolean;
};

const here = dirname(fileURLToPath(import.meta.url));
// From bench/ (vitest) or dist/bench/ (built): the built CLI either way.
const cli = here.includes(`${join('dist', 'bench')}`) ? join(here, '..', 'cli.js') : join(here, '..', 'dist', 'cli.js');

function cpuMs(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// utime and stime (fields 14 and 15 of stat; 12 and 13 after the command), in clock ticks of 10 ms.
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

export async function simScale(options: SimScaleOptions = {}): Promise<SimScaleResult> {
	const managed = options.managed ?? 1000;
	const dir = mkdtempSync(join(tmpdir(), 'calico-mcm-sim-scale-'));
	const kubeconfig = join(dir, 'kubeconfig');
	const started = performance.now();
	const child = spawn(process.execPath, [cli, 'sim', '--managed', String(managed), '--standalone', '0', '--bare', '0', '--kubeconfig-out', kubeconfig], {stdio: ['pipe', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => {
		stderr += d.toString();
	});
	try {
		const readyMs = await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no ready line within ${options.timeoutMs ?? 120_000} ms; stderr: ${stderr}`)), options.timeoutMs ?? 120_000);
			createInterface({input: child.stdout}).once('line', (line) => {
				clearTimeout(timer);
				if (line.startsWith('ready ')) resolve(performance.now() - started);
				else reject(new Error(`unexpected first line: ${line}`));
			});
			child.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${stderr}`)));
		});
		const cpu = cpuMs(child.pid as number);
		const rssMb = memoryMb(child.pid as number, 'VmRSS');
		const config = new KubeConfig();
		config.loadFromFile(kubeconfig);
		config.setCurrentContext(`managed-${managed}`);
		const namespaces = await config.makeApiClient(CoreV1Api).listNamespace();
		const peakRssMb = memoryMb(child.pid as number, 'VmHWM');
		const result: SimScaleResult = {
			clusters: managed + 1,
			readyMs: Math.round(readyMs),
			cpuMs: cpu,
			rssMb,
			peakRssMb,
			lastClusterAnswers: namespaces.items.length > 0,
			targets: {readyMs: 10_000, rssMb: 1024},
			withinTargets: readyMs < 10_000 && peakRssMb < 1024,
		};
		return result;
	} finally {
		child.kill('SIGTERM');
		await new Promise((resolve) => {
			if (child.exitCode !== null) resolve(undefined);
			else child.once('exit', resolve);
		});
		rmSync(dir, {recursive: true, force: true});
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const i = process.argv.indexOf('--managed');
	const managed = i >= 0 ? Number(process.argv[i + 1]) : undefined;
	simScale({managed}).then(
		(result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
		(error: unknown) => {
			process.stderr.write(`sim-scale: ${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = 1;
		},
	);
}
