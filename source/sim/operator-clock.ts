// Simulated time for the controllers of one fleet: every delay is scaled by --speed, and seeding
// runs with `instant` set so that a fleet starts already settled whatever the speed.

export type SimClock = {
	speed: number;
	/** While true every delay is 0 (fleet start-up). */
	instant: boolean;
};

export function createClock(speed: number): SimClock {
	return {speed, instant: false};
}

export function scaled(clock: SimClock, ms: number): number {
	return clock.instant ? 0 : Math.round(ms * clock.speed);
}

/** Timers that a controller clears on stop, so a stopped fleet leaves nothing behind. */
export type Timers = {
	/** Runs fn now (delay 0) or later; returns a cancel function. */
	after(ms: number, fn: () => void): () => void;
	clear(): void;
};

export function createTimers(): Timers {
	const live = new Set<NodeJS.Timeout>();
	return {
		after(ms, fn) {
			if (ms <= 0) {
				fn();
				return () => {};
			}
			const t = setTimeout(() => {
				live.delete(t);
				fn();
			}, ms);
			live.add(t);
			return () => {
				clearTimeout(t);
				live.delete(t);
			};
		},
		clear() {
			for (const t of live) clearTimeout(t);
			live.clear();
		},
	};
}
