// How one request is cancelled: by its deadline, its caller's signal, or its caller's own cut.

/** What a cancel tells: the exchange under way, as an object (no closure kept for it per request). */
export type CancelListener = {cancelled(): void};

/**
 * One request's cancel, in place of an AbortController per request: a watch holds its request for its
 * whole life, and at 1,001 clusters 4,004 AbortControllers (each an AbortSignal, an EventTarget with
 * listener maps and a shape of its own, ~0.8 KB of heap) were ~3 MB kept for cuts that almost never
 * come. This is a few words: whether and why it was cancelled, and one listener (the exchange under
 * way). Something that needs a real AbortSignal (waiting for an exec plugin) gets one made on demand.
 */
export class RequestCancel {
	aborted = false;
	reason: unknown;
	private listener: CancelListener | undefined;
	private controller: AbortController | undefined;

	/** Cancels with this reason; the first reason stays. */
	abort(reason: unknown): void {
		if (this.aborted) return;
		this.aborted = true;
		this.reason = reason;
		this.controller?.abort(reason);
		const listener = this.listener;
		this.listener = undefined;
		listener?.cancelled();
	}

	/** Tells the listener once on cancel, in place of any earlier listener (one exchange at a time). */
	listen(listener: CancelListener): void {
		this.listener = listener;
	}

	unlisten(listener: CancelListener): void {
		if (this.listener === listener) this.listener = undefined;
	}

	/** An AbortSignal that follows this cancel, made on first use and kept until forget(). */
	get signal(): AbortSignal {
		if (!this.controller) {
			this.controller = new AbortController();
			if (this.aborted) this.controller.abort(this.reason);
		}
		return this.controller.signal;
	}

	/** Nothing waits on the signal any more: drop it (a later signal is a new one). */
	forget(): void {
		this.controller = undefined;
	}
}
