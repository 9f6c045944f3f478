// "Maximum update depth exceeded" during a join on a loaded machine: the steps pane's spinner read
// the time in React's getSnapshot, so a render slower than the spinner's 125 ms period saw a new
// snapshot and rendered again at once, and again. The time must move only when the clock ticks.
import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import type {Clock} from '../../source/ui/clock.js';
import {delay, fixtureStore, now, run, waitFor} from './fixtures.js';
import {renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

/** A clock on a machine so slow that every read of the time is 200 ms after the last one. */
function slowMachineClock(): Clock & {tick: () => void} {
	let t = now;
	const listeners = new Set<() => void>();
	return {
		now: period => {
			t += 200;
			return Math.floor(t / period) * period;
		},
		subscribe(_period, onTick) {
			listeners.add(onTick);
			return () => listeners.delete(onTick);
		},
		// As the ticks: what waits for an instant hears of it on a tick, never from a read of the time.
		at(due, fn) {
			const check = () => {
				if (t < due) return;
				listeners.delete(check);
				fn();
			};
			listeners.add(check);
			return () => listeners.delete(check);
		},
		tick: () => {
			for (const l of [...listeners]) l();
		},
	};
}

describe('the time a pane shows', () => {
	test('a running step re-renders on clock ticks only, however slow a render is', async () => {
		const errors: string[] = [];
		const original = console.error;
		console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
		try {
			const clock = slowMachineClock();
			const store = fixtureStore();
			store.getState().putRun(run());
			const h = await renderAt(<App store={store} ui={createUiStore({focus: 'steps'})} clock={clock} size={{columns: 120, rows: 30}} />, 120, 30);
			await waitFor(() => expect(h.lastFrame()).toMatch(/Steps ─ .*running/));
			const settled = h.stdout.frames.length;
			await delay(300);
			// No tick, no frame: before, ~50 frames in these 300 ms, each render asking for the next.
			expect(h.stdout.frames.length - settled).toBeLessThanOrEqual(1);
			const before = h.lastFrame();
			clock.tick();
			await waitFor(() => expect(h.lastFrame()).not.toEqual(before));
			expect(errors.filter(e => /getSnapshot|Maximum update depth/.test(e))).toEqual([]);
		} finally {
			console.error = original;
		}
	});
});
