// One exchange with a cluster on its transport: send the request, hand the body on as it arrives,
// and settle once: done, failed (with the KubeError that says why), or to be retried (a 401 with
// credentials that can be fetched again; a keep-alive socket that died under an idempotent request).

import {StringDecoder} from 'node:string_decoder';
import {KubeError} from './errors.js';
import type {HttpMethod} from './client.js';
import type {ContextEntry} from './kubeconfig.js';
import {displayProxy} from './proxy.js';
import {socketError, statusError} from './response-errors.js';
import type {RequestCancel} from './request-cancel.js';
import type {ResponseBody} from './http1-connection.js';
import type {Transport} from './transport.js';

export type ExchangeTarget = {
	entry: ContextEntry;
	url: URL;
	/** Tunnels still being opened through the cluster's proxy: a timeout then blames the proxy. */
	tunnelsOpening: () => number;
	/** The server answered something (a response below 500, a chunk of a body): it is there and working. */
	answered?: () => void;
};

/** The server URL's own path ("" for most servers), in front of every request path. */
export const basePathOf = (url: URL) => url.pathname.replace(/\/+$/, '');

export type ExchangeOutcome = 'done' | 'retry-auth' | 'retry-reset';

/**
 * Settles through `settle` (once, never before it returns), not a promise: a watch's exchange lasts
 * the watch's life, and a promise awaited for that long keeps the awaiting async frames (~1 KB of heap
 * each) alive with it, thousands of them on a big fleet.
 */
export function exchange(target: ExchangeTarget, args: {
	method: HttpMethod;
	fullPath: string;
	body?: string;
	contentType?: string;
	accept?: string;
	what: string;
	streaming: boolean;
	prepared: {headers: Record<string, string>; transport: Transport};
	/** First attempt: a reset keep-alive socket may be retried once. */
	retryable: boolean;
	/** First attempt, and the credentials can be fetched again: a 401 is retried once. */
	canRefreshAuth: boolean;
	cancel: RequestCancel;
	stopTimer: () => void;
	onOpen?: () => void;
	onData: (text: string, end: boolean) => void;
}, settle: (error: unknown, outcome?: ExchangeOutcome) => void): void {
	const {method, fullPath, what, prepared, cancel: requestCancel} = args;
	if (requestCancel.aborted) return queueMicrotask(() => settle(requestCancel.reason));
	const headers: Record<string, string> = {...prepared.headers, Accept: args.accept ?? 'application/json'};
	if (args.body !== undefined) {
		headers['Content-Type'] = args.contentType!;
		headers['Content-Length'] = String(Buffer.byteLength(args.body));
	}
	const {canRefreshAuth} = args;
	let settled = false;
	const finish = (error?: unknown, outcome: ExchangeOutcome = 'done') => {
		if (settled) return;
		settled = true;
		requestCancel.unlisten(onAbort);
		const deliver = () => (error ? settle(error) : settle(undefined, outcome));
		// The transport can fail a request inside send(): the caller hears of it after exchange() returned.
		if (sending) queueMicrotask(deliver);
		else deliver();
	};
	let sending = true;
	let cancel = () => {};
	const onAbort = () => {
		cancel();
		const route = target.entry.cluster.proxy;
		const reason: unknown = requestCancel.reason;
		// Still waiting for a tunnel: the proxy is what did not answer.
		if (route && target.tunnelsOpening() > 0 && reason instanceof KubeError && reason.kind === 'timeout') {
			const within = reason.message.replace(/^no answer within (\S+).*$/s, '$1');
			return finish(new KubeError({kind: 'unreachable', message: `proxy ${displayProxy(route.url)} (${route.source}) did not open a tunnel to ${target.url.host} within ${within} (${what})`, context: target.entry.info.name}));
		}
		finish(reason);
		// A request that timed out on a shared connection: make sure the connection itself still answers.
		if (reason instanceof KubeError && reason.kind === 'timeout') prepared.transport.suspect();
	};
	requestCancel.listen(onAbort);

	const onResponse = (status: number, res: ResponseBody) => {
		if (settled) return;
		if (status < 500) target.answered?.();
		if (status >= 400) {
			collect(res, (text, err) => {
				if (requestCancel.aborted) return finish(requestCancel.reason);
				if (err) return finish(socketError(target.entry, err, what));
				if (status === 401 && canRefreshAuth) return finish(undefined, 'retry-auth');
				finish(statusError(target.entry, status, text, {method, fullPath, basePath: basePathOf(target.url), what}));
			});
			return;
		}
		if (args.streaming) {
			args.stopTimer();
			try {
				args.onOpen?.();
			} catch (error) {
				cancel();
				return finish(error);
			}
		}
		// A decoder only once a chunk ends inside a character: a watch's chunks end with a line's \n.
		let decoder: StringDecoder | undefined;
		let ended = false;
		res.on('data', (chunk: Buffer) => {
			if (settled) return;
			target.answered?.();
			try {
				if (!decoder && chunk.length > 0 && chunk[chunk.length - 1]! < 0x80) args.onData(chunk.toString('utf8'), false);
				else args.onData((decoder ??= new StringDecoder('utf8')).write(chunk), false);
			} catch (error) {
				cancel();
				finish(error);
			}
		});
		res.on('end', () => {
			ended = true;
			if (settled) return;
			try {
				args.onData(decoder?.end() ?? '', true);
			} catch (error) {
				return finish(error);
			}
			finish();
		});
		res.on('error', (error: NodeJS.ErrnoException) => {
			if (requestCancel.aborted) return finish(requestCancel.reason);
			finish(socketError(target.entry, error, what));
		});
		res.on('close', () => {
			if (ended || settled) return;
			if (requestCancel.aborted) return finish(requestCancel.reason);
			finish(new KubeError({kind: 'unreachable', message: `the server closed the connection before the response ended (${what})`, context: target.entry.info.name}));
		});
	};
	const onError = (error: NodeJS.ErrnoException, stale: boolean) => {
		if (requestCancel.aborted) return finish(requestCancel.reason);
		// A connection that died under the request (idle keep-alive socket, session going away): the
		// server never saw it; an idempotent request gets a fresh connection.
		if (args.retryable && stale && replayable(method, args.contentType)) return finish(undefined, 'retry-reset');
		finish(socketError(target.entry, error, what));
	};
	cancel = prepared.transport.send({method, path: fullPath, headers, body: args.body}, {onResponse, onError});
	sending = false;
}

/**
 * Whether a request that hit a dead keep-alive socket may be sent again: idempotent ones only. Never a
 * POST: a create may have happened, and some creates (ManagedCluster) return data only once.
 */
function replayable(method: HttpMethod, contentType: string | undefined): boolean {
	if (method === 'GET' || method === 'PUT' || method === 'DELETE') return true;
	return method === 'PATCH' && contentType === 'application/apply-patch+yaml';
}

/** Read a whole (error) response body. */
function collect(res: ResponseBody, done: (text: string, error?: NodeJS.ErrnoException) => void): void {
	const chunks: Buffer[] = [];
	let finished = false;
	res.on('data', (chunk: Buffer) => chunks.push(chunk));
	res.on('end', () => {
		finished = true;
		done(Buffer.concat(chunks).toString('utf8'));
	});
	res.on('error', (error: NodeJS.ErrnoException) => {
		if (finished) return;
		finished = true;
		done('', error);
	});
}
