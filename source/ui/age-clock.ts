// The "age" cells (`12s`, `3m`, `5h`) without a frame per second. A frame is a whole ink render
// (~20-30 ms for a full screen), so a pane re-renders for the clock only when an age it shows would
// read differently, on a coarser step as the ages grow: by the second while some age is under 10 s
// (just after a change, when it matters), then on a 10 s grid of the wall clock until two minutes,
// then on a 30 s grid. The grid gathers the roll-overs of rows that changed at different moments into
// one frame; a shown age is then at most 10 s (30 s) behind, always a value it really had.
import {useEffect, useRef, useState} from 'react';
import {useUiContext} from './context.js';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** The first instant after `now` at which format.age(now - since) reads differently. */
export function nextAgeChange(since: number, now: number): number {
	const elapsed = Math.max(0, now - since);
	const step = elapsed < 120 * second ? second : elapsed < 120 * minute ? minute : elapsed < 48 * hour ? hour : day;
	return since + (Math.floor(elapsed / step) + 1) * step;
}

/** When the first of these ages changes, each on its grid (see above). */
export function nextAgesChange(sinces: readonly number[], now: number): number {
	let next = Number.POSITIVE_INFINITY;
	for (const since of sinces) {
		const elapsed = now - since;
		const change = nextAgeChange(since, now);
		const grid = elapsed < 10 * second ? 0 : elapsed < 120 * second ? 10 * second : 30 * second;
		next = Math.min(next, grid ? Math.ceil(change / grid) * grid : change);
	}
	return next;
}

/**
 * The time to compute these ages with: stands still (no re-render) until one of them would change.
 * Nothing ticks in between: one timer waits for the first whole second at or after that change (the
 * time is read rounded down to the second). A tick every second that only compared two numbers was
 * still a wake-up of the process every second, and on the machine the bench runs on an idle Node
 * process pays ~0.5-1 ms of CPU for each (an empty 1 s interval: ~1 ms a tick), for ages that move
 * every 10 or 30 s.
 *
 * `overlay(now)`: draws the tick's changed ages in place, without a render (age-overlay.ts); true when
 * it did, false when the tick needs a frame.
 */
export function useAgeNow(sinces: readonly number[], overlay?: (now: number) => boolean): number {
	const {clock} = useUiContext();
	const [rendered, setNow] = useState(() => clock.now(second));
	// The time the screen shows: the last render's, or later when the overlay drew a tick without one.
	// A render for any other reason uses it, so it never draws the ages back to an older tick.
	const shown = useRef(rendered);
	if (rendered > shown.current) shown.current = rendered;
	const now = shown.current;
	const due = nextAgesChange(sinces, now);
	const latest = useRef({sinces, overlay});
	latest.current = {sinces, overlay};
	useEffect(() => {
		let cancel: (() => void) | undefined;
		const arm = (when: number) => {
			if (!Number.isFinite(when)) return;
			cancel = clock.at(Math.ceil(when / second) * second, () => {
				const t = clock.now(second);
				// The overlay rewrote the cells in place (no render): wait for the next change from there.
				if (latest.current.overlay?.(t) === true) {
					shown.current = t;
					return arm(nextAgesChange(latest.current.sinces, t));
				}
				clock.rendering?.();
				setNow(t);
			});
		};
		arm(due);
		return () => cancel?.();
	}, [clock, due]);
	return now;
}
