// The watch half of list+watch: one stream from a resourceVersion, until it ends, goes silent or fails.

import type {ClusterClient} from '../client.js';
import {KubeError} from '../errors.js';
import {parseEvent, type WatchEvent} from './events.js';
import {acquireStart} from './start-gate.js';
import {stopped} from './state.js';

/** Why a watch stream ended: the server closed it, the resourceVersion is too old (410), or it was cut (silence, restart). */
export type StreamEnd = 'ended' | 'gone' | 'silent';

export type StreamRequest = {
	path: string;
	query?: Record<string, string | undefined>;
	resourceVersion: string | undefined;
	/** The server-side timeout of this stream. */
	timeoutSeconds: number;
	/** Cut the stream ('silent') after this long without a line. */
	watchdogMs: number;
	/** Opens with the lists' priority at the start gate. */
	high: boolean;
	/** The loop's stop. */
	signal: AbortSignal;
	/** One event; returns 'gone' when the event says the resourceVersion is too old. */
	onEvent: (event: WatchEvent) => 'gone' | undefined;
};

/**
 * The watchdogs of every open stream with the same silence limit: one timer looks at all of them, a
 * fifth of the limit apart, so a stream is cut after between 1 and 1.2 times the limit of silence. A
 * timer per stream, restarted on every line, cost a timer object and a timer-list update per line
 * (thousands of bookmarks a minute on a big fleet), and each stream's timer firing on its own.
 */
class Watchdogs {
	private readonly streams = new Set<WatchStream>();
	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly limitMs: number) {}

	add(stream: WatchStream): void {
		this.streams.add(stream);
		if (this.timer) return;
		this.timer = setInterval(() => this.sweep(), Math.max(1, Math.round(this.limitMs / 5)));
		// The streams' own sockets keep the process alive while they are open.
		this.timer.unref();
	}

	delete(stream: WatchStream): void {
		this.streams.delete(stream);
		if (this.streams.size > 0 || !this.timer) return;
		clearInterval(this.timer);
		this.timer = undefined;
	}

	private sweep(): void {
		const now = performance.now();
		for (const stream of this.streams) if (now - stream.lastLineAt >= this.limitMs) stream.silenced();
	}
}

const watchdogs = new Map<number, Watchdogs>();
const watchdogFor = (limitMs: number) => {
	let dogs = watchdogs.get(limitMs);
	if (!dogs) watchdogs.set(limitMs, (dogs = new Watchdogs(limitMs)));
	return dogs;
};

/**
 * One stream. It keeps no AbortController of its own (a watch loop of a big fleet holds one stream for
 * its life, and an AbortSignal costs ~1 KB of heap): the loop's stop signal ends the request and the
 * start-gate wait, and a cut (silence, 410, restart) ends it with the cancel the client hands over.
 */
export class WatchStream {
	private result: StreamEnd = 'ended';
	/** When the stream opened or last sent a line (performance.now()), for the watchdog. */
	lastLineAt = 0;
	private watched = false;
	/** Ends the request at once; there from the moment the request starts until the stream ends. */
	private cancel: (() => void) | undefined;

	constructor(
		private readonly client: ClusterClient,
		private readonly request: StreamRequest,
	) {}

	/** Cut the stream now; the loop resumes from the last resourceVersion. (Still at the start gate: nothing to cut.) */
	restart(): void {
		this.cut('silent');
	}

	/** Runs the stream to its end; throws what failed it, but a 410 is the end 'gone'. */
	async run(): Promise<StreamEnd> {
		let failure: unknown;
		const release = await acquireStart(this.request.signal, this.request.high ? 'list' : 'stream');
		try {
			if (!release) throw stopped(this.client.context);
			await this.open(release);
		} catch (error) {
			failure = error;
		} finally {
			release?.();
			if (this.watched) watchdogFor(this.request.watchdogMs).delete(this);
			this.cancel = undefined;
		}
		if (this.result !== 'ended') return this.result;
		if (failure === undefined) return 'ended';
		if (failure instanceof KubeError && failure.kind === 'gone') return 'gone';
		throw failure;
	}

	private open(release: () => void): Promise<void> {
		const {path, query, resourceVersion, timeoutSeconds} = this.request;
		return this.client.stream({
			path,
			query: {...query, watch: 1, resourceVersion, allowWatchBookmarks: true, timeoutSeconds},
			signal: this.request.signal,
			onCancel: (cancel) => (this.cancel = cancel),
			// Until the headers arrive the request timeout applies; from then on silence is the watchdog's.
			onOpen: () => {
				release();
				this.lastLineAt = performance.now();
				this.watched = true;
				watchdogFor(this.request.watchdogMs).add(this);
			},
			onLine: (line) => this.onLine(line),
		});
	}

	private onLine(line: string): void {
		if (this.request.signal.aborted || this.result !== 'ended') return;
		this.lastLineAt = performance.now();
		if (this.request.onEvent(parseEvent(line, this.request.path, this.client.context)) === 'gone') this.cut('gone');
	}

	/** The watchdog found no line for its limit: cut, the loop resumes from the last resourceVersion. */
	silenced(): void {
		if (this.result === 'ended') this.cut('silent');
	}

	private cut(result: StreamEnd): void {
		if (!this.cancel) return;
		this.result = result;
		this.cancel();
	}
}
