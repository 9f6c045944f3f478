// The watch half of list+watch: one stream from a resourceVersion, until it ends, goes silent or fails.

import type {ClusterClient, LineReader} from '../client.js';
import {KubeError} from '../errors.js';
import {bookmarkVersion, parseEvent, type WatchEvent} from './events.js';
import {sessionStreamsOf, type SessionStream, type SessionStreams} from './session-streams.js';
import {waitStart} from './start-gate.js';
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
};

/**
 * Where a stream reports (the watch loop), as an object rather than callbacks: a watch holds its
 * stream for its life, and three closures per stream were heap kept per watch.
 */
export interface StreamSink {
	/** One event; returns 'gone' when the event says the resourceVersion is too old. */
	streamEvent(event: WatchEvent): 'gone' | undefined;
	/** A bookmark's resourceVersion, read without parsing the line (events.ts bookmarkVersion). */
	streamBookmark(resourceVersion: string): void;
	/** Called once, never inside stop() or a cut: how it ended, or what failed it (a 410 is 'gone'). */
	streamEnded(stream: WatchStream, end: StreamEnd | undefined, error?: unknown): void;
}

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
		for (const stream of this.streams) {
			if (now - stream.lastLineAt >= this.limitMs) stream.silenced();
			else stream.sweepRiders(now);
		}
	}
}

const watchdogs = new Map<number, Watchdogs>();
const watchdogFor = (limitMs: number) => {
	let dogs = watchdogs.get(limitMs);
	if (!dogs) watchdogs.set(limitMs, (dogs = new Watchdogs(limitMs)));
	return dogs;
};

/**
 * One stream, as an object that reacts to its request's callbacks rather than an async call that waits
 * for the stream's end: a watch holds one stream for its life, and each awaiting frame of that chain
 * (with its promise, registers and context, ~0.3-0.5 KB each) was heap kept per watch, four of them.
 * It keeps no AbortController while open (an AbortSignal costs ~0.8 KB of heap): the loop's stop() and
 * a cut (silence, 410, restart) both end the request with the cut the client hands back. The wait at
 * the start gate is left with the gate's own withdraw, dropped once the stream opens.
 */
export class WatchStream implements SessionStream, LineReader {
	private result: StreamEnd = 'ended';
	/** The client's HTTP/2 streams, when this one is among them: it carries the bookmarks or rides (session-streams.ts). */
	private group: SessionStreams | undefined;
	private role: 'own' | 'carrier' | 'rider' = 'own';
	/** When the stream opened or last sent a line (performance.now()), for the watchdog. */
	lastLineAt = 0;
	private watched = false;
	private over = false;
	/** stop() was called: not one more line reaches the loop, even of the chunk under way. */
	private stopped = false;
	/** Leaves the start gate's queue; there only during that wait. */
	private gate: (() => void) | undefined;
	/** The start-gate slot, held until the stream opens (or ends before that). */
	private release: (() => void) | undefined;
	/** Ends the request at once; there from the moment the request starts until the stream ends. */
	private cancel: (() => void) | undefined;

	constructor(
		private readonly client: ClusterClient,
		private readonly request: StreamRequest,
		private readonly sink: StreamSink,
	) {}

	/** Waits at the start gate, then opens the stream. */
	start(): void {
		const wait = waitStart(this.request.high ? 'list' : 'stream');
		this.gate = wait.withdraw;
		wait.admitted.then((release) => {
			this.gate = undefined;
			// stop() just after admission gave the slot back already (release() then does nothing).
			if (!release || this.over || this.stopped) {
				release?.();
				return this.finish(stopped(this.client.context));
			}
			this.release = release;
			this.open();
		}, (error: unknown) => this.finish(error));
	}

	/** The loop stopped: end the wait or the stream; the end comes as kind 'aborted'. */
	stop(): void {
		this.stopped = true;
		if (this.gate) this.gate();
		else this.cancel?.();
	}

	/** Cut the stream now; the loop resumes from the last resourceVersion. (Still at the start gate: nothing to cut.) */
	restart(): void {
		this.cut('silent');
	}

	get riderLimitMs(): number {
		return this.request.timeoutSeconds * 1000 + this.request.watchdogMs;
	}

	private open(): void {
		const {path, query, resourceVersion, timeoutSeconds} = this.request;
		this.group = sessionStreamsOf(this.client);
		this.role = this.group ? this.group.join(this) : 'own';
		const bookmarks = this.role === 'rider' ? undefined : true;
		// The stream reads its own lines (LineReader): no callbacks held for its life.
		this.cancel = this.client.openStream({path, query: {...query, watch: 1, resourceVersion, allowWatchBookmarks: bookmarks, timeoutSeconds}, reader: this});
	}

	/** The headers came. Until then the request timeout applied; from now on silence is the watchdog's (a rider's: its carrier's, see session-streams.ts). */
	opened(): void {
		this.release?.();
		this.release = undefined;
		this.lastLineAt = performance.now();
		this.watched = true;
		if (this.role !== 'rider') watchdogFor(this.request.watchdogMs).add(this);
	}

	ended(error?: unknown): void {
		this.finish(error);
	}

	private finish(failure: unknown): void {
		if (this.over) return;
		this.over = true;
		this.release?.();
		this.release = undefined;
		if (this.watched && this.role !== 'rider') watchdogFor(this.request.watchdogMs).delete(this);
		this.group?.leave(this);
		this.group = undefined;
		this.cancel = undefined;
		const result = this.result;
		let end: StreamEnd | undefined = result;
		if (result === 'ended' && failure !== undefined) end = failure instanceof KubeError && failure.kind === 'gone' ? 'gone' : undefined;
		this.sink.streamEnded(this, end, end === undefined ? failure : undefined);
	}

	line(line: string): void {
		if (this.over || this.stopped || this.result !== 'ended') return;
		this.lastLineAt = performance.now();
		const bookmark = bookmarkVersion(line);
		if (bookmark !== undefined) return this.sink.streamBookmark(bookmark);
		if (this.sink.streamEvent(parseEvent(line, this.request.path, this.client.context)) === 'gone') this.cut('gone');
	}

	/** The watchdog found no line for its limit: cut, the loop resumes from the last resourceVersion. */
	silenced(): void {
		if (this.result !== 'ended') return;
		const carried = this.role === 'carrier' ? this.group : undefined;
		this.cut('silent');
		carried?.carrierSilenced();
	}

	/** The watchdog's sweep found this stream alive: as a carrier, it looks at its riders (session-streams.ts). */
	sweepRiders(now: number): void {
		if (this.role === 'carrier') this.group?.sweepRiders(now);
	}

	private cut(result: StreamEnd): void {
		if (!this.cancel) return;
		this.result = result;
		this.cancel();
	}
}
