// One watch stream: JSON lines of {type, object}, resumed from a resourceVersion out of the store's
// history, filtered by namespace and selectors, with bookmarks and a timeout.
import type {ServerResponse} from 'node:http';
import {bookmarkClockFor} from './bookmark-clock.js';
import {parseFieldSelector, parseLabelSelector} from './selectors.js';
import {toStatus} from './status-error.js';
import {toTable, type IncludeObject} from './table.js';
import {parseResourceVersion} from './list-request.js';
import {ApiError, type KubeObject, type ObjectStore, type ResourceType, type StoreEvent} from './types.js';

/**
 * How often a watch that asked for bookmarks gets one: kube-apiserver sends one about every minute.
 * A shorter interval costs the watcher CPU for nothing (a console watching 1,000 clusters holds
 * ~4,000 watches: at 5 s that was 800 bookmarks a second to parse). Tests that need bookmarks soon set
 * the server's `bookmarkIntervalMs`, or CALICO_MCM_SIM_BOOKMARK_MS for a simulator in another process.
 */
export const defaultBookmarkIntervalMs = 60_000;

/** kube-apiserver's --min-request-timeout default: a watch without timeoutSeconds ends after 1 to 2 times this. */
const minRequestTimeoutMs = 1_800_000;

export function bookmarkIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
	const ms = Number(env.CALICO_MCM_SIM_BOOKMARK_MS);
	return Number.isFinite(ms) && ms > 0 ? ms : defaultBookmarkIntervalMs;
}

export type WatchOptions = {
	store: ObjectStore;
	type: ResourceType;
	namespace?: string;
	labelSelector?: string;
	fieldSelector?: string;
	/** undefined or '0': start with ADDED for every current object. */
	resourceVersion?: string;
	allowBookmarks: boolean;
	timeoutSeconds?: number;
	table?: {include: IncludeObject};
	/** True while the server hangs: events are dropped, nothing is written. */
	stalled: () => boolean;
	/** Default: CALICO_MCM_SIM_BOOKMARK_MS, else 60 s. */
	bookmarkIntervalMs?: number;
};

/** A long-running response (watch or log follow) that the server's fault switches can end. */
export type WatchHandle = {kind: 'watch' | 'log'; end(): void; destroy(): void};

export function startWatch(res: ServerResponse, options: WatchOptions, onClose: () => void): WatchHandle {
	const {store, type} = options;
	const matchLabels = parseLabelSelector(options.labelSelector);
	const matchFields = parseFieldSelector(options.fieldSelector, type);
	const matches = (obj: KubeObject | undefined) => obj !== undefined
		&& (!type.namespaced || !options.namespace || obj.metadata.namespace === options.namespace)
		&& matchLabels(obj.metadata.labels) && matchFields(obj);

	let lastRv = 0;
	const rvParam = options.resourceVersion;
	// The watch cache passes the versioner's error on as it is, which is no Status: kube-apiserver
	// answers it 500 (ErrorToAPIStatus), where a list's storage check makes it a 400.
	const parsed = parseResourceVersion(rvParam ?? '', (message) => new ApiError(500, '', message));
	const resumeFrom = parsed === 0 ? undefined : parsed;

	res.writeHead(200, {'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private'});
	res.flushHeaders();

	const write = (eventType: string, object: unknown) => {
		if (finished || options.stalled() || res.writableEnded || res.destroyed) return;
		res.write(`${JSON.stringify({type: eventType, object})}\n`);
	};
	const send = (eventType: string, obj: KubeObject) => {
		write(eventType, options.table ? toTable(type, [obj], {include: options.table.include}) : obj);
	};
	const bookmark = () => {
		write('BOOKMARK', {
			kind: type.kind,
			apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
			metadata: {resourceVersion: String(Math.max(lastRv, store.resourceVersion))},
		});
	};

	// A MODIFIED event that moves an object into or out of the selection is ADDED or DELETED for this watch.
	const deliver = (event: StoreEvent) => {
		const rv = Number(event.object.metadata.resourceVersion);
		if (rv <= lastRv) return;
		lastRv = rv;
		const now = matches(event.object);
		const before = event.type === 'MODIFIED' ? matches(event.old) : now;
		if (event.type === 'MODIFIED' && now !== before) {
			send(now ? 'ADDED' : 'DELETED', event.object);
		} else if (now) {
			send(event.type, event.object);
		}
	};

	let finished = false;
	const timers: NodeJS.Timeout[] = [];
	let unsubscribe = () => {};
	let stopBookmarks = () => {};
	const finish = () => {
		if (finished) return;
		finished = true;
		unsubscribe();
		stopBookmarks();
		for (const t of timers) clearTimeout(t);
		onClose();
	};
	res.on('close', finish);

	try {
		// Both happen in one synchronous step, so no event can fall between history and live feed.
		if (resumeFrom === undefined) {
			lastRv = store.resourceVersion;
			for (const obj of store.list(type, {namespace: options.namespace})) if (matches(obj)) send('ADDED', obj);
		} else {
			lastRv = resumeFrom;
			for (const event of store.eventsSince(type, resumeFrom)) deliver(event);
		}
		unsubscribe = store.subscribe((event) => {
			const e = event.resourceType === type || (event.resourceType.group === type.group && event.resourceType.resource === type.resource) ? event : undefined;
			if (!e) return;
			// Named field by field: an event's previous version is a getter, which a spread would not copy.
			deliver(e.resourceType === type ? e : {type: e.type, resourceType: type, object: {...e.object, apiVersion: type.group ? `${type.group}/${type.version}` : type.version}, old: e.old});
		});
	} catch (error) {
		// Too old a resourceVersion: Kubernetes answers inside the stream, then closes it.
		write('ERROR', toStatus(error));
		res.end();
		finish();
		return {kind: 'watch', end() {}, destroy() {}};
	}

	// A watch that names no timeout gets kube-apiserver's: --min-request-timeout (1800 s) times 1 to 2.
	const timeoutMs = options.timeoutSeconds !== undefined && options.timeoutSeconds > 0
		? options.timeoutSeconds * 1000
		: minRequestTimeoutMs * (1 + Math.random());
	const began = performance.now();
	timers.push(setTimeout(() => res.end(), timeoutMs).unref());
	if (options.allowBookmarks) {
		const clock = bookmarkClockFor(store, type, options.bookmarkIntervalMs ?? bookmarkIntervalFromEnv());
		const target = {bookmark};
		clock.add(target, began + timeoutMs, began);
		stopBookmarks = () => clock.delete(target);
	}
	return {
		kind: 'watch',
		end() {
			if (!res.writableEnded) res.end();
			finish();
		},
		destroy() {
			res.destroy();
			finish();
		},
	};
}
