// Render cost: the terminal bytes the console writes for one cluster's status change (a TigerStatus
// component degrades, then recovers), at 120x40 and 80x24, against
//  - ink's default full redraw: the same App, as tall as the terminal, incremental rendering off
//    (this file re-runs itself as that program: `--baseline-app`), on the same simulator;
//  - the minimum: the UTF-8 bytes of the cells that differ between the screens before and after.
// The console also redraws its "since" ages once a second; a change is sent just after such a tick
// so that the two do not share a frame, and the tick cost is reported on its own row.
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {
	consoleArgs, figure, repoRoot, screenDiff, sleep, startScreen, startSim, statusCounts, now, withTarget,
	type BenchOptions, type Row, type Screen, type Sim,
} from './harness.js';

// The built copy of this file (the bench also runs from source, under vitest).
const baselineProgram = path.join(repoRoot, 'dist', 'bench', 'render-cost.js');

type Sizes = {cols: number; rows: number};
const sizes: Sizes[] = [
	{cols: 120, rows: 40},
	{cols: 80, rows: 24},
];

/** A fleet row of `name` whose TIGERSTATUS cell says `state` (`compliance`, or `N/N`). */
function rowShows(lines: string[], name: string, state: RegExp): boolean {
	// Columns between ROLE and TIGERSTATUS come and go with the width (MANAGEMENT, API, CERT, AGE).
	const row = new RegExp(`\\s${name}\\s+managed\\s.*\\s${state.source}`);
	return lines.some(l => row.test(l));
}

const wall = (t: number) => performance.timeOrigin + t;

/** Waits for the next once-a-second redraw (if any), lets it finish, and returns its wall-clock time. */
async function afterTick(screen: Screen): Promise<number> {
	const before = screen.chunks.length;
	const until = now() + 1300;
	while (screen.chunks.length === before && now() < until) await sleep(5);
	await screen.settle(20);
	return wall(screen.chunks.length > before ? screen.chunks[before].t : now());
}

type Sample = {bytes: number; minimum: number; cells: number; clean: boolean};

// The console's ages ("True 12s") are drawn from the wall clock rounded down to the second, and any
// render redraws them: a change rendered after a wall-second boundary also carries every age on screen.
// So a change is sent just after an age tick, and is clean if it was fully drawn before the boundary.
const fleetRow = /^.?.\s\S+\s+(managed|management|standalone)\s/;
const componentRow = /\s(True|False|Unknown)\s+(True|False|Unknown)\s+(True|False|Unknown)\s+\d+[smhd]\s/;

async function oneChange(screen: Screen, sim: Sim, target: string, control: string, visible: (lines: string[]) => boolean): Promise<Sample> {
	const tick = await afterTick(screen);
	await screen.flush();
	const before = screen.cells();
	const beforeText = screen.text();
	const mark = screen.chunks.length;
	await sim.control(control);
	await screen.waitFor(visible, 10_000, `the screen to show "${control}"`);
	await screen.settle(120);
	const end = wall(screen.chunks[screen.chunks.length - 1].t);
	// Belt and braces: no other cluster's row and no TigerStatus component row may have changed.
	const afterText = screen.text();
	const ageRedrawn = afterText.some((line, i) => line !== beforeText[i] && !line.includes(` ${target} `) && (fleetRow.test(line) || componentRow.test(line)));
	const clean = Math.floor(end / 1000) === Math.floor(tick / 1000) && !ageRedrawn;
	if (process.env.BENCH_DEBUG) {
		for (const c of screen.chunks.slice(mark)) process.stderr.write(`  ${control} tick ${Math.round(tick % 100_000)} chunk ${Math.round(wall(c.t) % 100_000)} ${c.bytes} B ${clean ? 'clean' : 'crossed'}\n`);
	}
	const bytes = screen.chunks.slice(mark).reduce((sum, c) => sum + c.bytes, 0);
	const diff = screenDiff(before, screen.cells());
	return {bytes, minimum: diff.bytes, cells: diff.cells, clean};
}

/** Wall-clock phase (ms into the second) of the age ticks, or undefined when nothing ticks. */
async function tickPhase(screen: Screen): Promise<number | undefined> {
	await afterTick(screen);
	const before = screen.chunks.length;
	const until = now() + 1300;
	while (screen.chunks.length === before && now() < until) await sleep(5);
	if (screen.chunks.length === before) return undefined;
	return Math.round(wall(screen.chunks[before].t)) % 1000;
}

async function openAtGoodPhase(size: Sizes, args: string[], target: string, total: number, restarts: number): Promise<Screen> {
	for (let attempt = 0; ; attempt++) {
		const screen = startScreen({cols: size.cols, rows: size.rows, args});
		try {
			await screen.waitFor(l => statusCounts(l)?.total === total && statusCounts(l)?.healthy === total, 60_000, `all ${total} clusters healthy on the status bar`);
			await screen.waitFor(l => rowShows(l, target, /\d+\/\d+/), 10_000, `${target}'s row on screen`);
			await screen.settle(300);
			const phase = await tickPhase(screen);
			// Ticks late in the second leave little room for a change before the next boundary: start again.
			if (phase === undefined || phase < 600 || attempt >= restarts) return screen;
		} catch (error) {
			await screen.stop();
			throw error;
		}
		await screen.stop();
	}
}

type Effort = {repeats: number; tries: number; restarts: number; idleSeconds: number};

async function measureProgram(sim: Sim, size: Sizes, args: string[], target: string, total: number, effort: Effort): Promise<{samples: Sample[]; clean: boolean; idleBytesPerSecond: number; intact: boolean; top: string}> {
	const screen = await openAtGoodPhase(size, args, target, total, effort.restarts);
	try {
		// What the screen costs with nothing happening (the age column ticking).
		const idleStart = screen.totalBytes();
		await sleep(effort.idleSeconds * 1000);
		const idleBytesPerSecond = (screen.totalBytes() - idleStart) / effort.idleSeconds;
		const samples: Sample[] = [];
		let degraded = false;
		for (let tries = 0; samples.filter(x => x.clean).length < effort.repeats * 2 && tries < effort.tries; tries++) {
			samples.push(
				degraded
					? await oneChange(screen, sim, target, `recover ${target} compliance`, l => rowShows(l, target, /\d+\/\d+/) && statusCounts(l)?.healthy === total)
					: await oneChange(screen, sim, target, `degrade ${target} compliance`, l => rowShows(l, target, /compliance/) && statusCounts(l)?.degraded === 1),
			);
			degraded = !degraded;
		}
		if (degraded) {
			await sim.control(`recover ${target} compliance`);
			await screen.waitFor(l => statusCounts(l)?.healthy === total, 10_000, 'the fleet healthy again');
		}
		const clean = samples.filter(x => x.clean);
		// The frame is drawn from the top row: a screen whose top row is not the Fleet pane's title
		// means the redraws landed on the wrong rows.
		const lines = screen.text();
		// On a machine too busy to draw a change within the rest of a second, every sample carries the
		// ages too; they are reported as such rather than not at all.
		return {samples: clean.length ? clean : samples, clean: clean.length > 0, idleBytesPerSecond, intact: /Fleet/.test(lines[0]), top: lines[0].trim()};
	} finally {
		await screen.stop();
	}
}

export async function measureRenderCost(options: BenchOptions): Promise<Row[]> {
	const managed = options.quick ? 3 : 30;
	const total = managed + 1;
	// The fleet sorts names naturally: managed-2 is the second row, on screen and not selected.
	const target = 'managed-2';
	const effort: Effort = options.quick ? {repeats: 1, tries: 2, restarts: 0, idleSeconds: 1} : {repeats: 3, tries: 18, restarts: 2, idleSeconds: 3};
	const sim = await startSim({managed});
	const rows: Row[] = [];
	try {
		// --quick (the smoke test) checks the measure at one size: each size is two consoles and ~10 s.
		for (const size of options.quick ? sizes.slice(1) : sizes) {
			const label = `${size.cols}x${size.rows}`;
			const mine = await measureProgram(sim, size, consoleArgs(sim.kubeconfig), target, total, effort);
			const ink = await measureProgram(sim, size, [baselineProgram, '--baseline-app', sim.kubeconfig], target, total, effort);
			rows.push(
				withTarget({
					id: `render-cost.${label}`,
					measure: `Render cost ${label}: bytes per one-cluster change`,
					what: `degrade/recover ${target} compliance; bytes the pty received from the control until 120 ms of quiet, sent just after an age tick and kept only if no age was redrawn with it; peer: the same App at full height, incrementalRendering off`,
					console: figure(mine.samples.map(s => s.bytes), 'B'),
					peer: {...figure(ink.samples.map(s => s.bytes), 'B'), name: 'ink default full redraw'},
					target: {on: 'console', op: '<=', value: 300, text: '<= 300 B'},
					note: [mine.clean ? '' : 'console samples include an age redraw (machine too busy for a clean one)', ink.clean ? '' : 'peer samples include an age redraw'].filter(Boolean).join('; ') || undefined,
				}),
				withTarget({
					id: `render-cost.${label}.minimum`,
					measure: `Render cost ${label}: minimum (changed cells)`,
					what: 'UTF-8 bytes of the cells that differ between the screens before and after the change, no escape sequences: what a redraw that rewrites changed cells must send at least (a scroll moves rows without resending them, so a console that scrolls can go below it)',
					console: figure(mine.samples.map(s => s.bytes), 'B'),
					peer: {...figure(mine.samples.map(s => s.minimum), 'B'), name: `changed cells (median ${figure(mine.samples.map(s => s.cells), 'cells').median})`},
					note: 'ratio = console bytes / the least any redraw must send',
				}),
				withTarget({
					id: `render-cost.${label}.idle`,
					measure: `Render cost ${label}: idle output`,
					what: 'bytes per second with nothing changing (the age column redrawn every second)',
					console: figure([mine.idleBytesPerSecond], 'B/s'),
					peer: {...figure([ink.idleBytesPerSecond], 'B/s'), name: 'ink default full redraw'},
					note: 'no target in the issue',
				}),
				{
					id: `render-cost.${label}.intact`,
					measure: `Render cost ${label}: screen intact after the changes`,
					what: 'the top row of the emulated screen is the Fleet pane title (redraws landed where the renderer meant them)',
					target: {text: 'top row = Fleet title'},
					pass: mine.intact,
					note: mine.intact ? undefined : `top row is "${mine.top.slice(0, 60)}"`,
				},
			);
		}
	} finally {
		await sim.stop();
	}
	return rows;
}

/** ink's defaults: the console's App, as tall as the terminal, without incremental rendering. */
async function baselineApp(kubeconfig: string): Promise<void> {
	const React = await import('react');
	const {render} = await import('ink');
	const {loadKubeconfig} = await import('../source/kube/kubeconfig.js');
	const {createClients} = await import('../source/kube/client.js');
	const {createAppStore} = await import('../source/store/store.js');
	const {createUiStore} = await import('../source/store/ui-store.js');
	const {startFleetSync} = await import('../source/sync/fleet-sync.js');
	const {App} = await import('../source/ui/app.js');
	const config = loadKubeconfig({kubeconfig});
	const clients = createClients(config, {requestTimeoutMs: 10_000});
	const store = createAppStore();
	const ui = createUiStore();
	const sync = startFleetSync({store, clients});
	// The App keeps itself one row short of the terminal; one more row makes it exactly as tall.
	const size = {columns: process.stdout.columns || 80, rows: (process.stdout.rows || 24) + 1};
	const instance = render(React.createElement(App, {store, ui, size}), {patchConsole: false, exitOnCtrlC: false});
	const stop = () => {
		sync.stop();
		for (const c of clients.values()) c.close();
		instance.unmount();
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGHUP', stop);
	await instance.waitUntilExit();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--baseline-app') {
	baselineApp(process.argv[3] ?? '').catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
		process.exit(1);
	});
}
