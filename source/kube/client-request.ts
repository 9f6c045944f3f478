// One request of a client for its whole life: its deadline, its caller's abort, and its attempts (a 401
// retried with fresh credentials, a dead keep-alive connection retried once), settled once.

import type {KubeError} from './errors.js';
import {formatDuration} from './duration.js';
import type {ExecCredential} from './exec-credentials.js';
import {exchange, type ExchangeArgs, type ExchangeOutcome, type ExchangeTarget} from './exchange.js';
import type {HttpMethod} from './client.js';
import {microtask} from './microtask.js';
import {RequestCancel} from './request-cancel.js';
import type {Transport} from './transport.js';

export type Prepared = {headers: Record<string, string>; transport: Transport; credential?: ExecCredential};

/** What a request needs of its client. */
export interface RequestHost {
	readonly context: string;
	readonly target: ExchangeTarget;
	readonly isClosed: boolean;
	/** A 401 may be answered by fetching the credentials again. */
	readonly refreshableAuth: boolean;
	error(init: Omit<ConstructorParameters<typeof KubeError>[0], 'context'>): KubeError;
	prepare(refresh: boolean, cancel: RequestCancel): Promise<Prepared>;
	invalidate(credential: ExecCredential | undefined): void;
}

/**
 * Where a request's answer goes, as one object: a watch keeps its request for its life, and the
 * callbacks it was given (open, data, end), with the line splitter's and their contexts, were ~1 KB
 * of heap per watch (4,005 watches at 1,001 clusters).
 */
export interface RequestSink {
	/** A streaming request's 2xx headers came. */
	opened?(): void;
	data(text: string, end: boolean): void;
	/** Once, never inside the cut or the caller's abort that ended it. */
	ended(error?: unknown): void;
}

export type RequestSpec = {
	method: HttpMethod;
	fullPath: string;
	what: string;
	streaming: boolean;
	body?: string;
	contentType?: string;
	accept?: string;
	callerSignal?: AbortSignal;
	/** 0: none. */
	timeoutMs: number;
	onSent?: () => void;
};

/**
 * The request is also what its exchange is handed (ExchangeArgs): an object with methods rather than
 * closures over the client's send(). A watch holds its request for its life, and those closures and
 * their context were ~0.5 KB of heap per watch (4,005 watches at 1,001 clusters).
 */
export class ClientRequest implements ExchangeArgs {
	readonly cancel = new RequestCancel();
	readonly method: HttpMethod;
	readonly fullPath: string;
	readonly what: string;
	readonly streaming: boolean;
	readonly body: string | undefined;
	readonly contentType: string | undefined;
	readonly accept: string | undefined;
	/** The attempt under way: its credentials and connection, whether it may be retried. */
	prepared: Prepared = {headers: {}, transport: undefined as unknown as Transport};
	retryable = true;
	canRefreshAuth = false;
	private index = 0;
	private finished = false;
	private timer: NodeJS.Timeout | undefined;
	private readonly callerSignal: AbortSignal | undefined;
	readonly onSent: (() => void) | undefined;

	constructor(
		private readonly host: RequestHost,
		spec: RequestSpec,
		private readonly sink: RequestSink,
	) {
		this.method = spec.method;
		this.fullPath = spec.fullPath;
		this.what = spec.what;
		this.streaming = spec.streaming;
		this.body = spec.body;
		this.contentType = spec.contentType;
		this.accept = spec.accept;
		this.callerSignal = spec.callerSignal;
		this.onSent = spec.onSent;
		// One cancel for this request: the deadline, the caller's signal and the caller's cut all end it, with the reason.
		this.callerSignal?.addEventListener('abort', this, {once: true});
		// 0 means no timeout, as kubectl's --request-timeout=0 (setTimeout would fire at once for 0 or Infinity).
		const {timeoutMs} = spec;
		if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
			this.timer = setTimeout(() => {
				this.cancel.abort(host.error({kind: 'timeout', message: `no answer within ${formatDuration(timeoutMs)} (${this.what})`}));
			}, Math.min(timeoutMs, 2 ** 31 - 1));
		}
	}

	onOpen(): void {
		this.sink.opened?.();
	}

	onData(text: string, end: boolean): void {
		this.sink.data(text, end);
	}

	/** The caller's signal fired (EventTarget calls handleEvent), or the caller cut the request. */
	handleEvent(): void {
		this.cancel.abort(this.host.error({kind: 'aborted', message: `aborted (${this.what})`}));
	}

	stopTimer(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}

	attempt(index: number): void {
		const {host} = this;
		host.prepare(index > 0, this.cancel).then((prepared) => {
			if (host.isClosed) return this.finish(host.error({kind: 'aborted', message: `the client for context ${host.context} is closed (${this.what})`}));
			this.index = index;
			this.prepared = prepared;
			this.retryable = index === 0;
			this.canRefreshAuth = this.retryable && host.refreshableAuth;
			exchange(host.target, this);
		}, (error: unknown) => this.finish(error));
	}

	/** The exchange's outcome (exchange.ts). */
	settled(error: unknown, outcome?: ExchangeOutcome): void {
		if (error !== undefined || outcome === 'done') return this.finish(error);
		if (outcome === 'retry-auth') this.host.invalidate(this.prepared.credential);
		this.attempt(this.index + 1);
	}

	private finish(error?: unknown): void {
		if (this.finished) return;
		this.finished = true;
		this.stopTimer();
		this.callerSignal?.removeEventListener('abort', this);
		// As a promise would: never inside the cut or the caller's abort that ended it.
		microtask(() => this.sink.ended(error));
	}
}
