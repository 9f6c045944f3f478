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

/** What an exchange is handed: the request, its attempt's credentials and connection, and where it reports. */
export interface ExchangeArgs {
	readonly method: HttpMethod;
	readonly fullPath: string;
	readonly body?: string;
	readonly contentType?: string;
	readonly accept?: string;
	readonly what: string;
	readonly streaming: boolean;
	readonly prepared: {headers: Record<string, string>; transport: Transport};
	/** First attempt: a reset keep-alive socket may be retried once. */
	readonly retryable: boolean;
	/** First attempt, and the credentials can be fetched again: a 401 is retried once. */
	readonly canRefreshAuth: boolean;
	readonly cancel: RequestCancel;
	stopTimer(): void;
	onOpen?(): void;
	/** The request went out on a connection that is up (transports that say so: ExchangeEvents.onSent). */
	readonly onSent?: () => void;
	onData(text: string, end: boolean): void;
	/** How the exchange ended: once, never before exchange() returns. */
	settled(error: unknown, outcome?: ExchangeOutcome): void;
}

/**
 * Settles through `args.settled` (once, never before it returns), not a promise: a watch's exchange
 * lasts the watch's life, and a promise awaited for that long keeps the awaiting async frames (~1 KB of
 * heap each) alive with it, thousands of them on a big fleet.
 */
export function exchange(target: ExchangeTarget, args: ExchangeArgs): void {
	const requestCancel = args.cancel;
	if (requestCancel.aborted) return queueMicrotask(() => args.settled(requestCancel.reason));
	new Exchange(target, args).send();
}

/** The exchange a response body's listeners (shared functions, below) report to. */
const exchangeOf = Symbol('exchange');
type Body = ResponseBody & {[exchangeOf]?: Exchange};

/**
 * One exchange's state, with its steps as methods rather than a dozen closures over one scope: a watch's
 * exchange lives as long as the watch, and closures and their contexts were ~0.6 KB of it per watch.
 * The body's listeners are shared functions that find the exchange on the body.
 */
class Exchange {
	private settled = false;
	private sending = true;
	private ended = false;
	/** A decoder only once a chunk ends inside a character: a watch's chunks end with a line's \n. */
	private decoder: StringDecoder | undefined;
	private cut: () => void = noop;

	constructor(
		private readonly target: ExchangeTarget,
		private readonly args: ExchangeArgs,
	) {}

	send(): void {
		const {args} = this;
		const headers: Record<string, string> = {...args.prepared.headers, Accept: args.accept ?? 'application/json'};
		if (args.body !== undefined) {
			headers['Content-Type'] = args.contentType!;
			headers['Content-Length'] = String(Buffer.byteLength(args.body));
		}
		args.cancel.listen(this);
		this.cut = args.prepared.transport.send({method: args.method, path: args.fullPath, headers, body: args.body, streaming: args.streaming}, this);
		this.sending = false;
	}

	private finish(error?: unknown, outcome: ExchangeOutcome = 'done'): void {
		if (this.settled) return;
		this.settled = true;
		this.args.cancel.unlisten(this);
		const {args} = this;
		const deliver = () => (error ? args.settled(error) : args.settled(undefined, outcome));
		// The transport can fail a request inside send(): the caller hears of it after exchange() returned.
		if (this.sending) queueMicrotask(deliver);
		else deliver();
	}

	/** The request's cancel fired (deadline, caller's signal, caller's cut). */
	cancelled(): void {
		this.cut();
		const {target, args} = this;
		const route = target.entry.cluster.proxy;
		const reason: unknown = args.cancel.reason;
		// Still waiting for a tunnel: the proxy is what did not answer.
		if (route && target.tunnelsOpening() > 0 && reason instanceof KubeError && reason.kind === 'timeout') {
			const within = reason.message.replace(/^no answer within (\S+).*$/s, '$1');
			return this.finish(new KubeError({kind: 'unreachable', message: `proxy ${displayProxy(route.url)} (${route.source}) did not open a tunnel to ${target.url.host} within ${within} (${args.what})`, context: target.entry.info.name}));
		}
		this.finish(reason);
		// A request that timed out on a shared connection: make sure the connection itself still answers.
		if (reason instanceof KubeError && reason.kind === 'timeout') args.prepared.transport.suspect();
	}

	onSent(): void {
		this.args.onSent?.();
	}

	onResponse(status: number, res: ResponseBody): void {
		if (this.settled) return;
		const {target, args} = this;
		if (status < 500) target.answered?.();
		if (status >= 400) {
			collect(res, (text, err) => {
				if (args.cancel.aborted) return this.finish(args.cancel.reason);
				if (err) return this.finish(socketError(target.entry, err, args.what));
				if (status === 401 && args.canRefreshAuth) return this.finish(undefined, 'retry-auth');
				this.finish(statusError(target.entry, status, text, {method: args.method, fullPath: args.fullPath, basePath: basePathOf(target.url), what: args.what}));
			});
			return;
		}
		if (args.streaming) {
			args.stopTimer();
			try {
				args.onOpen?.();
			} catch (error) {
				this.cut();
				return this.finish(error);
			}
		}
		(res as Body)[exchangeOf] = this;
		res.on('data', onBodyData);
		res.on('end', onBodyEnd);
		res.on('error', onBodyError);
		res.on('close', onBodyClose);
	}

	onError(error: NodeJS.ErrnoException, stale: boolean): void {
		const {args} = this;
		if (args.cancel.aborted) return this.finish(args.cancel.reason);
		// A connection that died under the request (idle keep-alive socket, session going away): the
		// server never saw it; an idempotent request gets a fresh connection.
		if (args.retryable && stale && replayable(args.method, args.contentType)) return this.finish(undefined, 'retry-reset');
		this.finish(socketError(this.target.entry, error, args.what));
	}

	data(chunk: Buffer): void {
		if (this.settled) return;
		this.target.answered?.();
		try {
			if (!this.decoder && chunk.length > 0 && chunk[chunk.length - 1]! < 0x80) this.args.onData(chunk.toString('utf8'), false);
			else this.args.onData((this.decoder ??= new StringDecoder('utf8')).write(chunk), false);
		} catch (error) {
			this.cut();
			this.finish(error);
		}
	}

	end(): void {
		this.ended = true;
		if (this.settled) return;
		try {
			this.args.onData(this.decoder?.end() ?? '', true);
		} catch (error) {
			return this.finish(error);
		}
		this.finish();
	}

	error(error: NodeJS.ErrnoException): void {
		const {args} = this;
		if (args.cancel.aborted) return this.finish(args.cancel.reason);
		this.finish(socketError(this.target.entry, error, args.what));
	}

	close(): void {
		if (this.ended || this.settled) return;
		const {args} = this;
		if (args.cancel.aborted) return this.finish(args.cancel.reason);
		this.finish(new KubeError({kind: 'unreachable', message: `the server closed the connection before the response ended (${args.what})`, context: this.target.entry.info.name}));
	}
}

function onBodyData(this: Body, chunk: Buffer): void {
	this[exchangeOf]!.data(chunk);
}

function onBodyEnd(this: Body): void {
	this[exchangeOf]!.end();
}

function onBodyError(this: Body, error: NodeJS.ErrnoException): void {
	this[exchangeOf]!.error(error);
}

function onBodyClose(this: Body): void {
	this[exchangeOf]!.close();
}

function noop(): void {}

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
	// A copy: a chunk is only valid during its event (ResponseBody).
	res.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
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
