// The list+watch loop for one resource on one cluster: list, watch from the list's resourceVersion,
// and decide after each failure or end whether to resume, relist, or pause first.

import type {ClusterClient} from '../client.js';
import {jitteredDelay, Pauses} from './backoff.js';
import {streamError, type WatchEvent} from './events.js';
import {listAll} from './list.js';
import {clientClosed, notServed, sameState, tooOld, watchStateOf} from './state.js';
import {WatchStream, type StreamEnd} from './stream.js';
import type {BackoffSettings, WatchHandle, WatchOptions, WatchState} from './types.js';

/** A stream that ends sooner than this after it opened, having delivered nothing, ended "at once". */
const quickMs = 1000;

/** One list+watch loop: its settings, where it resumes from, and its counters for the backoff. */
export class WatchLoop<T> implements WatchHandle {
	private readonly stopper = new AbortController();
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
	/** The open stream, for wake(). */
	private stream: WatchStream | undefined;

	constructor(
		private readonly client: ClusterClient,
		private readonly options: WatchOptions<T>,
	) {
		this.watchdogMs = options.watchdogMs ?? 75_000;
		this.backoff = options.backoff ?? {initialMs: 500, maxMs: 15_000};
		this.absentBackoff = options.absentBackoff ?? {initialMs: 1000, maxMs: 10_000};
		this.timeoutSeconds = options.timeoutSeconds ?? 1800;
		this.pageSize = options.pageSize ?? 500;
		this.pauses = new Pauses(this.stopper.signal, this.backoff);
	}

	get resourceVersion(): string | undefined {
		return this.rv;
	}

	stop(): void {
		this.stopper.abort();
	}

	wake(): void {
		if (!this.live) return;
		this.pauses.wake();
		this.stream?.restart();
	}

	async run(): Promise<void> {
		this.setState({state: 'connecting'});
		while (this.live) {
			if ((await this.relist()) === 'stop') return;
			if ((await this.watchUntilRelist()) === 'stop') return;
		}
	}

	/** A handler threw: that is a bug in the caller, but the loop must not die silently. */
	failed(error: unknown): void {
		if (this.live) this.setState(watchStateOf(error));
	}

	private get live(): boolean {
		return !this.stopper.signal.aborted;
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
		const listed = await listAll<T>(this.client, {path, query, requestTimeoutMs, pageSize: this.pageSize, signal: this.stopper.signal});
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

	/** Watches from the list's resourceVersion until something forces a relist ('relist') or the loop stops. */
	private async watchUntilRelist(): Promise<'relist' | 'stop'> {
		let quickEnds = 0;
		let delivered = false;
		for (;;) {
			if (!this.live) return 'stop';
			const started = Date.now();
			const rvBefore = this.rv;
			let end: StreamEnd;
			try {
				end = await this.watchOnce();
			} catch (error) {
				return this.afterStreamError(error);
			} finally {
				this.stream = undefined;
			}
			if (!this.live) return 'stop';
			if (this.rv !== rvBefore) delivered = true;
			const quick = Date.now() - started < quickMs;
			// Only a watch that worked proves the cluster healthy again: a list that works followed by a
			// watch that fails (e.g. RBAC allows list but not watch) must keep backing off.
			if (end !== 'gone' && (delivered || !quick)) this.pauses.recovered();
			if (end === 'gone') {
				// Right after a list, a 410 again and again means a broken server: slow down.
				if (!delivered && this.gones++ > 0) await this.pauses.sleep(jitteredDelay(this.gones - 1, this.backoff));
				return 'relist';
			}
			this.gones = 0;
			if (end === 'silent') continue; // resume from the last resourceVersion: a hung server fails that request
			// Ended normally (server timeout, or expire-watches): resume at once. A server that ends every
			// stream at once gets a growing pause from the second time on.
			if (quick && this.rv === rvBefore) {
				if (quickEnds > 0) await this.pauses.sleep(jitteredDelay(quickEnds - 1, this.backoff));
				quickEnds++;
			} else quickEnds = 0;
		}
	}

	/** A stream failed: report it and pause, then relist (which also notices a type that went away). */
	private async afterStreamError(error: unknown): Promise<'relist' | 'stop'> {
		if (!this.live || clientClosed(error)) return 'stop';
		// The type went away under an open watch: the list will notice and report it.
		if (notServed(error)) return 'relist';
		this.setState(watchStateOf(error));
		await this.pauses.afterError();
		return 'relist';
	}

	/**
	 * One stream from the current resourceVersion; wake() can restart it. Not async: a watch spends its
	 * life suspended here, and each async frame of that chain (generator, promise, context) is heap kept
	 * per watch, ~4,000 of them at 1,001 clusters.
	 */
	private watchOnce(): Promise<StreamEnd> {
		const {path, query, priority} = this.options;
		this.stream = new WatchStream(this.client, {
			path,
			query,
			resourceVersion: this.rv,
			timeoutSeconds: Math.round(this.timeoutSeconds * (1 + Math.random())),
			watchdogMs: this.watchdogMs,
			high: priority === 'high',
			signal: this.stopper.signal,
			onEvent: (event) => this.onEvent(event),
		});
		return this.stream.run();
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
