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

export type WatchHandlers = {
	/** The full list after every (re)list: replaces whatever the caller knew. */
	onReset: (items: any[]) => void;
	onEvent: (type: WatchEventType, object: any) => void;
	/** Only on changes. */
	onState: (state: WatchState) => void;
	/**
	 * The resource type is not served (404 on the list: CRD not installed, not a management cluster).
	 * onReset([]) is called too; the loop keeps checking with a backoff growing from 1 s to 10 s so an
	 * install is picked up soon.
	 */
	onAbsent?: () => void;
};

export type WatchOptions = {
	/** The list path, e.g. /apis/operator.tigera.io/v1/tigerastatuses. */
	path: string;
	handlers: WatchHandlers;
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
	/**
	 * Try again now: cut a backoff pause short and restart an open stream from its resourceVersion.
	 * For when something else (the reachability probe) knows the server answers again: a stream that
	 * hung with its server stays silent until the watchdog, and a backoff may be 15 s long.
	 */
	wake(): void;
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

/** Only our own signals abort our requests; an 'aborted' error while running means the client was closed. */
const clientClosed = (error: unknown) => error instanceof KubeError && error.kind === 'aborted';

export function startWatch(client: ClusterClient, options: WatchOptions): WatchHandle {
	const {handlers, path} = options;
	const watchdogMs = options.watchdogMs ?? 75_000;
	const backoff = options.backoff ?? {initialMs: 500, maxMs: 15_000};
	const absentBackoff = options.absentBackoff ?? {initialMs: 1000, maxMs: 10_000};
	const timeoutSeconds = options.timeoutSeconds ?? 300;
	const pageSize = options.pageSize ?? 500;
	const stopper = new AbortController();
	let resourceVersion: string | undefined;
	let current: WatchState | undefined;
	let absent = false;
	/** Aborted by wake(): ends the current pause. */
	let waker = new AbortController();
	/** The open stream's abort, for wake(). */
	let restartStream: (() => void) | undefined;
	let woken = false;

	const live = () => !stopper.signal.aborted;
	/** A backoff pause; wake() ends it (or makes the next one a no-op, if none is running). */
	const pause = async (ms: number) => {
		if (!woken) await sleepFor(ms, AbortSignal.any([stopper.signal, waker.signal]));
		if (woken) {
			woken = false;
			waker = new AbortController();
		}
	};
	/** wake() also restarts the error backoff from the shortest. */
	let resetBackoff = false;

	const setState = (next: WatchState) => {
		if (!live()) return;
		if (current && current.state === next.state && current.error === next.error && current.verb === next.verb && current.resource === next.resource) return;
		current = next;
		handlers.onState({...next});
	};

	const stateFor = (error: unknown): WatchState => {
		if (error instanceof KubeError) {
			if (error.kind === 'unauthorized' || error.kind === 'exec') return {state: 'unauthorized', error: error.message};
			if (error.kind === 'forbidden') return {state: 'forbidden', error: error.message, verb: error.verb, resource: error.resource};
			return {state: 'unreachable', error: error.message};
		}
		return {state: 'unreachable', error: error instanceof Error ? error.message : String(error)};
	};

	/** Every page of the list; items get the kind/apiVersion the server leaves out of list items. */
	async function list(): Promise<{items: unknown[]; resourceVersion: string}> {
		const items: unknown[] = [];
		let continueToken: string | undefined;
		let rv = '';
		do {
			const release = await startGate.acquire(stopper.signal);
			if (!release) throw new KubeError({kind: 'aborted', message: 'stopped', context: client.context});
			type Page = {apiVersion?: string; kind?: string; metadata?: {resourceVersion?: string; continue?: string}; items?: unknown[]};
			let page: Page;
			try {
				page = await client.request<Page>({
					path,
					query: {...options.query, limit: pageSize, continue: continueToken},
					signal: stopper.signal,
					timeoutMs: options.requestTimeoutMs,
				});
			} finally {
				release();
			}
			const kind = page?.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
			for (const item of page?.items ?? []) {
				const object = item as Record<string, unknown>;
				if (kind && object && object.kind === undefined) object.kind = kind;
				if (page?.apiVersion && object && object.apiVersion === undefined) object.apiVersion = page.apiVersion;
				items.push(object);
			}
			// The resourceVersion of the first page is the snapshot every later page belongs to.
			if (!rv) rv = page?.metadata?.resourceVersion ?? '';
			continueToken = page?.metadata?.continue || undefined;
		} while (continueToken && live());
		return {items, resourceVersion: rv};
	}

	/** One watch stream from resourceVersion, until it ends, goes silent, or fails. */
	async function watchOnce(): Promise<StreamEnd> {
		const streamAbort = new AbortController();
		const onStop = () => streamAbort.abort();
		stopper.signal.addEventListener('abort', onStop, {once: true});
		let result: StreamEnd = 'ended';
		let dog: NodeJS.Timeout | undefined;
		restartStream = () => {
			result = 'silent';
			streamAbort.abort();
		};
		const feed = () => {
			if (dog) clearTimeout(dog);
			dog = setTimeout(() => {
				result = 'silent';
				streamAbort.abort();
			}, watchdogMs);
		};
		let failure: unknown;
		const release = await startGate.acquire(streamAbort.signal, options.priority === 'high' ? 'list' : 'stream');
		try {
			if (!release) throw new KubeError({kind: 'aborted', message: 'stopped', context: client.context});
			await client.stream({
				path,
				query: {
					...options.query,
					watch: 1,
					resourceVersion,
					allowWatchBookmarks: true,
					timeoutSeconds: Math.round(timeoutSeconds * (1 + Math.random())),
				},
				signal: streamAbort.signal,
				// Until the headers arrive the request timeout applies; from then on silence is the watchdog's.
				onOpen: () => {
					release?.();
					feed();
				},
				onLine: (line) => {
					if (!live() || result !== 'ended') return;
					feed();
					let event: {type?: string; object?: Record<string, any>};
					try {
						event = JSON.parse(line) as typeof event;
					} catch {
						throw new KubeError({kind: 'server', message: `the watch of ${path} sent a line that is not JSON: ${line.slice(0, 120)}`, context: client.context});
					}
					const object = event.object;
					const rv = object?.metadata?.resourceVersion as string | undefined;
					switch (event.type) {
						case 'ADDED':
						case 'MODIFIED':
						case 'DELETED':
							if (rv) resourceVersion = rv;
							handlers.onEvent(event.type, object);
							break;
						case 'BOOKMARK':
							if (rv) resourceVersion = rv;
							break;
						case 'ERROR': {
							const code = Number(object?.code);
							if (code === 410) {
								result = 'gone';
								streamAbort.abort();
								return;
							}
							const message = String(object?.message ?? `watch error ${code}`);
							const refused = code === 403 ? parseForbidden(message) : {};
							throw new KubeError({
								kind: code === 401 ? 'unauthorized' : code === 403 ? 'forbidden' : 'server',
								status: code || undefined,
								reason: object?.reason,
								message,
								context: client.context,
								verb: code === 403 ? refused.verb ?? 'watch' : undefined,
								resource: refused.resource,
							});
						}
						default:
							break;
					}
				},
			});
		} catch (error) {
			failure = error;
		} finally {
			restartStream = undefined;
			release?.();
			if (dog) clearTimeout(dog);
			stopper.signal.removeEventListener('abort', onStop);
		}
		if (result !== 'ended') return result;
		if (failure !== undefined) {
			if (failure instanceof KubeError && failure.kind === 'gone') return 'gone';
			throw failure;
		}
		return 'ended';
	}

	const takeWake = (errors: number): number => {
		if (!resetBackoff) return errors;
		resetBackoff = false;
		return 0;
	};

	async function run(): Promise<void> {
		setState({state: 'connecting'});
		let errors = 0; // consecutive failures, for the backoff
		let absences = 0;
		let gones = 0; // consecutive 410s right after a list: back off if the server keeps saying it
		while (live()) {
			try {
				const listed = await list();
				if (!live()) return;
				absent = false;
				absences = 0;
				resourceVersion = listed.resourceVersion || undefined;
				handlers.onReset(listed.items);
				setState({state: 'ok'});
			} catch (error) {
				if (!live() || clientClosed(error)) return;
				if (error instanceof KubeError && error.kind === 'not-found') {
					if (!absent) {
						absent = true;
						handlers.onReset([]);
						handlers.onAbsent?.();
					}
					setState({state: 'ok'});
					errors = 0;
					await pause(jitteredDelay(absences++, absentBackoff));
					continue;
				}
				// An expired continue token: start the list again at once.
				if (error instanceof KubeError && error.kind === 'gone' && gones++ === 0) continue;
				setState(stateFor(error));
				await pause(jitteredDelay(errors++, backoff));
					errors = takeWake(errors);
				continue;
			}

			// Watch until something forces a relist.
			let quickEnds = 0;
			let delivered = false;
			for (;;) {
				if (!live()) return;
				const started = Date.now();
				const rvBefore = resourceVersion;
				let end: StreamEnd;
				try {
					end = await watchOnce();
				} catch (error) {
					if (!live() || clientClosed(error)) return;
					// The type went away under an open watch: the list will notice and report it.
					if (error instanceof KubeError && error.kind === 'not-found') break;
					setState(stateFor(error));
					await pause(jitteredDelay(errors++, backoff));
					errors = takeWake(errors);
					break;
				}
				if (!live()) return;
				if (resourceVersion !== rvBefore) delivered = true;
				// Only a watch that worked proves the cluster healthy again: a list that works followed by a
				// watch that fails (e.g. RBAC allows list but not watch) must keep backing off.
				if (end !== 'gone' && (delivered || Date.now() - started >= 1000)) errors = 0;
				if (end === 'gone') {
					// Right after a list, a 410 again and again means a broken server: slow down.
					if (!delivered && gones++ > 0) await pause(jitteredDelay(gones - 1, backoff));
					break;
				}
				gones = 0;
				if (end === 'silent') continue; // resume from the last resourceVersion: a hung server fails that request
				// Ended normally (server timeout, or expire-watches): resume at once. A server that ends every
				// stream at once gets a growing pause from the second time on.
				if (Date.now() - started < 1000 && resourceVersion === rvBefore) {
					if (quickEnds > 0) await pause(jitteredDelay(quickEnds - 1, backoff));
					quickEnds++;
				} else quickEnds = 0;
			}
		}
	}

	void Promise.resolve()
		.then(run)
		.catch((error: unknown) => {
			// A handler threw: that is a bug in the caller, but the loop must not die silently.
			if (live()) setState(stateFor(error));
		});

	return {
		stop() {
			stopper.abort();
		},
		wake() {
			if (!live()) return;
			woken = true;
			resetBackoff = true;
			waker.abort();
			restartStream?.();
		},
		get resourceVersion() {
			return resourceVersion;
		},
	};
}
