// How many clusters may be in their first contact (TLS handshake, first lists) at once: a count and a
// first-in-first-out queue of tasks, held until start(). Not p-queue: a fleet's start passes every
// cluster through here once, and p-queue's own work per task (an options copy, an id, a Symbol, a
// running-task record, an async wrapper, a Promise.race and its events) is heap and CPU for nothing
// at 1,001 clusters (the start gate, kube/watch/start-gate.ts, dropped it for the same reason).

export class FirstContacts {
	private active = 0;
	private started = false;
	private queue: Array<(() => Promise<void>) | undefined> = [];
	/** The next task to run is queue[next]. */
	private next = 0;

	constructor(private readonly limit: number) {}

	/** Queues a task; it runs once started and one of the `limit` slots is free, holding it until it settles. */
	add(task: () => Promise<void>): void {
		this.queue.push(task);
		this.pump();
	}

	start(): void {
		this.started = true;
		this.pump();
	}

	/** Drops the tasks not started yet; those running keep their slots until they settle. */
	clear(): void {
		this.queue = [];
		this.next = 0;
	}

	/** Tasks waiting for a slot. */
	get waiting(): number {
		return this.queue.length - this.next;
	}

	private pump(): void {
		while (this.started && this.active < this.limit && this.next < this.queue.length) {
			const task = this.queue[this.next]!;
			this.queue[this.next++] = undefined;
			this.active++;
			task().then(this.done, (error: unknown) => {
				this.done();
				// As p-queue's add() left it: a task that throws is a bug, and surfaces as one.
				throw error;
			});
		}
		if (this.next === this.queue.length && this.next > 0) this.clear();
	}

	private readonly done = (): void => {
		this.active--;
		this.pump();
	};
}
