// Waiting on objects through a watch: until a condition over the listed objects holds, with a
// timeout that says what was still missing, and a cluster that stops answering named as such.

import type {ClusterClient} from './client.js';
import {KubeError} from './errors.js';
import {startWatch, type WatchState} from './watch.js';
import {formatDuration} from './duration.js';

/** A wait that ran out of time; the message says what was still missing. */
export class WaitTimeoutError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WaitTimeoutError';
	}
}

export type WatchUntilOptions<T> = {
	/** The list path of the resource. */
	path: string;
	query?: Record<string, string | undefined>;
	/** What is awaited, for messages: "TigerStatus apiserver Available". */
	what: string;
	/** True once the objects (by name) are as wanted. */
	done: (objects: ReadonlyMap<string, T>) => boolean;
	/** Where things stand, for the timeout message. */
	progress?: (objects: ReadonlyMap<string, T>) => string;
	timeoutMs?: number;
	signal?: AbortSignal;
	/** Give up when the API stays unreachable this long (default 30 s); forbidden/unauthorized fail at once. */
	unreachableMs?: number;
	/** Where the wait stands, on every change: what is still awaited, or the API's last real error. */
	onProgress?: (text: string) => void;
};

/**
 * Wait until the objects of a resource satisfy `done`, by list+watch (never a polling loop). Rejects on
 * timeout (saying where things stand), on abort, on a refusal (401/403), or when the API stays
 * unreachable.
 */
export function watchUntil<T extends {metadata?: {name?: string}}>(client: ClusterClient, options: WatchUntilOptions<T>): Promise<ReadonlyMap<string, T>> {
	const timeoutMs = options.timeoutMs ?? 600_000;
	const unreachableMs = options.unreachableMs ?? 30_000;
	return new Promise((resolve, reject) => {
		const objects = new Map<string, T>();
		let absent = false;
		let lastState: WatchState | undefined;
		let unreachableTimer: NodeJS.Timeout | undefined;
		let finished = false;
		const finish = (error?: Error) => {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			clearTimeout(unreachableTimer);
			options.signal?.removeEventListener('abort', onAbort);
			handle.stop();
			if (error) reject(error);
			else resolve(objects);
		};
		let said: string | undefined;
		const say = (text: string) => {
			if (finished || !text || text === said) return;
			said = text;
			options.onProgress?.(text);
		};
		const evaluate = () => {
			if (finished) return;
			if (options.done(objects)) finish();
			else say(`waiting: ${options.progress?.(objects) || options.what}`);
		};
		const onAbort = () => finish(abortError(options.signal, options.what));
		const timer = setTimeout(() => {
			const status = absent ? 'the resource is not served yet' : options.progress?.(objects) ?? '';
			const conn = lastState && lastState.state !== 'ok' && lastState.error ? `; last error: ${lastState.error}` : '';
			finish(new WaitTimeoutError(`timed out after ${formatDuration(timeoutMs)} waiting for ${options.what}${status ? ` (${status})` : ''}${conn}`));
		}, timeoutMs);
		const handle = startWatch(client, {
			path: options.path,
			query: options.query,
			handlers: {
				onReset(items) {
					objects.clear();
					for (const item of items as T[]) if (item?.metadata?.name) objects.set(item.metadata.name, item);
					evaluate();
				},
				onEvent(type, object) {
					const name = (object as T)?.metadata?.name;
					if (!name) return;
					if (type === 'DELETED') objects.delete(name);
					else {
						absent = false;
						objects.set(name, object as T);
					}
					evaluate();
				},
				onState(state) {
					lastState = state;
					if (state.state === 'unauthorized' || state.state === 'forbidden') {
						finish(new KubeError({kind: state.state, message: `waiting for ${options.what}: ${state.error ?? state.state}`, context: client.context, verb: state.verb, resource: state.resource}));
						return;
					}
					if (state.state === 'unreachable') {
						// Not a bare spinner: the real reason, and how long the wait keeps trying.
						say(`${client.context} does not answer: ${state.error ?? 'unreachable'} (retrying; gives up after ${formatDuration(unreachableMs)})`);
						unreachableTimer ??= setTimeout(() => {
							finish(new KubeError({kind: 'unreachable', message: `waiting for ${options.what}: the API server stayed unreachable for ${formatDuration(unreachableMs)}: ${lastState?.error ?? ''}`, context: client.context}));
						}, unreachableMs);
					} else {
						clearTimeout(unreachableTimer);
						unreachableTimer = undefined;
					}
				},
				onAbsent() {
					absent = true;
				},
			},
		});
		if (options.signal?.aborted) onAbort();
		else options.signal?.addEventListener('abort', onAbort, {once: true});
	});
}

function abortError(signal: AbortSignal | undefined, what: string): Error {
	const reason = signal?.reason;
	if (reason instanceof Error) return reason;
	return new KubeError({kind: 'aborted', message: `cancelled while waiting for ${what}`, context: ''});
}

export type Conditioned = {metadata?: {name?: string}; status?: {conditions?: Array<{type?: string; status?: string; reason?: string; message?: string}>}};

/** The status ("True", "False", "Unknown") of a condition, undefined when absent. */
export function conditionStatus(obj: Conditioned | undefined, type: string): string | undefined {
	return obj?.status?.conditions?.find(c => c.type === type)?.status;
}

