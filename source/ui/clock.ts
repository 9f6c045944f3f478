// Time for the "since" and "age" columns. One shared interval per period however many panes read
// it, stopped when nobody listens; snapshots are rounded down to the period, so a pane re-renders at
// most once per period. The age columns wait for the instant their next change is due instead (at):
// an idle process is woken only when there is something to draw. Tests pass a fixed clock.

export type Clock = {
	/** Current time rounded down to `period` ms. */
	now: (period: number) => number;
	subscribe: (period: number, onTick: () => void) => () => void;
	/** Calls `fn` once, when the time (Date.now()) has reached `t`, never before. Returns the cancel. */
	at: (t: number, fn: () => void) => () => void;
	/** A pane is about to re-render for the clock alone (an age reads differently): the frame writer hears of it. */
	rendering?: () => void;
	/**
	 * Rewrites cells on the screen in place, without a frame (the age overlay, age-overlay.ts): true
	 * when every patch was drawn, false (nothing drawn) when the screen cannot vouch for them.
	 */
	patch?: (patches: readonly CellPatch[]) => boolean;
};

/** Columns of one screen row (0-based `row`, `col`) that read `from` and are to read `to` (same width, same style). */
export type CellPatch = {row: number; col: number; from: string; to: string};

/**
 * `onRender`: told before each re-render the clock causes (the console's writer: ScreenWriter.clockFrame).
 * `patch`: draws age cells in place (ScreenWriter.patchCells); without it every age tick is a frame.
 */
export function createClock(options: {onRender?: () => void; patch?: (patches: readonly CellPatch[]) => boolean} = {}): Clock {
	const timers = new Map<number, {timer: NodeJS.Timeout; listeners: Set<() => void>}>();
	return {
		now: period => Math.floor(Date.now() / period) * period,
		rendering: options.onRender,
		patch: options.patch,
		at(t, fn) {
			let timer: NodeJS.Timeout | undefined;
			// A timer may fire a little before the wall clock reads `t` (they run on different clocks): wait out the rest.
			const arm = () => {
				const wait = t - Date.now();
				if (wait <= 0) {
					timer = undefined;
					return fn();
				}
				timer = setTimeout(arm, Math.min(wait, 2 ** 31 - 1));
				timer.unref?.();
			};
			timer = setTimeout(arm, Math.max(0, Math.min(t - Date.now(), 2 ** 31 - 1)));
			timer.unref?.();
			return () => clearTimeout(timer);
		},
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
		at(t, fn) {
			const check = () => {
				if (current < t || !listeners.has(check)) return;
				listeners.delete(check);
				fn();
			};
			listeners.add(check);
			if (current >= t) queueMicrotask(check);
			return () => listeners.delete(check);
		},
		set(next) {
			current = next;
			for (const l of [...listeners]) l();
		},
	};
}
