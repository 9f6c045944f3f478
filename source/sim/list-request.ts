// Which state a list is read from, and how it is paged, as kube-apiserver v1.33 decides (k8s.io/apiserver
// storage/cacher/delegator, storage/etcd3 GetList, storage/continue.go):
// - no resourceVersion: the newest state (a consistent read, served by the watch cache);
// - resourceVersion=0: whatever the cache holds, and the cache ignores `limit` then (one whole list);
// - resourceVersion=N (NotOlderThan, or unset without a limit): the cache once it has seen N; it waits
//   up to 3 s for it, then answers 504 "Too large resource version" with Retry-After: 1;
// - resourceVersionMatch=Exact, or a resourceVersion with a limit (the legacy exact read), and every
//   page after the first (the continue token names the first page's revision): etcd, at that revision.
//   A revision etcd has compacted is 410 Expired; a page's token then comes with a new token that goes
//   on at the newest revision (rv -1), because the rest of the list can no longer be consistent.
import {ApiError} from './types.js';
import {badRequest} from './status-error.js';

/** How long the watch cache waits to see a resourceVersion a list asks for (watch_cache.go blockTimeout). */
export const freshnessWaitMs = 3000;

export type ListRead = {
	/** Read at this revision (etcd); undefined: the newest state. */
	revision?: number;
	/** The page starts at this key (a continue token's, relative to the list: `name` or `namespace/name`, then a NUL). */
	startKey?: string;
	/** Items per page; 0 for all. */
	limit: number;
	/** The newest state, once the store has reached this revision. */
	notOlderThan?: number;
};

const exact = 'Exact';

/** What the query asks for. Throws 400 for a malformed resourceVersion or continue token, as the real server does. */
export function listRead(params: URLSearchParams, limit: number): ListRead {
	const resourceVersion = params.get('resourceVersion') ?? '';
	const token = params.get('continue') ?? '';
	if (token) {
		const {start, rv} = decodeContinue(token);
		if (resourceVersion !== '' && resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
		return {revision: rv > 0 ? rv : undefined, startKey: start, limit};
	}
	// The storage layer's check words it as a 400.
	const rv = parseResourceVersion(resourceVersion, (message) => badRequest(`invalid resource version: ${message}`));
	const match = params.get('resourceVersionMatch') ?? '';
	if (match === exact || (match === '' && limit > 0 && rv > 0)) return {revision: rv, limit};
	// The cache's computeListLimit: resourceVersion=0 lists everything in one answer.
	if (resourceVersion === '0') return {limit: 0};
	return {limit, notOlderThan: rv > 0 ? rv : undefined};
}

/**
 * APIObjectVersioner.ParseResourceVersion: "" and "0" are 0, anything but a uint64 is its field error
 * (`resourceVersion: Invalid value: ...`). Throws `refuse(message)`.
 */
export function parseResourceVersion(value: string, refuse: (message: string) => Error): number {
	if (value === '' || value === '0') return 0;
	if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
	const why = /^\d+$/.test(value) ? 'value out of range' : 'invalid syntax';
	throw refuse(`resourceVersion: Invalid value: "${value}": strconv.ParseUint: parsing "${value}": ${why}`);
}

/** A continue token as kube-apiserver writes it: base64url (no padding) of {"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}. */
export function encodeContinue(start: string, rv: number): string {
	return Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv, start})).toString('base64url');
}

function invalidToken(why: string): ApiError {
	return badRequest(`invalid continue token: continue key is not valid${why}`);
}

function decodeContinue(token: string): {start: string; rv: number} {
	const bad = /[^A-Za-z0-9_-]/.exec(token);
	if (bad || token.length % 4 === 1) throw invalidToken(`: illegal base64 data at input byte ${bad ? bad.index : token.length - 1}`);
	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
	} catch (error) {
		throw invalidToken(`: ${error instanceof Error ? error.message : String(error)}`);
	}
	const c = (parsed ?? {}) as {v?: unknown; rv?: unknown; start?: unknown};
	if (c.v !== 'meta.k8s.io/v1') throw invalidToken(`: server does not recognize this encoded version ${typeof c.v === 'string' ? c.v : ''}`);
	const rv = typeof c.rv === 'number' && Number.isInteger(c.rv) ? c.rv : 0;
	if (rv === 0) throw invalidToken(': incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
	const start = typeof c.start === 'string' ? c.start : '';
	if (start === '') throw invalidToken(': encoded start key empty (version meta.k8s.io/v1)');
	// path.Clean must leave the key as it is: a token cannot reach outside the list's own keys.
	const key = start.startsWith('/') ? start : `/${start}`;
	if (!isClean(key)) throw invalidToken(`: ${start}`);
	return {start: key.slice(1), rv};
}

/** Go's path.Clean(key) === key for a key that starts with '/'. */
function isClean(key: string): boolean {
	if (key === '/') return true;
	if (key.endsWith('/')) return false;
	return key.slice(1).split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** 410 for a read below the compacted revision: a page gets a token that goes on at the newest revision. */
export function compacted(read: ListRead): ApiError {
	if (read.startKey === undefined) return new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
	return new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.', undefined, {continue: encodeContinue(read.startKey, -1)});
}

/** etcd's answer to a read at a revision it has not reached, which kube-apiserver passes on as it is. */
export function futureRevision(): ApiError {
	return new ApiError(500, '', 'etcdserver: mvcc: required revision is a future revision');
}

/** The watch cache's answer when it has not seen the revision within freshnessWaitMs. */
export function tooLargeResourceVersion(wanted: number, current: number): ApiError {
	return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
		causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}],
		retryAfterSeconds: 1,
	});
}

export type Page<T> = {items: T[]; continue?: string; remainingItemCount?: number};

/**
 * One page of `all` (every object under the list's key, in key order) from `read.startKey`: the objects
 * that `matches` until `limit`, and a token when any key follows the last one taken (matching or not,
 * as etcd and the cache decide). remainingItemCount only without selectors, as kube leaves it out
 * when it would count objects the selector drops.
 */
export function pageOf<T>(all: T[], keyOf: (item: T) => string, matches: ((item: T) => boolean) | undefined, read: ListRead, revision: number): Page<T> {
	// Most lists (every first list of a fleet's watches): one page of everything, the list as it is.
	if (!matches && read.startKey === undefined && (read.limit === 0 || all.length <= read.limit)) return {items: all};
	let from = 0;
	if (read.startKey !== undefined) {
		const start = read.startKey;
		while (from < all.length && keyOf(all[from]) < start) from++;
	}
	const items: T[] = [];
	for (let i = from; i < all.length; i++) {
		const item = all[i];
		if (matches && !matches(item)) continue;
		items.push(item);
		if (read.limit > 0 && items.length >= read.limit) {
			if (i === all.length - 1) break;
			const page: Page<T> = {items, continue: encodeContinue(`${keyOf(item)}\u0000`, revision)};
			if (!matches) page.remainingItemCount = all.length - from - read.limit;
			return page;
		}
	}
	return {items};
}
