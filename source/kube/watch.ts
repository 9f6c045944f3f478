// The list+watch loop for one resource on one cluster. client-node's informer stops for good after one
// non-410 error and has no watchdog; this loop never gives up: it lists (paged), watches from the list's
// resourceVersion with bookmarks, relists at once on 410 Gone, backs off with jitter on any other
// error, and restarts a stream that has gone silent. A cluster that cannot be reached is a state
// (onState), never an exception. Cost is bounded: one stream plus at most one request at a time.

import type {ClusterClient} from './client.js';
import {KubeError, parseForbidden} from './errors.js';

export type WatchState = {
	state: 'connecting' | 'ok' | 'unreachable' | 'unauthorized' | 'forbidden';
	/** The last real error, for every state but ok/connecting. */
	error?: string;
	/** For forbidden: what was refused. */
	verb?: string;
	resource?: string;
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type WatchHandlers<T = unknown> = {
	/** The full list after every (re)list: replaces whatever the caller knew. */
	onReset: (items: T[]) => void;
	onEvent: (type: WatchEventType, object: T) => void;
	/** Only on changes. */
	onState: (state: WatchState) => void;
	/**
	 * The resource type is not served (404 on the list: CRD not installed, not a management cluster).
	 * onReset([]) is called too; the loop keeps checking with a backoff growing from 1 s to 10 s so an
	 * install is picked up soon.
	 */
	onAbsent?: () => void;
};

export type WatchOptions<T = unknown> = {
	/** The list path, e.g. /apis/operator.tigera.io/v1/tigerastatuses. */
	path: string;
	handlers: WatchHandlers<T>;
	/**
	 * Restart (resume from the last resourceVersion) a stream that sent nothing, not even a bookmark, for
	 * this long. Default 75 s: kube-apiserver sends a bookmark about once a minute, so a quiet healthy
	 * watch is never restarted for nothing.
	 */
	watchdogMs?: number;
	/** Backoff after errors (jittered, doubling). Default 500 ms growing to 15 s. */
	backoff?: {initialMs: number; maxMs: number};
	/** Backoff while the resource is absent (404). Default 1 s growing to 10 s. */
	absentBackoff?: {initialMs: number; maxMs: number};
	/**
	 * The shortest server-side watch timeout; each watch gets between this and twice this, as client-go's
	 * reflector does (5-10 min): thousands of watches then end and re-open spread out, not in waves, and
	 * half as often as with a fixed 5 min. Default 300 s.
	 */
	timeoutSeconds?: number;
	/** Page size of the list. Default 500. */
	pageSize?: number;
	/** Extra query for list and watch (labelSelector, fieldSelector). */
	query?: Record<string, string | undefined>;
	/** Timeout of each list page; default: the client's. */
	requestTimeoutMs?: number;
	/**
	 * 'high': the stream opens with the lists' priority at the start gate (see Gate.acquire). For the
	 * few watches that carry many rows (ManagedCluster on a management cluster: the connection of the
	 * whole fleet), which must not wait behind thousands of other streams after start-up.
	 */
	priority?: 'high';
};

export type WatchHandle = {
	stop(): void;
	/** The resourceVersion the loop resumes from (diagnostics, tests). */
	readonly resourceVersion: string | undefined;
};

/**
 * A process-wide gate on how many watches may be listing or opening a stream at once. Starting a
 * thousand watches together would otherwise send thousands of lists at the same moment: every one of
 * them then waits behind the others, times out, and retries together again. Time waiting at the gate
 * does not count towards a request's timeout.
 */
class Gate {
	private running = 0;
	/** Lists are admitted before stream opens: see acquire. */
	private readonly queues: Record<'list' | 'stream', Array<() => void>> = {list: [], stream: []};

	constructor(private limit: number) {}

	setLimit(limit: number): void {
		this.limit = Math.max(1, Math.floor(limit));
		// Admit the waiters a raised limit now lets in.
		while (this.running < this.limit && this.next()) this.shift()!();
	}

	private next(): (() => void) | undefined {
		return this.queues.list[0] ?? this.queues.stream[0];
	}

	private shift(): (() => void) | undefined {
		return this.queues.list.shift() ?? this.queues.stream.shift();
	}

	/**
	 * Resolves with a release function (call it once), or with undefined if the signal aborted first.
	 * Lists go first: a cluster's first lists are what fill its row, while a stream opened a little later
	 * loses nothing (it resumes from the list's resourceVersion). At start-up this halves the work
	 * queued in front of the last cluster's lists.
	 */
	acquire(signal: AbortSignal, kind: 'list' | 'stream' = 'list'): Promise<(() => void) | undefined> {
		if (signal.aborted) return Promise.resolve(undefined);
		const grant = (): (() => void) => {
			this.running++;
			let released = false;
			return () => {
				if (released) return;
				released = true;
				this.running--;
				if (this.running < this.limit) this.shift()?.();
			};
		};
		if (this.running < this.limit && !this.next()) return Promise.resolve(grant());
		const queue = this.queues[kind];
		return new Promise((resolve) => {
			const onAbort = () => {
				const index = queue.indexOf(wake);
				if (index !== -1) queue.splice(index, 1);
				resolve(undefined);
			};
			const wake = () => {
				signal.removeEventListener('abort', onAbort);
				resolve(grant());
			};
			queue.push(wake);
			signal.addEventListener('abort', onAbort, {once: true});
		});
	}
}

const startGate = new Gate(32);

/** How many watches (process-wide) may list or open a stream at the same time. Default 32. */
export function setWatchStartConcurrency(limit: number): void {
	startGate.setLimit(limit);
}

/** Why a watch stream ended. */
type StreamEnd = 'ended' | 'gone' | 'silent';

const sleepFor = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
		signal.addEventListener('abort', done, {once: true});
	});

/** Equal jitter: half the delay fixed, half random, so a fleet of watches does not retry in lockstep. */
export function jitteredDelay(attempt: number, backoff: {initialMs: number; maxMs: number}, random = Math.random): number {
	const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
	return Math.round(base / 2 + (random() * base) / 2);
}

/** What an error of a list or watch means for the cluster: refused credentials, refused access, or unreachable. */
export function watchStateOf(error: unknown): WatchState {
	if (error instanceof KubeError) {
		if (error.kind === 'unauthorized' || error.kind === 'exec') return {state: 'unauthorized', error: error.message};
		if (error.kind === 'forbidden') return {state: 'forbidden', error: error.message, verb: error.verb, resource: error.resource};
	}
	return {state: 'unreachable', error: error instanceof Error ? error.message : String(error)};
}

/** Only our own signals abort our requests; an 'aborted' error while running means the client was closed. */
const clientClosed = (error: unknown) => error instanceof KubeError && error.kind === 'aborted';

type WatchObject = {metadata?: {resourceVersion?: string}; code?: unknown; message?: unknown; reason?: string};
type WatchEvent = {type?: string; object?: WatchObject};

/** One list+watch loop: its settings, where it resumes from, and its counters for the backoff. */
class WatchLoop<T> implements WatchHandle {
	private readonly stopper = new AbortController();
	private readonly watchdogMs: number;
	private readonly backoff: {initialMs: number; maxMs: number};
	private readonly absentBackoff: {initialMs: number; maxMs: number};
	private readonly timeoutSeconds: number;
	private readonly pageSize: number;
	private rv: string | undefined;
	private current: WatchState | undefined;
	private absent = false;
	/** Consecutive failures, for the backoff. */
	private errors = 0;
	private absences = 0;
	/** Consecutive 410s right after a list: back off if the server keeps saying it. */
	private gones = 0;

	constructor(
		private readonly client: ClusterClient,
		private readonly options: WatchOptions<T>,
	) {
		this.watchdogMs = options.watchdogMs ?? 75_000;
		this.backoff = options.backoff ?? {initialMs: 500, maxMs: 15_000};
		this.absentBackoff = options.absentBackoff ?? {initialMs: 1000, maxMs: 10_000};
		this.timeoutSeconds = options.timeoutSeconds ?? 300;
		this.pageSize = options.pageSize ?? 500;
	}

	get resourceVersion(): string | undefined {
		return this.rv;
	}

	stop(): void {
		this.stopper.abort();
	}

	private get live(): boolean {
		return !this.stopper.signal.aborted;
	}

	private sleep(ms: number): Promise<void> {
		return sleepFor(ms, this.stopper.signal);
	}

	private setState(next: WatchState): void {
		if (!this.live) return;
		const current = this.current;
		if (current && current.state === next.state && current.error === next.error && current.verb === next.verb && current.resource === next.resource) return;
		this.current = next;
		this.options.handlers.onState({...next});
	}

	/** Every page of the list; items get the kind/apiVersion the server leaves out of list items. */
	private async list(): Promise<{items: T[]; resourceVersion: string}> {
		const items: T[] = [];
		let continueToken: string | undefined;
		let rv = '';
		do {
			const page = await this.listPage(continueToken);
			const kind = page?.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
			for (const item of page?.items ?? []) {
				const object = item as Record<string, unknown>;
				if (kind && object && object.kind === undefined) object.kind = kind;
				if (page?.apiVersion && object && object.apiVersion === undefined) object.apiVersion = page.apiVersion;
				// What the server sends is what the caller asked to watch.
				items.push(object as T);
			}
			// The resourceVersion of the first page is the snapshot every later page belongs to.
			if (!rv) rv = page?.metadata?.resourceVersion ?? '';
			continueToken = page?.metadata?.continue || undefined;
		} while (continueToken && this.live);
		return {items, resourceVersion: rv};
	}

	private async listPage(continueToken: string | undefined) {
		const release = await startGate.acquire(this.stopper.signal);
		if (!release) throw new KubeError({kind: 'aborted', message: 'stopped', context: this.client.context});
		type Page = {apiVersion?: string; kind?: string; metadata?: {resourceVersion?: string; continue?: string}; items?: unknown[]};
		try {
			return await this.client.request<Page>({
				path: this.options.path,
				query: {...this.options.query, limit: this.pageSize, continue: continueToken},
				signal: this.stopper.signal,
				timeoutMs: this.options.requestTimeoutMs,
			});
		} finally {
			release();
		}
	}

	/** One watch stream from the resourceVersion, until it ends, goes silent, or fails. */
	private async watchOnce(): Promise<StreamEnd> {
		const streamAbort = new AbortController();
		const onStop = () => streamAbort.abort();
		this.stopper.signal.addEventListener('abort', onStop, {once: true});
		const end = {result: 'ended' as StreamEnd};
		let dog: NodeJS.Timeout | undefined;
		const feed = () => {
			if (dog) clearTimeout(dog);
			dog = setTimeout(() => {
				end.result = 'silent';
				streamAbort.abort();
			}, this.watchdogMs);
		};
		let failure: unknown;
		const release = await startGate.acquire(streamAbort.signal, this.options.priority === 'high' ? 'list' : 'stream');
		try {
			if (!release) throw new KubeError({kind: 'aborted', message: 'stopped', context: this.client.context});
			await this.client.stream({
				path: this.options.path,
				query: {
					...this.options.query,
					watch: 1,
					resourceVersion: this.rv,
					allowWatchBookmarks: true,
					timeoutSeconds: Math.round(this.timeoutSeconds * (1 + Math.random())),
				},
				signal: streamAbort.signal,
				// Until the headers arrive the request timeout applies; from then on silence is the watchdog's.
				onOpen: () => {
					release?.();
					feed();
				},
				onLine: line => {
					if (!this.live || end.result !== 'ended') return;
					feed();
					if (this.onEvent(this.parse(line)) === 'gone') {
						end.result = 'gone';
						streamAbort.abort();
					}
				},
			});
		} catch (error) {
			failure = error;
		} finally {
			release?.();
			if (dog) clearTimeout(dog);
			this.stopper.signal.removeEventListener('abort', onStop);
		}
		if (end.result !== 'ended') return end.result;
		if (failure !== undefined) {
			if (failure instanceof KubeError && failure.kind === 'gone') return 'gone';
			throw failure;
		}
		return 'ended';
	}

	private parse(line: string): WatchEvent {
		try {
			return JSON.parse(line) as WatchEvent;
		} catch {
			throw new KubeError({kind: 'server', message: `the watch of ${this.options.path} sent a line that is not JSON: ${line.slice(0, 120)}`, context: this.client.context});
		}
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
				throw this.streamError(object);
			default:
				return undefined;
		}
	}

	private streamError(object: WatchObject | undefined): KubeError {
		const code = Number(object?.code);
		const message = String(object?.message ?? `watch error ${code}`);
		const refused = code === 403 ? parseForbidden(message) : {};
		return new KubeError({
			kind: code === 401 ? 'unauthorized' : code === 403 ? 'forbidden' : 'server',
			status: code || undefined,
			reason: object?.reason,
			message,
			context: this.client.context,
			verb: code === 403 ? refused.verb ?? 'watch' : undefined,
			resource: refused.resource,
		});
	}

	/** Lists until a list works ('listed'), or the loop stops ('stop'). */
	private async relist(): Promise<'listed' | 'stop'> {
		while (this.live) {
			try {
				const listed = await this.list();
				if (!this.live) return 'stop';
				this.absent = false;
				this.absences = 0;
				this.rv = listed.resourceVersion || undefined;
				this.options.handlers.onReset(listed.items);
				this.setState({state: 'ok'});
				return 'listed';
			} catch (error) {
				if (!this.live || clientClosed(error)) return 'stop';
				if (error instanceof KubeError && error.kind === 'not-found') {
					this.noteAbsent();
					await this.sleep(jitteredDelay(this.absences++, this.absentBackoff));
					continue;
				}
				// An expired continue token: start the list again at once.
				if (error instanceof KubeError && error.kind === 'gone' && this.gones++ === 0) continue;
				this.setState(watchStateOf(error));
				await this.sleep(jitteredDelay(this.errors++, this.backoff));
			}
		}
		return 'stop';
	}

	/** The resource type is not served: empty, and ok (a CRD not installed is no error). */
	private noteAbsent(): void {
		if (!this.absent) {
			this.absent = true;
			this.options.handlers.onReset([]);
			this.options.handlers.onAbsent?.();
		}
		this.setState({state: 'ok'});
		this.errors = 0;
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
				if (!this.live || clientClosed(error)) return 'stop';
				// The type went away under an open watch: the list will notice and report it.
				if (error instanceof KubeError && error.kind === 'not-found') return 'relist';
				this.setState(watchStateOf(error));
				await this.sleep(jitteredDelay(this.errors++, this.backoff));
				return 'relist';
			}
			if (!this.live) return 'stop';
			if (this.rv !== rvBefore) delivered = true;
			// Only a watch that worked proves the cluster healthy again: a list that works followed by a
			// watch that fails (e.g. RBAC allows list but not watch) must keep backing off.
			if (end !== 'gone' && (delivered || Date.now() - started >= 1000)) this.errors = 0;
			if (end === 'gone') {
				// Right after a list, a 410 again and again means a broken server: slow down.
				if (!delivered && this.gones++ > 0) await this.sleep(jitteredDelay(this.gones - 1, this.backoff));
				return 'relist';
			}
			this.gones = 0;
			if (end === 'silent') continue; // resume from the last resourceVersion: a hung server fails that request
			// Ended normally (server timeout, or expire-watches): resume at once. A server that ends every
			// stream at once gets a growing pause from the second time on.
			if (Date.now() - started < 1000 && this.rv === rvBefore) {
				if (quickEnds > 0) await this.sleep(jitteredDelay(quickEnds - 1, this.backoff));
				quickEnds++;
			} else quickEnds = 0;
		}
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
}

export function startWatch<T>(client: ClusterClient, options: WatchOptions<T>): WatchHandle {
	const loop = new WatchLoop(client, options);
	void Promise.resolve()
		.then(() => loop.run())
		.catch((error: unknown) => loop.failed(error));
	return loop;
}
