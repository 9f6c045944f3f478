import {spawnSync} from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import {describe, expect, it} from 'vitest';
import {baselineAppliesTo, baselineForBigFleet} from '../../source/cli/loading-compile.js';
import {settleCollectionMinContexts} from '../../source/cli/settle-collection.js';

// A console watching a big fleet runs on V8's baseline code (loading-compile.ts): TurboFan compiling
// the load's code, hot once, was ~1.3 of the console's ~6.7 CPU-s to a complete 1,001-cluster fleet.

// Node 20's V8 11 only (loading-compile.ts says why); on a newer Node the real-V8 test says it is skipped.
const applies = baselineAppliesTo(process.versions.v8);

function harness(contexts: number, appliesTo = true) {
	const log: string[] = [];
	const back = baselineForBigFleet(contexts, {
		appliesTo,
		compilerOff: () => {
			log.push('off');
			return () => log.push('on');
		},
	});
	return {log, back};
}

describe('baselineForBigFleet', () => {
	it('turns the optimizing compiler off on a fleet that has a load, and back on only when the console stops', () => {
		const h = harness(settleCollectionMinContexts);
		expect(h.log).toEqual(['off']);
		h.back();
		expect(h.log).toEqual(['off', 'on']);
	});

	it('never touches the compiler on a small fleet, nor on a V8 other than Node 20\'s', () => {
		for (const h of [harness(settleCollectionMinContexts - 1), harness(settleCollectionMinContexts, false)]) {
			h.back();
			expect(h.log).toEqual([]);
		}
		expect([baselineAppliesTo('11.3.244.8-node.38'), baselineAppliesTo('14.6.202.34-node.40')]).toEqual([true, false]);
	});

	it.runIf(applies)('hot code stays on baseline code once switched, and is optimized again after the console stops (real V8); a user\'s own --turbofan is left alone', () => {
		const moduleUrl = new URL(`file://${path.resolve(import.meta.dirname, '../../dist/source/cli/loading-compile.js')}`).href;
		// %ActiveTierIsTurbofan: the function runs TurboFan's code (V8 11 and 14 alike, where the bits of
		// %GetOptimizationStatus moved).
		const script = `
			import {baselineForBigFleet} from ${JSON.stringify(moduleUrl)};
			function hot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 3; return s; }
			const data = Array.from({length: 100}, (_, i) => i);
			const spin = max => new Promise(resolve => {
				let rounds = 0;
				const step = () => {
					for (let i = 0; i < 2000; i++) hot(data);
					if (%ActiveTierIsTurbofan(hot) || ++rounds > max) resolve(%ActiveTierIsTurbofan(hot));
					else setImmediate(step);
				};
				step();
			});
			const back = baselineForBigFleet(${settleCollectionMinContexts});
			const running = await spin(60);
			back();
			const stopped = await spin(600);
			process.stdout.write(JSON.stringify({running, stopped}));
		`;
		const run = (...flags: string[]) => {
			const r = spawnSync(process.execPath, [...flags, '--allow-natives-syntax', '--input-type=module', '-e', script], {encoding: 'utf8'});
			expect(r.stderr).toBe('');
			return JSON.parse(r.stdout) as unknown;
		};
		expect(run()).toEqual({running: false, stopped: true});
		expect(run('--turbofan')).toEqual({running: true, stopped: true});
	}, 30_000);
});
