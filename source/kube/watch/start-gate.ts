// A process-wide gate on how many watches may be listing or opening a stream at once. Starting a
// thousand watches together would otherwise send thousands of lists at the same moment: every one of
// them then waits behind the others, times out, and retries together again. Time waiting at the gate
// does not count towards a request's timeout.

import PQueue from 'p-queue';

/**
 * Lists go first: a cluster's first lists are what fill its row, while a stream opened a little later
 * loses nothing (it resumes from the list's resourceVersion). At start-up this halves the work queued
 * in front of the last cluster's lists. Equal priorities keep their order.
 */
const priorities = {list: 1, stream: 0} as const;

const queue = new PQueue({concurrency: 32});

/**
 * Waits for a slot. Resolves with a release function (call it once; later calls do nothing), or with
 * undefined if the signal aborted first (the waiter then leaves the queue). The slot is held from the
 * moment the queue starts the task until release(), or until the signal aborts.
 */
export function acquireStart(signal: AbortSignal, kind: 'list' | 'stream' = 'list'): Promise<(() => void) | undefined> {
	return new Promise((resolve) => {
		let release!: () => void;
		const held = new Promise<void>((done) => (release = done));
		queue
			.add(() => {
				resolve(release);
				return held;
			}, {priority: priorities[kind], signal})
			// Aborted while waiting: no slot. (Aborted while holding one: resolved already, so this does nothing.)
			.catch(() => resolve(undefined));
	});
}

/** How many watches (process-wide) may list or open a stream at the same time. Default 32. */
export function setWatchStartConcurrency(limit: number): void {
	queue.concurrency = Math.max(1, Math.floor(limit));
}
