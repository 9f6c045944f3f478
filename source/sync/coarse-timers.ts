// Timers that may fire up to one grid step EARLY, in exchange for sharing one Node timer per grid
// step. A 1,001-cluster console keeps a reachability-probe timer per cluster (api-probe.ts); off
// screen each is re-armed about once a minute, after the cluster's last bookmark, which was ~20
// timer fires a second at 20 different instants, each its own wake-up of the process. On a grid
// they are one wake-up a step (the fleet's steps at the probe beat, 1.5 s: the rows on screen probe
// on the same steps). Early, never late: a caller that re-checks when its timer fires (the probe
// does) keeps its bound.

export type CoarseTimers = {
	/** Calls `fn` at the last grid step at or before `at` (performance.now() ms; at once if that is past). Returns the cancel. */
	at(at: number, fn: () => void): () => void;
	readonly gridMs: number;
	/** Cancels every wait (the owner stops). */
	stop(): void;
};

export function createCoarseTimers(gridMs: number): CoarseTimers {
	const steps = new Map<number, {timer: NodeJS.Timeout; due: Set<() => void>}>();
	const fire = (step: number) => {
		const entry = steps.get(step);
		steps.delete(step);
		if (entry) for (const fn of entry.due) fn();
	};
	return {
		gridMs,
		stop() {
			for (const entry of steps.values()) clearTimeout(entry.timer);
			steps.clear();
		},
		at(at, fn) {
			const now = performance.now();
			const step = Math.max(Math.floor(at / gridMs) * gridMs, Math.ceil(now));
			let entry = steps.get(step);
			if (!entry) {
				const timer = setTimeout(fire, step - now, step);
				// The work it starts (a request) keeps the process alive; a timer alone must not.
				timer.unref?.();
				steps.set(step, (entry = {timer, due: new Set()}));
			}
			// Each call its own entry: the same function may be due at two steps.
			const call = () => fn();
			entry.due.add(call);
			const mine = entry;
			return () => {
				mine.due.delete(call);
				if (mine.due.size > 0 || steps.get(step) !== mine) return;
				clearTimeout(mine.timer);
				steps.delete(step);
			};
		},
	};
}
