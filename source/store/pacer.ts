// A token bucket for frames (and the store updates that make them): a few at once, then one per
// interval. A hard minimum interval between frames (what the console had) holds a change back
// whenever the one before it was drawn less than an interval ago: connection flips a user makes every
// 40-160 ms waited up to 67 ms each time two came close (a fifth of them at 1,001 clusters, the p99 of
// the flip→screen latency), for a cap that is there to fold storms of hundreds of events a second. A
// bucket of `burst` tokens draws such changes at once, and a storm still drains it within its first
// frames and then gets one frame per interval.

/** The most frames the console draws in any second (its screen writer's cap, and the fleet's store updates). */
export const maxFramesPerSecond = 15;

/** Frames drawn at once after a quiet spell. */
export const frameBurst = 3;

export type Pacer = {
	/** How long, in ms, until a frame may be drawn at `now` (0: now). */
	waitMs(now: number): number;
	/** A frame was drawn at `now` (whether or not one was due: a key press is answered at once). */
	take(now: number): void;
};

export type PacerOptions = {
	/** Tokens the bucket holds: frames drawn at once after a quiet spell. Read at every call when a function. */
	burst: number | (() => number);
	/** One token back per interval, in ms. Read at every call when a function. */
	intervalMs: number | (() => number);
};

/**
 * The interval that keeps `burst`-frame bursts within `perSecond` frames in any second: a full bucket
 * spends `burst` at once and gets one back per interval, so a second holds burst + floor(1000 / interval).
 */
export function intervalFor(perSecond: number, burst: number): number {
	return Math.ceil(1000 / Math.max(1, perSecond - burst + 1));
}

export function createPacer(options: PacerOptions): Pacer {
	const read = (v: number | (() => number)) => (typeof v === 'function' ? v() : v);
	let tokens = Number.POSITIVE_INFINITY;
	let at = Number.NEGATIVE_INFINITY;
	const refill = (now: number): number => {
		const burst = Math.max(1, read(options.burst));
		const interval = read(options.intervalMs);
		if (now > at) tokens = Math.min(burst, tokens + (interval > 0 ? (now - at) / interval : Number.POSITIVE_INFINITY));
		// A smaller burst than the bucket holds (a loading fleet) takes effect at once.
		tokens = Math.min(tokens, burst);
		at = Math.max(at, now);
		return interval;
	};
	return {
		waitMs(now) {
			const interval = refill(now);
			// Within rounding of a whole token (a timer set for the wait came due): draw.
			return tokens >= 1 - 1e-9 ? 0 : (1 - tokens) * interval;
		},
		take(now) {
			refill(now);
			tokens = Math.max(0, tokens - 1);
		},
	};
}
