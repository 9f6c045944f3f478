// The pauses of a watch loop: how long to wait after a failure, and a way to cut the wait short.

import type {BackoffSettings} from './types.js';

/** Equal jitter: half the delay fixed, half random, so a fleet of watches does not retry in lockstep. */
export function jitteredDelay(attempt: number, backoff: BackoffSettings, random = Math.random): number {
	const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
	return Math.round(base / 2 + (random() * base) / 2);
}

/** Waits ms, or less if the signal aborts. */
export const sleepFor = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
		signal.addEventListener('abort', done, {once: true});
	});

/**
 * One loop's pauses and its count of consecutive failures. wake() ends the pause under way (or makes
 * the next one a no-op, if none is running) and restarts the error backoff from the shortest.
 */
export class Pauses {
	/** Consecutive failures, for the backoff. */
	private errors = 0;
	/** Aborted by wake(): ends the current pause. */
	private waker = new AbortController();
	private woken = false;
	private restartBackoff = false;

	constructor(
		private readonly stop: AbortSignal,
		private readonly backoff: BackoffSettings,
	) {}

	wake(): void {
		this.woken = true;
		this.restartBackoff = true;
		this.waker.abort();
	}

	/** A pause of ms, unless wake() came first. */
	async sleep(ms: number): Promise<void> {
		if (!this.woken) await sleepFor(ms, AbortSignal.any([this.stop, this.waker.signal]));
		if (this.woken) {
			this.woken = false;
			this.waker = new AbortController();
		}
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
