// A coalescing buffer: changes are collected by key (the latest value per key wins) and handed over
// at most once per window, paced by a token bucket (store/pacer.ts) of `burst` flushes. While the bucket
// holds a token, a change is handed over on the next turn of the event loop (leading edge: a lone
// connection flip reaches the store in about a millisecond, not a window later); once a burst has
// spent it, changes wait for the next token, one window after the last (trailing edge). A storm of
// events therefore still costs at most one flush per window (plus the burst), which is what keeps a
// 1,000-cluster fleet at one store update per window instead of one per event.

import {createPacer} from '../store/pacer.js';

export type Coalescer<K, V> = {
	/** Record a change; schedules a flush (next tick while the bucket holds a token, else when it gets one back) unless one is scheduled already. */
	put(key: K, value: V): void;
	/** Hand over what is pending now (no-op when nothing is), cancelling the scheduled flush. */
	flush(): void;
	/** How many keys are pending. */
	readonly size: number;
	/** Drop what is pending and the timer; later puts are ignored. */
	stop(): void;
};

export type CoalescerOptions<K, V> = {
	/** The window, in ms (default 100): one token back per window, so at most one flush per window besides the burst. Read at every flush when a function. */
	windowMs?: number | (() => number);
	/** Flushes handed over at once after a quiet spell (default 1: one per window). Read at every flush when a function. */
	burst?: number | (() => number);
	onFlush: (batch: Map<K, V>) => void;
	/** Called when onFlush throws: a failing consumer must not kill the timer loop. Default: rethrow asynchronously. */
	onError?: (error: unknown) => void;
};

export function createCoalescer<K, V>(options: CoalescerOptions<K, V>): Coalescer<K, V> {
	const pacer = createPacer({intervalMs: options.windowMs ?? 100, burst: options.burst ?? 1});
	let pending = new Map<K, V>();
	let timer: NodeJS.Timeout | undefined;
	let immediate: NodeJS.Immediate | undefined;
	let stopped = false;

	const cancel = () => {
		if (timer) clearTimeout(timer);
		if (immediate) clearImmediate(immediate);
		timer = undefined;
		immediate = undefined;
	};

	const flush = () => {
		cancel();
		if (pending.size === 0) return;
		const batch = pending;
		pending = new Map();
		pacer.take(performance.now());
		try {
			options.onFlush(batch);
		} catch (error) {
			if (options.onError) options.onError(error);
			else
				queueMicrotask(() => {
					throw error;
				});
		}
	};

	const schedule = () => {
		if (timer || immediate) return;
		const wait = pacer.waitMs(performance.now());
		// setImmediate, not a synchronous flush: the other events of the same read (a watch chunk often
		// carries several lines, a relist many items) still land in the same batch.
		if (wait <= 0) immediate = setImmediate(flush);
		else timer = setTimeout(flush, wait);
	};

	return {
		put(key, value) {
			if (stopped) return;
			pending.delete(key); // re-insert: keys flush in the order of their latest change
			pending.set(key, value);
			schedule();
		},
		flush,
		get size() {
			return pending.size;
		},
		stop() {
			stopped = true;
			cancel();
			pending = new Map();
		},
	};
}
