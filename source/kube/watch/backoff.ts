// The pauses of a watch loop: how long to wait after a failure, and a way to cut the wait short.

import type {BackoffSettings} from './types.js';

/** Equal jitter: half the delay fixed, half random, so a fleet of watches does not retry in lockstep. */
export function jitteredDelay(attempt: number, backoff: BackoffSettings, random = Math.random): number {
	const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
	return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * One loop's pauses and its count of consecutive failures. wake() ends the pause under way (or makes
 * the next one a no-op, if none is running) and restarts the error backoff from the shortest.
 *
 * A pause is a timer and a callback, not an AbortController: every loop of a big fleet keeps one of
 * these for its life, and an AbortSignal (an EventTarget with two listener maps and a shape of its
 * own) costs ~1 KB of heap, 4 MB at 1,001 clusters for pauses that are almost never running.
 */
export class Pauses {
	/** Consecutive failures, for the backoff. */
	private errors = 0;
	/** Ends the pause under way (wake, stop). */
	private cut: (() => void) | undefined;
	private woken = false;
	private restartBackoff = false;
	private halted = false;

	constructor(private readonly backoff: BackoffSettings) {}

	/** The loop stopped: end the pause under way, and every later one at once. */
	halt(): void {
		this.halted = true;
		this.cut?.();
	}

	wake(): void {
		this.woken = true;
		this.restartBackoff = true;
		this.cut?.();
	}

	/** A pause of ms, unless wake() came first (or the loop stops: halt()). */
	async sleep(ms: number): Promise<void> {
		if (!this.woken && !this.halted) {
			await new Promise<void>((resolve) => {
				const done = () => {
					clearTimeout(timer);
					this.cut = undefined;
					resolve();
				};
				const timer = setTimeout(done, ms);
				this.cut = done;
			});
		}
		this.woken = false;
	}

	/** The error backoff, one step longer each consecutive failure. */
	async afterError(): Promise<void> {
		await this.sleep(jitteredDelay(this.errors++, this.backoff));
		if (this.restartBackoff) {
			this.restartBackoff = false;
			this.errors = 0;
		}
	}

	/** The cluster proved healthy: the next failure waits the shortest again. */
	recovered(): void {
		this.errors = 0;
	}
}
