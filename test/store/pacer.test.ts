import {describe, expect, it} from 'vitest';
import {createPacer, frameBurst, intervalFor, maxFramesPerSecond} from '../../source/store/pacer.js';

/** Frames drawn under `demand` (ms at which a frame is wanted), each as soon as the pacer lets it. */
function drawn(pacer: ReturnType<typeof createPacer>, demand: number[]): number[] {
	const out: number[] = [];
	let free = Number.NEGATIVE_INFINITY;
	for (const want of demand) {
		const t = Math.max(want, free);
		// Rounded to the microsecond: the bucket counts in fractions of a token.
		const at = Math.round((t + pacer.waitMs(t)) * 1000) / 1000;
		pacer.take(at);
		out.push(at);
		free = at;
	}
	return out;
}

function mostInOneSecond(times: number[]): number {
	let most = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[i]! - times[j]! > 1000) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

describe('createPacer', () => {
	it('draws a burst of frames at once after a quiet spell, then one per interval', () => {
		const pacer = createPacer({burst: 3, intervalMs: 100});
		expect(drawn(pacer, [0, 10, 20, 30, 40])).toEqual([0, 10, 20, 100, 200]);
		// A quiet spell refills the bucket: three at once again.
		expect(drawn(pacer, [1000, 1001, 1002, 1003])).toEqual([1000, 1001, 1002, 1100]);
	});

	it('with a burst of one, is a minimum interval between frames (the console before)', () => {
		const pacer = createPacer({burst: 1, intervalMs: intervalFor(15, 1)});
		expect(intervalFor(15, 1)).toBe(67);
		expect(drawn(pacer, [0, 10, 200, 230])).toEqual([0, 67, 200, 267]);
	});

	it('keeps a storm (a frame wanted every millisecond for 5 s) within the frames a second allowed, evenly after the burst', () => {
		const interval = intervalFor(maxFramesPerSecond, frameBurst);
		const times = drawn(createPacer({burst: frameBurst, intervalMs: interval}), Array.from({length: 5000}, (_, i) => i)).filter(t => t <= 5000);
		expect(mostInOneSecond(times)).toBeLessThanOrEqual(maxFramesPerSecond);
		// Not starved either: one frame per interval once the burst is spent.
		const gaps = times.slice(frameBurst).map((t, i) => t - times[frameBurst - 1 + i]!);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(interval);
		expect(times.length).toBeGreaterThanOrEqual(Math.floor(5000 / interval));
	});

	it('lets a user\'s flips 40-160 ms apart through at once, where a minimum interval held a fifth of them back', () => {
		let seed = 7;
		const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
		const demand: number[] = [];
		for (let t = 0, i = 0; i < 200; i++, t += 45 + random() * 120) demand.push(t);
		const late = (burst: number) => {
			const times = drawn(createPacer({burst, intervalMs: intervalFor(maxFramesPerSecond, burst)}), demand);
			return times.filter((t, i) => t > demand[i]! + 0.01).length;
		};
		expect(late(1)).toBeGreaterThan(20);
		expect(late(frameBurst)).toBeLessThanOrEqual(2);
	});

	it('reads a burst given as a function at every call: a smaller one takes effect at once', () => {
		let burst = 1;
		const pacer = createPacer({burst: () => burst, intervalMs: 100});
		expect(drawn(pacer, [0, 1])).toEqual([0, 100]);
		burst = 3;
		expect(drawn(pacer, [1000, 1001, 1002])).toEqual([1000, 1001, 1002]);
		burst = 1;
		expect(drawn(pacer, [5000, 5001])).toEqual([5000, 5100]);
	});
});
