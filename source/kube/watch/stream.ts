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

export class WatchStream {
	private readonly abort = new AbortController();
	private result: StreamEnd = 'ended';
	private dog: NodeJS.Timeout | undefined;

	constructor(
		private readonly client: ClusterClient,
		private readonly request: StreamRequest,
	) {}

	/** Cut the stream now; the loop resumes from the last resourceVersion. */
	restart(): void {
		this.cut('silent');
	}

	/** Runs the stream to its end; throws what failed it, but a 410 is the end 'gone'. */
	async run(): Promise<StreamEnd> {
		const onStop = () => this.abort.abort();
		this.request.signal.addEventListener('abort', onStop, {once: true});
		let failure: unknown;
		const release = await acquireStart(this.abort.signal, this.request.high ? 'list' : 'stream');
		try {
			if (!release) throw stopped(this.client.context);
			await this.open(release);
		} catch (error) {
			failure = error;
		} finally {
			release?.();
			if (this.dog) clearTimeout(this.dog);
			this.request.signal.removeEventListener('abort', onStop);
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
			signal: this.abort.signal,
			// Until the headers arrive the request timeout applies; from then on silence is the watchdog's.
			onOpen: () => {
				release();
				this.feed();
			},
			onLine: (line) => this.onLine(line),
		});
	}

	private onLine(line: string): void {
		if (this.request.signal.aborted || this.result !== 'ended') return;
		this.feed();
		if (this.request.onEvent(parseEvent(line, this.request.path, this.client.context)) === 'gone') this.cut('gone');
	}

	/** Restart the watchdog: a line came. */
	private feed(): void {
		if (this.dog) clearTimeout(this.dog);
		this.dog = setTimeout(() => this.cut('silent'), this.request.watchdogMs);
	}

	private cut(result: StreamEnd): void {
		this.result = result;
		this.abort.abort();
	}
}
