import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {expect, test} from 'vitest';
import {reducingCollectionAppliesTo} from '../../source/cli/reducing-collection.js';

// What a user would notice of the settle collection on Node 20 (reducing-collection.ts): the console's
// memory right after a big fleet loaded. Each case is a fresh node process that keeps tens of MB as a
// fleet's load does (growing V8's young generation to its maximum) and then drops three quarters of it
// (the load's garbage, spread over every page), then runs what the console runs once the fleet settled.
// On a newer Node these say they are skipped; the last test checks which V8 gets the collection.
const applies = reducingCollectionAppliesTo(process.versions.v8);

const dist = path.resolve(import.meta.dirname, '../../dist/source/cli');
const url = (file: string) => JSON.stringify(new URL(`file://${path.join(dist, file)}`).href);

type Report = {newMb: number; oldMb: number; oldUsedMb: number; started: boolean; flags: string[]};

function run(body: string, nodeFlags: string[] = []): Report {
	const script = `
		import v8 from 'node:v8';
		import {settleCollection} from ${url('settle-collection.js')};
		import {startReducingCollection} from ${url('reducing-collection.js')};
		const space = name => v8.getHeapSpaceStatistics().find(s => s.space_name === name);
		const mb = n => Math.round(n / 1048576 * 10) / 10;
		const spaces = () => ({newMb: mb(space('new_space').space_size), oldMb: mb(space('old_space').space_size), oldUsedMb: mb(space('old_space').space_used_size)});
		const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
		let kept = [];
		let n = 0;
		const keep = async count => { while (count > 0) { for (let i = 0; i < 20000; i++) kept.push({n: n++, name: 'cluster-' + n}); count -= 20000; await new Promise(r => setImmediate(r)); } };
		await keep(800000);
		kept = kept.filter((_, i) => i % 4 === 0);
		const report = {flags: []};
		// The console's own timers and sockets keep it running; here this does (the collection's timers are unref'd).
		const alive = setInterval(() => {}, 1000);
		${body}
		clearInterval(alive);
		process.stdout.write(JSON.stringify(report));
	`;
	const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 60_000});
	// The console's screen is its stderr: nothing may be written there.
	expect(child.stderr).toBe('');
	return JSON.parse(child.stdout) as Report;
}

const settle = `
	const before = spaces();
	if (before.newMb < 16) throw new Error('the young generation did not grow: ' + JSON.stringify(before));
	settleCollection();
	await sleep(3000);
	Object.assign(report, spaces());
`;

test.runIf(applies)('once a big fleet settled, the young generation is back to its smallest and the old space compact within seconds', () => {
	const r = run(settle);
	expect(r.newMb).toBeLessThanOrEqual(2);
	// ~25 MB live, in pages the dropped objects had filled: committed is the live bytes and little more.
	expect(r.oldMb).toBeLessThan(r.oldUsedMb * 1.25 + 2);
});

test.runIf(applies)('V8 is left as it was: every flag changed is put back, the last once the memory reducer has run', () => {
	const r = run(`
		const setFlags = f => { report.flags.push(f); v8.setFlagsFromString(f); };
		await new Promise(restored => { report.started = startReducingCollection({setFlags, restored, reducerWaitMs: 500}); });
	`);
	expect(r.started).toBe(true);
	expect(r.flags).toEqual([
		'--optimize-for-size', '--no-optimize-for-size', '--max-semi-space-size=0',
		'--optimize-for-size', '--no-optimize-for-size', '--max-semi-space-size=0',
		'--memory-reducer-single-gc', '--no-memory-reducer-single-gc',
	]);
});

test.runIf(applies)('memory settings the user chose with node flags are left alone: no flag is changed', () => {
	for (const flags of [['--optimize-for-size'], ['--max-semi-space-size=16'], ['--memory-reducer-single-gc']]) {
		const r = run(`report.started = startReducingCollection({setFlags: f => report.flags.push(f)});`, flags);
		expect(r.started).toBe(false);
		expect(r.flags).toEqual([]);
	}
});

test('the collection is for V8 11 (Node 20) only, where it was measured', () => {
	expect(reducingCollectionAppliesTo('11.3.244.8-node.38')).toBe(true);
	expect(reducingCollectionAppliesTo('12.4.254.21-node.33')).toBe(false);
	expect(reducingCollectionAppliesTo('14.6.202.41-node.26')).toBe(false);
});
