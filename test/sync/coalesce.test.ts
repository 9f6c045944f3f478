import {afterEach, describe, expect, it, vi} from 'vitest';
import {createCoalescer} from '../../source/sync/coalesce.js';

describe('createCoalescer', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('hands a lone change over on the next tick, not a window later', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		const c = createCoalescer<string, number>({windowMs: 100, onFlush: b => batches.push(b)});
		c.put('a', 1);
		expect(batches).toHaveLength(0); // never synchronously: the rest of the same read joins the batch
		vi.advanceTimersByTime(1);
		expect(batches.map(b => [...b])).toEqual([[['a', 1]]]);
		// Another lone change after a quiet window: on the next tick again.
		vi.advanceTimersByTime(500);
		c.put('b', 2);
		vi.advanceTimersByTime(1);
		expect(batches).toHaveLength(2);
	});

	it('hands over a storm of 1,000 changes in one tick as one batch, latest value per key', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		const c = createCoalescer<string, number>({windowMs: 100, onFlush: b => batches.push(b)});
		for (let i = 0; i < 1000; i++) c.put(`k${i % 10}`, i);
		expect(batches).toHaveLength(0);
		vi.advanceTimersByTime(1);
		expect(batches).toHaveLength(1);
		expect(batches[0].size).toBe(10);
		expect(batches[0].get('k3')).toBe(993);
		vi.advanceTimersByTime(1000);
		expect(batches).toHaveLength(1);
	});

	it('reads a window given as a function at every flush: long while loading, short after', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		let loading = true;
		const c = createCoalescer<string, number>({windowMs: () => (loading ? 400 : 100), onFlush: b => batches.push(b)});
		c.put('a', 1);
		vi.advanceTimersByTime(1); // leading flush
		c.put('b', 2);
		vi.advanceTimersByTime(300);
		expect(batches).toHaveLength(1); // still inside the loading window
		vi.advanceTimersByTime(100);
		expect(batches).toHaveLength(2);
		loading = false;
		c.put('c', 3);
		vi.advanceTimersByTime(101);
		expect(batches).toHaveLength(3);
	});

	it('holds changes that follow a flush until the end of its window', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		const c = createCoalescer<string, number>({windowMs: 100, onFlush: b => batches.push(b)});
		c.put('a', 1);
		vi.advanceTimersByTime(1); // leading flush
		vi.advanceTimersByTime(29);
		c.put('b', 2);
		c.put('c', 3);
		vi.advanceTimersByTime(69);
		expect(batches).toHaveLength(1);
		vi.advanceTimersByTime(2);
		expect(batches).toHaveLength(2);
		expect([...batches[1].keys()]).toEqual(['b', 'c']);
	});

	it('with a burst, hands over each of a few changes close together on the next tick; the one past the burst waits', () => {
		vi.useFakeTimers();
		const batches: Array<Map<string, number>> = [];
		const c = createCoalescer<string, number>({windowMs: 100, burst: 3, onFlush: b => batches.push(b)});
		for (const [i, key] of ['a', 'b', 'c'].entries()) {
			c.put(key, i);
			vi.advanceTimersByTime(1);
			expect(batches).toHaveLength(i + 1);
			vi.advanceTimersByTime(9);
		}
		c.put('d', 3);
		vi.advanceTimersByTime(50);
		expect(batches).toHaveLength(3);
		vi.advanceTimersByTime(50);
		expect(batches.map(b => [...b.keys()])).toEqual([['a'], ['b'], ['c'], ['d']]);
	});

	it('costs a bounded number of flushes for 1,000 changes spread over a second', () => {
		vi.useFakeTimers();
		let flushes = 0;
		let keys = 0;
		const c = createCoalescer<number, true>({windowMs: 100, onFlush: b => {
			flushes++;
			keys += b.size;
		}});
		for (let i = 0; i < 1000; i++) {
			c.put(i, true);
			vi.advanceTimersByTime(1);
		}
		vi.advanceTimersByTime(200);
		expect(keys).toBe(1000);
		// One leading flush, then one per 100 ms window.
		expect(flushes).toBeLessThanOrEqual(11);
		expect(flushes).toBeGreaterThanOrEqual(10);
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
