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

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		exclude: ['dist/**', 'node_modules/**'],
		testTimeout: 30_000,
		hookTimeout: 30_000,
		pool: 'forks',
		// Two cores: more workers only fight over them.
		maxWorkers: 2,
		sequence: {sequencer: LongestFirst},
	},
});
