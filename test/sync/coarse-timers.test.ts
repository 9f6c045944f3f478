import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createCoarseTimers} from '../../source/sync/coarse-timers.js';

// On a simulated clock: what fires when, and how many Node timers it took.

describe('createCoarseTimers', () => {
	beforeEach(() => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'performance']});
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('fires every wait at the grid step at or before it: early by under a step, never late, one timer per step', async () => {
		const timers = createCoarseTimers(1000);
		const start = performance.now();
		const fired: Array<{due: number; at: number}> = [];
		// 50 waits spread over 5 s, as re-armed probes of a big fleet are.
		for (let i = 0; i < 50; i++) {
			const due = start + 5000 + i * 100;
			timers.at(due, () => fired.push({due, at: performance.now()}));
		}
		expect(vi.getTimerCount()).toBeLessThanOrEqual(6);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(fired).toHaveLength(50);
		for (const {due, at} of fired) {
			expect(at).toBeLessThanOrEqual(due);
			expect(due - at).toBeLessThan(1000);
		}
		expect(new Set(fired.map(f => f.at)).size).toBeLessThanOrEqual(6);
	});

	it('a cancelled wait does not fire, and a step whose waits are all cancelled leaves no timer', async () => {
		const timers = createCoarseTimers(1000);
		const calls: string[] = [];
		const cancelA = timers.at(performance.now() + 3500, () => calls.push('a'));
		timers.at(performance.now() + 3700, () => calls.push('b'));
		const cancelC = timers.at(performance.now() + 8200, () => calls.push('c'));
		cancelA();
		cancelC();
		expect(vi.getTimerCount()).toBe(1);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(calls).toEqual(['b']);
	});

	it('a wait already due fires at once', async () => {
		const timers = createCoarseTimers(1000);
		let fired = false;
		timers.at(performance.now() - 50, () => (fired = true));
		await vi.advanceTimersByTimeAsync(1);
		expect(fired).toBe(true);
	});
});
