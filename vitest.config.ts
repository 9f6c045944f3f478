import {defineConfig} from 'vitest/config';
import {BaseSequencer, type TestSpecification} from 'vitest/node';

// The files that take longest, mostly waiting on processes (the whole bench at tiny sizes; four
// kubectl releases): started first, one per worker, so that the other files fill the time around
// them. Vitest orders files by the durations of the last run when it has them, but a clean clone
// has none, and it then orders by file size, which started the bench smoke test in the last fifth
// and left it running alone for minutes at the end.
const longest = ['test/bench/smoke.test.ts', 'test/sim/kubectl-conformance.test.ts'];

class LongestFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const rank = (f: TestSpecification) => {
			const i = longest.findIndex(name => f.moduleId.endsWith(name));
			return i === -1 ? longest.length : i;
		};
		return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
	}
}

// Files that run in-process (the simulator, the clients, the plans, the views) share their worker's
// module cache instead of importing ink, React, client-node and the simulator afresh per file: with
// a fresh process per file, those imports were about 60% of these files' CPU time (99 → 41 CPU-s for
// the 38 files of sim, kube, plans, sync and app; 51 → 22 for ui, mcm and store). None of them stubs
// the environment or mocks a module; the two that set FORCE_COLOR before ink is first imported (chalk
// reads it once) keep a process of their own, as do the files that drive the CLI, the console in a
// pty and the bench, which import little and leave processes behind them on failure.
const isolated = [
	'test/ui/color.test.tsx',
	'test/ui/ink-output.test.tsx',
	'test/cli/**',
	'test/e2e/**',
	'test/bench/**',
	// Its `get -w` test waits on a kubectl child's watch stream; it timed out once in a shared worker
	// in CI (and passes alone): kept apart until that is understood.
	'test/sim/kubectl.test.ts',
	// A heap snapshot of its worker: small in a process of its own, 30 s+ in a loaded shared one.
	'test/kube/kubeconfig-memory.test.ts',
];

export default defineConfig({
	test: {
		exclude: ['dist/**', 'node_modules/**'],
		testTimeout: 30_000,
		hookTimeout: 30_000,
		globalSetup: ['test/helpers/temp-root.ts'],
		pool: 'forks',
		// Two cores, but two workers kept them busy only ~75 % of the time (CI's `times`: 570 CPU-s in a
		// 362 s pass on Node 20, 376 in 263 on Node 26): the screen, CLI and kubectl files spend much of
		// their time waiting on the processes they drive. A third worker fills those waits.
		maxWorkers: 3,
		sequence: {sequencer: LongestFirst},
		projects: [
			{extends: true, test: {name: 'shared', include: ['test/**/*.test.{ts,tsx}'], exclude: [...isolated, 'dist/**', 'node_modules/**'], isolate: false}},
			{extends: true, test: {name: 'isolated', include: isolated.map(g => (g.endsWith('**') ? `${g}/*.test.{ts,tsx}` : g))}},
		],
	},
});
