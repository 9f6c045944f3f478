// The body of a response read by Http1Connection: EventEmitter's on/once for what a reader of a body
// listens to (data, end, error, close), without an EventEmitter per response. The one-shot status reads
// ~5,000 responses at 1,001 clusters, and each EventEmitter, the validation of each of its listeners
// (five a response) and each emit through the general path cost more than the response's parse here.
// Listeners are called as EventEmitter calls them: in the order they were added, with the body as
// `this`, a listener added during an emit only from the next one; an 'error' nobody listens to throws.

// EventEmitter's own listener type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Listener = (...args: any[]) => void;

export class LeanBody {
	private data?: Listener[];
	private end?: Listener[];
	private error?: Listener[];
	private close?: Listener[];
	/** Any other event: nothing here emits one, but a listener for it is kept as EventEmitter would. */
	private other?: Map<string | symbol, Listener[]>;

	on(event: string | symbol, listener: Listener): this {
		this.listeners(event).push(listener);
		return this;
	}

	once(event: string | symbol, listener: Listener): this {
		const once: Listener = (...args) => {
			const list = this.listeners(event);
			const at = list.indexOf(once);
			if (at >= 0) list.splice(at, 1);
			listener.apply(this, args);
		};
		return this.on(event, once);
	}

	emitData(chunk: Buffer): void {
		this.fire(this.data, chunk);
	}

	emitEnd(): void {
		this.fire(this.end);
	}

	emitClose(): void {
		this.fire(this.close);
	}

	emitError(error: Error): void {
		if (!this.error?.length) throw error;
		this.fire(this.error, error);
	}

	private fire(list: Listener[] | undefined, value?: unknown): void {
		if (!list?.length) return;
		if (list.length === 1) return void list[0]!.call(this, value);
		for (const listener of list.slice()) listener.call(this, value);
	}

	private listeners(event: string | symbol): Listener[] {
		switch (event) {
			case 'data':
				return (this.data ??= []);
			case 'end':
				return (this.end ??= []);
			case 'error':
				return (this.error ??= []);
			case 'close':
				return (this.close ??= []);
			default: {
				this.other ??= new Map();
				let list = this.other.get(event);
				if (!list) this.other.set(event, (list = []));
				return list;
			}
		}
	}
}
