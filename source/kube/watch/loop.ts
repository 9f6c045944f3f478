// The list+watch loop for one resource on one cluster: list, watch from the list's resourceVersion,
// and decide after each failure or end whether to resume, relist, or pause first.

import type {ClusterClient} from '../client.js';
import {jitteredDelay, Pauses} from './backoff.js';
import {streamError, type WatchEvent} from './events.js';
import {Cut} from '../cut.js';
import {listAll} from './list.js';
import {clientClosed, notServed, sameState, tooOld, watchStateOf} from './state.js';
import {WatchStream, type StreamEnd, type StreamSink} from './stream.js';
import type {BackoffSettings, WatchHandle, WatchOptions, WatchState} from './types.js';

/** A stream that ends sooner than this after it opened, having delivered nothing, ended "at once". */
const quickMs = 1000;

/** One list+watch loop: its settings, where it resumes from, and its counters for the backoff. */
export class WatchLoop<T> implements WatchHandle, StreamSink {
	private stopped = false;
	/** Stops the list under way; there only while listing. */
	private listing: Cut | undefined;
	private readonly watchdogMs: number;
	private readonly backoff: BackoffSettings;
	private readonly absentBackoff: BackoffSettings;
	private readonly timeoutSeconds: number;
	private readonly pageSize: number;
	private readonly pauses: Pauses;
	private rv: string | undefined;
	private current: WatchState | undefined;
	private absent = false;
	private absences = 0;
	/** Consecutive 410s right after a list: back off if the server keeps saying it. */
	private gones = 0;
	/** The open stream (or the one waiting at the start gate), for wake() and stop(). */
	private stream: WatchStream | undefined;
	// The watch phase, from a list to the next: streams that ended at once in a row, whether any stream
	// delivered something, and the stream under way's start and resourceVersion then.
	private quickEnds = 0;
	private delivered = false;
	private streamStarted = 0;
	private rvBefore: string | undefined;

	constructor(
		private readonly client: ClusterClient,
		private readonly options: WatchOptions<T>,
	) {
		this.watchdogMs = options.watchdogMs ?? 75_000;
		this.backoff = options.backoff ?? {initialMs: 500, maxMs: 15_000};
		this.absentBackoff = options.absentBackoff ?? {initialMs: 1000, maxMs: 10_000};
		this.timeoutSeconds = options.timeoutSeconds ?? 1800;
		this.pageSize = options.pageSize ?? 500;
		this.pauses = new Pauses(this.backoff);
	}

	get resourceVersion(): string | undefined {
		return this.rv;
	}

	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		this.pauses.halt();
		this.listing?.stop();
		this.stream?.stop();
	}

	wake(): void {
		if (!this.live) return;
		this.pauses.wake();
		this.stream?.restart();
	}

	/**
	 * Lists, then watches until something forces a relist, and again, until stop(). The watch phase is
	 * driven by the stream's end (streamEnded), not awaited: a watch spends its life there, and an async
	 * loop waiting for the stream kept its frames (and their promises) alive per watch, thousands of them
	 * on a big fleet. Lists and pauses are short and rare, and stay async.
	 */
	run(): void {
		this.setState({state: 'connecting'});
		this.relistThenWatch();
	}

	/** A handler threw: that is a bug in the caller, but the loop must not die silently. */
	failed(error: unknown): void {
		if (this.live) this.setState(watchStateOf(error));
	}

	private get live(): boolean {
		return !this.stopped;
	}

	/** Runs `next` once `pause` is over, unless the loop stopped; a handler's throw is the loop's failure. */
	private after(pause: Promise<unknown>, next: () => void): void {
		pause.then(() => this.live && next()).catch((error: unknown) => this.failed(error));
	}

	private relistThenWatch(): void {
		this.relist()
			.then((outcome) => {
				if (outcome === 'stop' || !this.live) return;
				this.quickEnds = 0;
				this.delivered = false;
				this.openStream();
			})
			.catch((error: unknown) => this.failed(error));
	}

	private setState(next: WatchState): void {
		if (!this.live || sameState(this.current, next)) return;
		this.current = next;
		this.options.handlers.onState({...next});
	}

	/** Lists until a list works ('listed'), or the loop stops ('stop'). */
	private async relist(): Promise<'listed' | 'stop'> {
		while (this.live) {
			try {
				await this.listOnce();
				return this.live ? 'listed' : 'stop';
			} catch (error) {
				if (!this.live || clientClosed(error)) return 'stop';
				if (notServed(error)) await this.noteAbsent();
				// An expired continue token: start the list again at once.
				else if (tooOld(error) && this.gones++ === 0) continue;
				else {
					this.setState(watchStateOf(error));
					await this.pauses.afterError();
				}
			}
		}
		return 'stop';
	}

	/** One list, handed to the caller as the whole truth. */
	private async listOnce(): Promise<void> {
		const {path, query, requestTimeoutMs} = this.options;
		const listing = new Cut();
		this.listing = listing;
		let listed: {items: T[]; resourceVersion: string};
		try {
			listed = await listAll<T>(this.client, {path, query, requestTimeoutMs, pageSize: this.pageSize, cut: listing});
		} finally {
			this.listing = undefined;
		}
		if (!this.live) return;
		this.absent = false;
		this.absences = 0;
		this.rv = listed.resourceVersion || undefined;
		this.options.handlers.onReset(listed.items);
		this.setState({state: 'ok'});
	}

	/** The resource type is not served: empty, and ok (a CRD not installed is no error); look again later. */
	private async noteAbsent(): Promise<void> {
		if (!this.absent) {
			this.absent = true;
			this.options.handlers.onReset([]);
			this.options.handlers.onAbsent?.();
		}
		this.setState({state: 'ok'});
		this.pauses.recovered();
		await this.pauses.sleep(jitteredDelay(this.absences++, this.absentBackoff));
	}

	/** The stream's reports (StreamSink): the loop itself, no closures per stream. */
	streamEvent(event: WatchEvent): 'gone' | undefined {
		return this.onEvent(event);
	}

	streamBookmark(rv: string): void {
		if (rv) this.rv = rv;
	}

	streamEnded(stream: WatchStream, end: StreamEnd | undefined, error?: unknown): void {
		if (this.stream === stream) this.stream = undefined;
		try {
			if (end === undefined) this.afterStreamError(error);
			else this.afterStream(end);
		} catch (failure) {
			this.failed(failure);
		}
	}

	/** One stream from the current resourceVersion; wake() can restart it, and its end comes to streamEnded. */
	private openStream(): void {
		if (!this.live) return;
		const {path, query, priority} = this.options;
		this.streamStarted = Date.now();
		this.rvBefore = this.rv;
		const stream = new WatchStream(
			this.client,
			{
				path,
				query,
				resourceVersion: this.rv,
				timeoutSeconds: Math.round(this.timeoutSeconds * (1 + Math.random())),
				watchdogMs: this.watchdogMs,
				high: priority === 'high',
			},
			this,
		);
		this.stream = stream;
		stream.start();
	}

	/** A stream ended: resume from the last resourceVersion, relist, or pause first. */
	private afterStream(end: StreamEnd): void {
		if (!this.live) return;
		if (this.rv !== this.rvBefore) this.delivered = true;
		const quick = Date.now() - this.streamStarted < quickMs;
		// Only a watch that worked proves the cluster healthy again: a list that works followed by a
		// watch that fails (e.g. RBAC allows list but not watch) must keep backing off.
		if (end !== 'gone' && (this.delivered || !quick)) this.pauses.recovered();
		if (end === 'gone') {
			// Right after a list, a 410 again and again means a broken server: slow down.
			if (!this.delivered && this.gones++ > 0) return this.after(this.pauses.sleep(jitteredDelay(this.gones - 1, this.backoff)), () => this.relistThenWatch());
			return this.relistThenWatch();
		}
		this.gones = 0;
		if (end === 'silent') return this.openStream(); // resume from the last resourceVersion: a hung server fails that request
		// Ended normally (server timeout, or expire-watches): resume at once. A server that ends every
		// stream at once gets a growing pause from the second time on.
		if (quick && this.rv === this.rvBefore) {
			const again = this.quickEnds++ > 0;
			if (again) return this.after(this.pauses.sleep(jitteredDelay(this.quickEnds - 2, this.backoff)), () => this.openStream());
		} else this.quickEnds = 0;
		this.openStream();
	}

	/** A stream failed: report it and pause, then relist (which also notices a type that went away). */
	private afterStreamError(error: unknown): void {
		if (!this.live || clientClosed(error)) return;
		// The type went away under an open watch: the list will notice and report it.
		if (notServed(error)) return this.relistThenWatch();
		this.setState(watchStateOf(error));
		this.after(this.pauses.afterError(), () => this.relistThenWatch());
	}

	/** One event of the stream; 'gone' when the server says the resourceVersion is too old (410). */
	private onEvent(event: WatchEvent): 'gone' | undefined {
		const object = event.object;
		const rv = object?.metadata?.resourceVersion;
		switch (event.type) {
			case 'ADDED':
			case 'MODIFIED':
			case 'DELETED':
				if (rv) this.rv = rv;
				this.options.handlers.onEvent(event.type, object as T);
				return undefined;
			case 'BOOKMARK':
				if (rv) this.rv = rv;
				return undefined;
			case 'ERROR':
				if (Number(object?.code) === 410) return 'gone';
				throw streamError(object, this.client.context);
			default:
				return undefined;
		}
	}
}
