import {afterEach, describe, expect, it, vi} from 'vitest';
import {createCoalescer} from '../../source/store/coalesce.js';

describe('createCoalescer', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('hands over a storm of 1,000 changes as one batch at the end of the window, latest value per key', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		const c = createCoalescer<string, number>({windowMs: 100, onFlush: b => batches.push(b)});
		for (let i = 0; i < 1000; i++) c.put(`k${i % 10}`, i);
		expect(batches).toHaveLength(0);
		vi.advanceTimersByTime(99);
		expect(batches).toHaveLength(0);
		vi.advanceTimersByTime(1);
		expect(batches).toHaveLength(1);
		expect(batches[0].size).toBe(10);
		expect(batches[0].get('k3')).toBe(993);
		vi.advanceTimersByTime(1000);
		expect(batches).toHaveLength(1);
	});

	it('flushes at most once per window under a steady stream', () => {
		vi.useFakeTimers();
		let flushes = 0;
		const c = createCoalescer<number, true>({windowMs: 100, onFlush: () => flushes++});
		for (let t = 0; t < 1000; t += 5) {
			c.put(t, true);
			vi.advanceTimersByTime(5);
		}
		expect(flushes).toBeLessThanOrEqual(10);
		expect(flushes).toBeGreaterThanOrEqual(9);
	});

	it('flush() hands over at once and cancels the timer; stop() drops everything', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, string>> = [];
		const c = createCoalescer<string, string>({onFlush: b => batches.push(b)});
		c.put('a', '1');
		c.flush();
		expect(batches.map(b => [...b])).toEqual([[['a', '1']]]);
		vi.advanceTimersByTime(500);
		expect(batches).toHaveLength(1);
		c.flush();
		expect(batches).toHaveLength(1);
		c.put('b', '2');
		c.stop();
		c.put('c', '3');
		vi.advanceTimersByTime(500);
		expect(batches).toHaveLength(1);
		expect(c.size).toBe(0);
	});

	it('keeps flushing after a consumer error', () => {
		vi.useFakeTimers();
		const errors: unknown[] = [];
		let calls = 0;
		const c = createCoalescer<string, number>({
			onFlush: () => {
				calls++;
				if (calls === 1) throw new Error('boom');
			},
			onError: e => errors.push(e),
		});
		c.put('a', 1);
		vi.advanceTimersByTime(100);
		c.put('a', 2);
		vi.advanceTimersByTime(100);
		expect(calls).toBe(2);
		expect(errors).toHaveLength(1);
	});
});
