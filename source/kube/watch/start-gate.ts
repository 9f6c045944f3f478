/**
 * A process-wide gate on how many watches may be listing or opening a stream at once. Starting a
 * thousand watches together would otherwise send thousands of lists at the same moment: every one of
 * them then waits behind the others, times out, and retries together again. Time waiting at the gate
 * does not count towards a request's timeout.
 */
class Gate {
	private running = 0;
	/** Lists are admitted before stream opens: see acquire. */
	private readonly queues: Record<'list' | 'stream', Array<() => void>> = {list: [], stream: []};

	constructor(private limit: number) {}

	setLimit(limit: number): void {
		this.limit = Math.max(1, Math.floor(limit));
		// Admit the waiters a raised limit now lets in.
		while (this.running < this.limit && this.next()) this.shift()!();
	}

	private next(): (() => void) | undefined {
		return this.queues.list[0] ?? this.queues.stream[0];
	}

	private shift(): (() => void) | undefined {
		return this.queues.list.shift() ?? this.queues.stream.shift();
	}

	/**
	 * Resolves with a release function (call it once), or with undefined if the signal aborted first.
	 * Lists go first: a cluster's first lists are what fill its row, while a stream opened a little later
	 * loses nothing (it resumes from the list's resourceVersion). At start-up this halves the work
	 * queued in front of the last cluster's lists.
	 */
	acquire(signal: AbortSignal, kind: 'list' | 'stream' = 'list'): Promise<(() => void) | undefined> {
		if (signal.aborted) return Promise.resolve(undefined);
		const grant = (): (() => void) => {
			this.running++;
			let released = false;
			return () => {
				if (released) return;
				released = true;
				this.running--;
				if (this.running < this.limit) this.shift()?.();
			};
		};
		if (this.running < this.limit && !this.next()) return Promise.resolve(grant());
		const queue = this.queues[kind];
		return new Promise((resolve) => {
			const onAbort = () => {
				const index = queue.indexOf(wake);
				if (index !== -1) queue.splice(index, 1);
				resolve(undefined);
			};
			const wake = () => {
				signal.removeEventListener('abort', onAbort);
				resolve(grant());
			};
			queue.push(wake);
			signal.addEventListener('abort', onAbort, {once: true});
		});
	}
}

export const startGate = new Gate(32);

/** How many watches (process-wide) may list or open a stream at the same time. Default 32. */
export function setWatchStartConcurrency(limit: number): void {
	startGate.setLimit(limit);
}
