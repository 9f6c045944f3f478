// Stopping a piece of work under way without an AbortController.

/**
 * How work made of steps is stopped (a list: the wait at the start gate, then each page's request; a
 * Secret read): a flag and the one thing to end now, in place of an AbortController and its listeners
 * for each (4,004 first lists in a 1,001-cluster start, and as many Secret reads and relists). A step
 * hands over its end with hold() (a request's `onCut`), and hold(undefined) once it is over.
 */
export class Cut {
	stopped = false;
	private current: (() => void) | undefined;

	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		const current = this.current;
		this.current = undefined;
		current?.();
	}

	/** What stop() ends from now on (undefined: nothing is under way); ended at once after a stop. */
	hold(current: (() => void) | undefined): void {
		if (this.stopped) current?.();
		else this.current = current;
	}
}
