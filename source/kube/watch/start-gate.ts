// A process-wide gate on how many watches may be listing or opening a stream at once. Starting a
// thousand watches together would otherwise send thousands of lists at the same moment: every one of
// them then waits behind the others, times out, and retries together again. Time waiting at the gate
// does not count towards a request's timeout.
//
// Two first-in-first-out queues and a count, not p-queue: a 1,001-cluster start passes ~9,000 waiters
// through here, and p-queue's own work per task (an options copy, an id and a Symbol, a running-task
// record, an async wrapper, a Promise.race with an abort listener while the task runs, a priority
// queue it compacts, events) was ~2-3 % of the console's CPU to a complete fleet and as much of its
// allocation. A stream's wait needs no AbortSignal either: waitStart hands back its own withdraw.

/**
 * Lists go first: a cluster's first lists are what fill its row, while a stream opened a little later
 * loses nothing (it resumes from the list's resourceVersion). At start-up this halves the work queued
 * in front of the last cluster's lists. Equal kinds keep their order.
 */
type Kind = 'list' | 'stream';

/** A slot's release (call it once; later calls do nothing), or undefined when the wait was withdrawn. */
type Admission = (() => void) | undefined;

/** One waiter: admitted (with its release) or withdrawn, once. */
class Wait {
	/** 'waiting' until admitted or withdrawn; 'holding' between admission and release. */
	state: 'waiting' | 'holding' | 'done' = 'waiting';
	readonly admitted: Promise<Admission>;
	private settle!: (admission: Admission) => void;

	constructor(
		private readonly gate: Gate,
		/** The caller's signal, if any: its abort withdraws; let go of once released. */
		private readonly signal?: AbortSignal,
	) {
		this.admitted = new Promise((resolve) => (this.settle = resolve));
		signal?.addEventListener('abort', this.withdraw, {once: true});
	}

	admit(): void {
		this.state = 'holding';
		this.settle(this.release);
	}

	readonly release = (): void => {
		if (this.state !== 'holding') return;
		this.state = 'done';
		this.signal?.removeEventListener('abort', this.withdraw);
		this.gate.released();
	};

	/** Leaves the queue (the promise resolves undefined), or gives the slot back if it holds one. */
	readonly withdraw = (): void => {
		if (this.state === 'holding') return this.release();
		if (this.state !== 'waiting') return;
		this.state = 'done';
		this.settle(undefined);
	};
}

class Gate {
	limit = 32;
	private active = 0;
	// Withdrawn waiters stay in their queue until their turn comes, and are skipped then.
	private readonly lists: Wait[] = [];
	private readonly streams: Wait[] = [];
	private drainWaiters: Array<() => void> = [];

	wait(kind: Kind, signal?: AbortSignal): Wait {
		const wait = new Wait(this, signal);
		(kind === 'list' ? this.lists : this.streams).push(wait);
		this.pump();
		return wait;
	}

	released(): void {
		this.active--;
		this.pump();
		if (this.active === 0 && this.drainWaiters.length > 0) this.drained();
	}

	/** Resolves once no list or stream holds or waits for a slot (at once if none does). */
	idle(): Promise<void> {
		return new Promise(resolve => {
			this.drainWaiters.push(resolve);
			if (this.active === 0) this.drained();
		});
	}

	private drained(): void {
		// Withdrawn waiters may still sit in the queues: pump() skipped them, so with nothing active both are spent.
		const waiters = this.drainWaiters;
		this.drainWaiters = [];
		for (const resolve of waiters) resolve();
	}

	pump(): void {
		while (this.active < this.limit) {
			const next = this.next(this.lists) ?? this.next(this.streams);
			if (!next) return;
			this.active++;
			next.admit();
		}
	}

	private next(queue: Wait[]): Wait | undefined {
		while (queue.length > 0) {
			const wait = queue.shift()!;
			if (wait.state === 'waiting') return wait;
		}
		return undefined;
	}
}

const gate = new Gate();

/** A wait for a slot: `admitted` resolves with the release, or with undefined once withdrawn first. */
export type StartWait = {admitted: Promise<Admission>; withdraw: () => void};

/** Joins the queue. The slot is held from admission until release() or withdraw(). */
export function waitStart(kind: Kind = 'list'): StartWait {
	return gate.wait(kind);
}

/**
 * Waits for a slot. Resolves with a release function (call it once; later calls do nothing), or with
 * undefined if the signal aborted first (the waiter then leaves the queue). The slot is held from
 * admission until release(), or until the signal aborts.
 */
export function acquireStart(signal: AbortSignal, kind: Kind = 'list'): Promise<Admission> {
	if (signal.aborted) return Promise.resolve(undefined);
	return gate.wait(kind, signal).admitted;
}

/**
 * Resolves once no watch (process-wide) is listing or opening a stream, nor waiting to: after a fleet's
 * first lists, when every watch stream it asked for has opened (or failed).
 */
export function startsIdle(): Promise<void> {
	return gate.idle();
}

/** How many watches (process-wide) may list or open a stream at the same time. Default 32. */
export function setWatchStartConcurrency(limit: number): void {
	gate.limit = Math.max(1, Math.floor(limit));
	gate.pump();
}
