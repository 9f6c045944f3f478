// Start-up: spawn of the console → its first paint (the first non-blank cell on the pseudo-terminal's
// screen), against `kubectl version --client` (spawn → exit), the cheapest thing kubectl does.
import process from 'node:process';
import {consoleArgs, figure, kubectlPath, noKubectl, now, onPath, runOk, Skip, startScreen, startSim, withTarget, type BenchOptions, type Row} from './harness.js';

async function firstPaints(file: string | undefined, args: (kubeconfig: string) => string[], runs: number): Promise<number[]> {
	const sim = await startSim({managed: 3});
	const paints: number[] = [];
	try {
		for (let i = 0; i < runs; i++) {
			const screen = startScreen({cols: 120, rows: 40, file, args: args(sim.kubeconfig)});
			try {
				const t = await screen.waitFor(lines => lines.some(l => l.trim() !== ''), 30_000, 'the first paint');
				paints.push(t - screen.spawnedAt);
			} finally {
				await screen.stop();
			}
		}
	} finally {
		await sim.stop();
	}
	return paints;
}

export async function measureStartup(options: BenchOptions): Promise<Row[]> {
	const paints = await firstPaints(undefined, kubeconfig => consoleArgs(kubeconfig), options.runs);
	const row: Row = {
		id: 'startup.first-paint',
		measure: 'Start-up: time to first paint',
		what: 'console spawn → first non-blank screen in a 120x40 pty, demo-size fleet (4 clusters); peer: kubectl version --client, spawn → exit',
		console: figure(paints, 'ms'),
		target: {on: 'console', op: '<=', value: 300, text: '<= 300 ms'},
	};
	const kubectl = kubectlPath();
	if (!kubectl) {
		row.note = `peer ${noKubectl}`;
		return [withTarget(row)];
	}
	const calls: number[] = [];
	for (let i = 0; i < options.runs; i++) {
		const start = now();
		await runOk(kubectl, ['version', '--client'], {env: {...process.env, KUBECONFIG: '/dev/null'}});
		calls.push(now() - start);
	}
	row.peer = {...figure(calls, 'ms'), name: 'kubectl version --client'};
	return [withTarget(row)];
}

/** k9s, the other full-screen peer: only where it is installed (the bench never downloads it). */
export async function measureK9s(options: BenchOptions): Promise<Row[]> {
	const k9s = onPath('k9s');
	if (!k9s) throw new Skip('k9s not on PATH (not installed here; the bench does not download it)');
	const mine = await firstPaints(undefined, kubeconfig => consoleArgs(kubeconfig), options.runs);
	const theirs = await firstPaints(k9s, kubeconfig => ['--kubeconfig', kubeconfig, '--context', 'mgmt', '--readonly'], options.runs);
	return [
		withTarget({
			id: 'k9s.first-paint',
			measure: 'Start-up vs k9s: time to first paint',
			what: 'spawn → first non-blank screen in a 120x40 pty, the console and `k9s --context mgmt --readonly` on the same simulator',
			console: figure(mine, 'ms'),
			peer: {...figure(theirs, 'ms'), name: 'k9s'},
			note: 'no target in the issue',
		}),
	];
}
