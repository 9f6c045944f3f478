// Remote scale: a kubeconfig with only the management context, whose cluster holds 10,000
// ManagedClusters (remote-only rows: `calico-mcm sim --remote-managed 10000`). Time from the console's
// spawn until every row's connection is on the status bar, against one `kubectl get managedclusters`
// on the same simulator (discovery cache warm); then the time of each frame while scrolling, filtering
// and sorting those 10,000 rows: key written to the pty → the screen showing its effect.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {consoleArgs, figure, single, kubectlPath, noKubectl, now, runOk, startScreen, startSim, withTarget, type BenchOptions, type Row, type Screen} from './harness.js';
import {fleetComplete} from './scale.js';

const down = 'j';
const pageDown = '\u001B[6~';

/** The line with the selection cursor. */
const cursorLine = (lines: string[]) => lines.find(l => l.startsWith('›')) ?? '';

/** Types `key` and resolves with ms until the screen differs in the way `changed` says. */
async function frameTime(screen: Screen, key: string, changed: (before: string[], after: string[]) => boolean, what: string): Promise<number> {
	await screen.flush();
	const before = screen.text();
	const start = now();
	screen.type(key);
	const t = await screen.waitFor(l => changed(before, l), 10_000, what);
	return t - start;
}

export async function measureRemoteScale(options: BenchOptions): Promise<Row[]> {
	const remote = options.quick ? 50 : 10_000;
	const total = remote + 1;
	const runs = options.quick ? 1 : 2;
	const sim = await startSim({managed: 0, remoteManaged: remote});
	const kubectl = kubectlPath();
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-bench-kubectl-'));
	const complete: number[] = [];
	const listed: number[] = [];
	const frames: number[] = [];
	try {
		const kubectlArgs = ['--kubeconfig', sim.kubeconfig, '--context', 'mgmt', '--cache-dir', cacheDir, 'get', 'managedclusters'];
		if (kubectl) await runOk(kubectl, kubectlArgs);
		for (let i = 0; i < runs; i++) {
			if (kubectl) {
				const start = now();
				const r = await runOk(kubectl, kubectlArgs);
				listed.push(now() - start);
				const lines = r.stdout.trim().split('\n').length - 1;
				if (lines !== remote) throw new Error(`kubectl listed ${lines} managed clusters, expected ${remote}`);
			}
			const screen = startScreen({cols: 120, rows: 40, args: consoleArgs(sim.kubeconfig)});
			try {
				const t = await screen.waitFor(l => fleetComplete(l, total), 180_000, `every one of ${total} rows connected`);
				complete.push(t - screen.spawnedAt);
				if (i > 0) continue;
				await screen.settle(500, 10_000);
				const moved = (b: string[], a: string[]) => cursorLine(a) !== '' && cursorLine(a) !== cursorLine(b);
				for (let k = 0; k < (options.quick ? 10 : 150); k++) frames.push(await frameTime(screen, down, moved, 'the cursor one row down'));
				for (let k = 0; k < (options.quick ? 3 : 30); k++) frames.push(await frameTime(screen, pageDown, moved, 'a page down'));
				// Filtering: every key re-filters all rows.
				frames.push(await frameTime(screen, '/', (_b, a) => a[0]?.includes('/_') === true, 'the filter prompt'));
				for (const ch of 'remote-77') frames.push(await frameTime(screen, ch, (b, a) => a[0] !== b[0], `the filter "${ch}" typed`));
				frames.push(await frameTime(screen, '\u001B', (_b, a) => a[0]?.includes(`Fleet ${total} `) === true, 'the filter cleared'));
				// Sorting: every key re-sorts all rows.
				frames.push(await frameTime(screen, 'A', (_b, a) => a[0]?.includes('sort:age') === true, 'sorted by age'));
				frames.push(await frameTime(screen, 'N', (_b, a) => a[0]?.includes('sort:name') === true, 'sorted by name'));
			} finally {
				await screen.stop();
			}
		}
	} finally {
		await sim.stop();
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
	const frameFigure = figure(frames, 'ms', true);
	return [
		withTarget({
			id: 'remote-scale.complete',
			measure: `Remote scale: every row's connection shown, 1 context + ${remote} ManagedClusters`,
			what: `console spawn → the status bar counts all ${total} rows, none pending (a kubeconfig with only mgmt, whose cluster holds ${remote} ManagedClusters); peer: kubectl get managedclusters --context mgmt, spawn → exit, discovery cache warm`,
			console: figure(complete, 'ms'),
			peer: kubectl ? {...figure(listed, 'ms'), name: 'kubectl get managedclusters'} : undefined,
			note: kubectl ? undefined : `peer ${noKubectl}`,
			target: {on: 'ratio', op: '<=', value: 1.5, text: '<= 1.5x kubectl'},
		}),
		withTarget({
			id: 'remote-scale.frame-p99',
			measure: `Remote scale: frame time scrolling, filtering, sorting ${total} rows (p99)`,
			what: `${frames.length} keys (j, page down, a filter typed and cleared, two sorts): key written to the pty → the screen showing its effect; max ${Math.round(Math.max(...frames))} ms`,
			console: frameFigure,
			target: {on: 'p99', op: '<=', value: 50, text: 'p99 <= 50 ms'},
		}),
		withTarget({
			id: 'remote-scale.frame-max',
			measure: `Remote scale: frame time, ${total} rows (max)`,
			what: 'the slowest of those frames',
			console: single(frameFigure.max, 'ms'),
			target: {on: 'console', op: '<=', value: 50, text: '<= 50 ms'},
		}),
	];
}
