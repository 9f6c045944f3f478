// Time for the "since" and "age" columns. One shared interval per period however many panes read
// it, stopped when nobody listens; snapshots are rounded down to the period, so a pane re-renders at
// most once per period. Tests pass a fixed clock.

export type Clock = {
	/** Current time rounded down to `period` ms. */
	now: (period: number) => number;
	subscribe: (period: number, onTick: () => void) => () => void;
	/** A pane is about to re-render for the clock alone (an age reads differently): the frame writer hears of it. */
	rendering?: () => void;
};

/** `onRender`: told before each re-render the clock causes (the console's writer: ScreenWriter.clockFrame). */
export function createClock(options: {onRender?: () => void} = {}): Clock {
	const timers = new Map<number, {timer: NodeJS.Timeout; listeners: Set<() => void>}>();
	return {
		now: period => Math.floor(Date.now() / period) * period,
		rendering: options.onRender,
		subscribe(period, onTick) {
			let entry = timers.get(period);
			if (!entry) {
				const listeners = new Set<() => void>();
				const timer = setInterval(() => {
					for (const l of [...listeners]) l();
				}, period);
				timer.unref?.();
				entry = {timer, listeners};
				timers.set(period, entry);
			}
			entry.listeners.add(onTick);
			return () => {
				const e = timers.get(period);
				if (!e) return;
				e.listeners.delete(onTick);
				if (e.listeners.size === 0) {
					clearInterval(e.timer);
					timers.delete(period);
				}
			};
		},
	};
}

/** A clock that stands still at `t` (or advances when `set` is called): deterministic tests. */
export function createFixedClock(t: number): Clock & {set: (t: number) => void} {
	let current = t;
	const listeners = new Set<() => void>();
	return {
		now: period => Math.floor(current / period) * period,
		subscribe(_period, onTick) {
			listeners.add(onTick);
			return () => listeners.delete(onTick);
		},
		set(next) {
			current = next;
			for (const l of [...listeners]) l();
		},
	};
}
