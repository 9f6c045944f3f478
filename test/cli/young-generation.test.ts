import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {expect, test} from 'vitest';
import {capAppliesTo} from '../../source/cli/young-generation.js';

// What a user would notice: the console's resident memory after a large fleet loads (young-generation.ts).
// Each case is a fresh node process that keeps ~60 MB, as a fleet's load does, and reports the size its
// young generation grew to. The cap is for Node 20's V8 (capAppliesTo): on a newer Node these say
// they are skipped, and the last test checks which V8 gets the cap.
const applies = capAppliesTo(process.versions.v8);

const moduleUrl = new URL(`file://${path.resolve(import.meta.dirname, '../../dist/source/cli/young-generation.js')}`).href;

function youngGenerationMb(semiSpaceMb: number | undefined, nodeFlags: string[] = []): number {
	const script = `
		import v8 from 'node:v8';
		import {capYoungGeneration} from ${JSON.stringify(moduleUrl)};
		const stop = ${semiSpaceMb === undefined ? '() => {}' : `capYoungGeneration(${semiSpaceMb})`};
		const kept = [];
		let n = 0;
		const step = () => {
			for (let i = 0; i < 20000; i++) kept.push({n: n++, name: 'cluster-' + n});
			if (kept.length < 600000) return setImmediate(step);
			const space = v8.getHeapSpaceStatistics().find(s => s.space_name === 'new_space');
			process.stdout.write(String(space.space_size / 1048576));
			stop();
		};
		step();
	`;
	const run = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {encoding: 'utf8'});
	expect(run.stderr).toBe('');
	return Number(run.stdout);
}

test.runIf(applies)('without the cap, keeping tens of MB grows the young generation to V8 maximum (the memory the cap saves)', () => {
	expect(youngGenerationMb(undefined)).toBeGreaterThanOrEqual(32);
});

test.runIf(applies)('with a 4 MB cap the young generation stays within one growth of it while as much is kept', () => {
	expect(youngGenerationMb(4)).toBeLessThanOrEqual(16);
});

test.runIf(applies)('a size the user set with node flags is left as it is', () => {
	expect(youngGenerationMb(4, ['--max-semi-space-size=32'])).toBeGreaterThan(16);
});

test('the cap is applied on V8 11 (Node 20) only, where it was measured', () => {
	expect(capAppliesTo('11.3.244.8-node.33')).toBe(true);
	expect(capAppliesTo('12.4.254.21-node.33')).toBe(false);
	expect(capAppliesTo('14.6.202.41-node.26')).toBe(false);
});
