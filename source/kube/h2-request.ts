// Node's http2 request() without the two deprecate() wrappers it makes for every request.
//
// Node 20's ClientHttp2Session#request binds the request's connect step with AsyncResource#bind, and
// that method gives every function it binds an `asyncResource` accessor (deprecated, DEP0172) through
// two deprecate() calls: each makes a wrapper, a warning emitter and their closures, and changes the
// wrapper's prototype, which gives it a map of its own. That was ~20 µs of CPU and ~3 KB of garbage per
// request, for a property nothing reads: 5,000 requests to a 1,001-cluster fleet's complete pane, and
// one per watch stream and probe after. While request() runs, AsyncResource#bind is a lean one that
// binds the same way (the function runs in the resource's async scope, with the caller's `this` and
// arguments), without the accessor; Node's own is back before request() returns or throws.

import {AsyncResource} from 'node:async_hooks';
import type http2 from 'node:http2';

type Bindable = (this: unknown, ...args: unknown[]) => unknown;
const ownBind = AsyncResource.prototype.bind as (this: AsyncResource, fn: Bindable, thisArg?: unknown) => Bindable;

/** AsyncResource#bind as Node's, less the deprecated `asyncResource` accessor (and `length`, which nothing reads here). */
export function leanBind(this: AsyncResource, fn: Bindable, thisArg?: unknown): Bindable {
	if (thisArg !== undefined || typeof fn !== 'function') return ownBind.call(this, fn, thisArg);
	return boundIn(this, fn);
}

function boundIn(resource: AsyncResource, fn: Bindable): Bindable {
	return function bound(this: unknown, ...args: unknown[]) {
		return resource.runInAsyncScope(fn, this, ...args);
	};
}

/** Whether this Node's bind still hangs the accessor on what it binds (Node 26 removed DEP0172's accessor: nothing to spare there). */
export const bindAddsAccessor = Object.getOwnPropertyNames(new AsyncResource('calico-mcm').bind(() => undefined)).includes('asyncResource');

/** session.request(headers, options), with the lean bind while it runs (when nothing else replaced Node's own). */
export function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, options: http2.ClientSessionRequestOptions): http2.ClientHttp2Stream {
	const proto = AsyncResource.prototype as {bind: unknown};
	if (!bindAddsAccessor || proto.bind !== ownBind) return forgetSentHeaders(session.request(headers, options));
	proto.bind = leanBind;
	try {
		return forgetSentHeaders(session.request(headers, options));
	} finally {
		proto.bind = ownBind;
	}
}

// Node keeps its own copy of a request's headers on the stream for the `sentHeaders` getter, and
// nothing else reads it: request() has already turned them into the header block it sends. The copy
// is a prototype-less object built key by key (dictionary mode, ~470 bytes with its seven fields), and
// a watch's stream keeps it for the watch's life: ~1.9 MB at 1,001 clusters (4,005 watches). Nothing
// in calico-mcm reads `sentHeaders`; where a Node version has no such field, nothing is done.
let sentHeadersKey: symbol | null | undefined;

function forgetSentHeaders(stream: http2.ClientHttp2Stream): http2.ClientHttp2Stream {
	if (sentHeadersKey === undefined) sentHeadersKey = Object.getOwnPropertySymbols(stream).find(key => key.description === 'sent-headers') ?? null;
	if (sentHeadersKey !== null && Object.hasOwn(stream, sentHeadersKey)) (stream as unknown as Record<symbol, unknown>)[sentHeadersKey] = undefined;
	return stream;
}
