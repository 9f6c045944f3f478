// A coalescing buffer: changes are collected by key (the latest value per key wins) and handed over
// at most once per window, from one timer. A storm of events inside a window costs one flush, which
// is what keeps a 1,000-cluster fleet at one store update per window instead of one per event.

export type Coalescer<K, V> = {
	/** Record a change; schedules a flush at the end of the window unless one is scheduled already. */
	put(key: K, value: V): void;
	/** Hand over what is pending now (no-op when nothing is), cancelling the scheduled flush. */
	flush(): void;
	/** How many keys are pending. */
	readonly size: number;
	/** Drop what is pending and the timer; later puts are ignored. */
	stop(): void;
};

export type CoalescerOptions<K, V> = {
	/** The window, in ms (default 100). */
	windowMs?: number;
	onFlush: (batch: Map<K, V>) => void;
	/** Called when onFlush throws: a failing consumer must not kill the timer loop. Default: rethrow asynchronously. */
	onError?: (error: unknown) => void;
};

export function createCoalescer<K, V>(options: CoalescerOptions<K, V>): Coalescer<K, V> {
	const windowMs = options.windowMs ?? 100;
	let pending = new Map<K, V>();
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;

	const flush = () => {
		if (timer) {
			clearTimeout(timer);
			timer = undefined;
		}
		if (pending.size === 0) return;
		const batch = pending;
		pending = new Map();
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

	return {
		put(key, value) {
			if (stopped) return;
			pending.delete(key); // re-insert: keys flush in the order of their latest change
			pending.set(key, value);
			timer ??= setTimeout(flush, windowMs);
		},
		flush,
		get size() {
			return pending.size;
		},
		stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			timer = undefined;
			pending = new Map();
		},
	};
}
