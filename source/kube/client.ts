// A thin HTTP(S) client per kubeconfig context. Why not client-node's: 1.4 sets no request timeout,
// opens a new TCP/TLS connection per request, re-reads the (shared, mutable) current user at request
// time, and re-runs exec plugins on every request. Here every context has its own frozen settings, ONE
// connection (HTTP/2, every list and watch a stream of it; HTTP/1.1 keep-alive where the server has no
// h2: see transport.ts), a timeout and a cancel (the caller's AbortSignal too) on every request, and errors that carry the
// server's own message. The parts: exchange.ts (one request on the transport), response-errors.ts (what
// a failure means), request-auth.ts (the headers that authenticate), tls-material.ts (CA, cert, key)
// and exec-providers.ts (which exec plugin provider a context uses).

import {KubeError} from './errors.js';
import {basePathOf, type ExchangeTarget} from './exchange.js';
import type {ExecCredential, ExecCredentialProvider} from './exec-credentials.js';
import {ExecProviders} from './exec-providers.js';
import type {ContextEntry, FleetConfig} from './kubeconfig.js';
import {queryString} from './paths.js';
import {isPlainHttp, withheldCredentials} from './plain-http.js';
import {openVia} from './proxy.js';
import type {TerminalLender} from './terminal.js';
import {RequestAuth} from './request-auth.js';
import {ClientRequest, type Prepared, type RequestHost, type RequestSink} from './client-request.js';
import type {RequestCancel} from './request-cancel.js';
import {readTlsMaterial, secureContextId, sharedSecureContext, type TlsMaterial} from './tls-material.js';
import type {TlsSessionCache} from './tls-sessions.js';
import {createTransport, type ConnectionFactory, type Protocol, type Transport} from './transport.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestOptions = {
	method?: HttpMethod;
	/** Path under the server URL, e.g. /apis/operator.tigera.io/v1/tigerastatuses. */
	path: string;
	query?: Record<string, string | number | boolean | undefined>;
	/** An object is sent as JSON; a string as is. */
	body?: unknown;
	/** Default: application/json, or application/merge-patch+json for PATCH. */
	contentType?: string;
	accept?: string;
	/** Overrides the client's default timeout (0: none). For stream(): only until the response headers arrive. */
	timeoutMs?: number;
	signal?: AbortSignal;
	/**
	 * Handed the request's cut once it is sent (calling it ends the request as an abort of `signal`
	 * would; after the end it does nothing): for a caller that may stop what it asked, without an
	 * AbortController for each request (the lists of a fleet's start are thousands).
	 */
	onCut?: (cut: () => void) => void;
	/**
	 * Called once the request went out on a connection that is up (the one-shot status's HTTP/1.1
	 * pipeline; not every transport says so): what the caller asks now joins it in the same write.
	 */
	onSent?: () => void;
};

export type StreamOptions = RequestOptions & {
	onLine: (line: string) => void;
	/** Called once the server accepted the stream (2xx headers): from here on only the caller's watchdog applies. */
	onOpen?: () => void;
};

/** What reads a held stream's lines, as one object (see RequestSink): the watch streams. */
export interface LineReader {
	/** The server accepted the stream (2xx headers). */
	opened(): void;
	line(line: string): void;
	/** Once, after openStream returned: how the stream ended (undefined: the server ended it). */
	ended(error?: unknown): void;
}

export type OpenStreamOptions = RequestOptions & ({onLine: (line: string) => void; onOpen?: () => void; onEnd: (error?: unknown) => void; reader?: undefined} | {reader: LineReader});

export interface ClusterClient {
	readonly context: string;
	readonly server: string;
	/** The context's default namespace. */
	readonly namespace: string;
	/** The default per-request timeout. */
	readonly requestTimeoutMs?: number;
	/** Parsed JSON (undefined for an empty body). Throws KubeError. */
	request<T = unknown>(options: RequestOptions): Promise<T>;
	requestText(options: RequestOptions): Promise<string>;
	/**
	 * Calls onLine for every non-empty line of the response body. Resolves when the server ends the
	 * stream; rejects with KubeError. No total timeout, only one until the headers: watchdogs are the
	 * caller's. Abort with the signal.
	 */
	stream(options: StreamOptions): Promise<void>;
	/**
	 * stream() for what holds a stream for its life (a watch): the end comes to onEnd (no error when the
	 * server ended the stream, else the KubeError), never before this returns, instead of a promise that
	 * would keep its awaiting frames alive as long. Returns the cut: it ends the stream as an abort of
	 * `signal` would (onEnd then gets kind 'aborted').
	 */
	openStream(options: OpenStreamOptions): () => void;
	/** Close the connection(s); later requests fail with kind 'aborted'. */
	close(): void;
	/** Close the connections no request is using; a later request opens a new one (transport.ts's releaseIdle). */
	releaseIdle?(): void;
	/** What the server speaks, once the first connection told (h2, or http/1.1 as a fallback). */
	readonly protocol?: Protocol;
	/** Set when the kubeconfig's credentials are withheld from a non-TLS server: says so, and why (plain-http.ts). */
	readonly withheld?: string;
	/**
	 * When the server last answered anything (a response below 500, a line of a watch), on the
	 * performance.now() clock; undefined if never. The reachability probe skips what this already proves.
	 */
	readonly lastAnswerAt?: number;
}

export type ClientOptions = {
	requestTimeoutMs: number;
	/** Sockets per cluster on an HTTP/1.1-only server (watches hold one each). Default 8. With h2 there is one. */
	maxSockets?: number;
	/** false: HTTP/1.1 keep-alive only, for clients that ask one thing at a time and watch nothing (see transport.ts). Default true. */
	http2?: boolean;
	/** Where connections come from (a proxy tunnel); default: dial the server. See transport.ts. */
	createConnection?: ConnectionFactory;
	/** After a request timed out, how long an HTTP/2 PING may go unanswered before the connection is dropped. Default 15 s. */
	pingTimeoutMs?: number;
	userAgent?: string;
	/** Resume TLS sessions across runs from this cache (tls-sessions.ts); default: none kept. */
	tlsSessions?: TlsSessionCache;
	/** For exec credentials without an expiry. */
	execTtlMs?: number;
	/** The terminal, lent to exec plugins that need a person (interactiveMode IfAvailable/Always). */
	terminal?: TerminalLender;
};

type CreateOptions = ClientOptions & {
	/** The context's exec credential provider (shared with other contexts of the same user). */
	exec?: ExecCredentialProvider;
};

export function createClients(config: FleetConfig, options: ClientOptions): Map<string, ClusterClient> {
	const clients = new Map<string, ClusterClient>();
	const providers = new ExecProviders({ttlMs: options.execTtlMs, pluginTimeoutMs: pluginTimeout(options), terminal: options.terminal});
	for (const info of config.contexts) {
		const entry = config.entries.get(info.name);
		// No plugin runs for an http:// server: its credential would not be sent (plain-http.ts).
		if (entry) clients.set(info.name, createClient(entry, {...options, exec: isPlainHttp(entry.cluster.server) ? undefined : providers.for(entry)}));
	}
	return clients;
}

/** A plugin gets as long as a request: the request waiting for it gives up then anyway. */
function pluginTimeout(options: ClientOptions): number | undefined {
	return options.requestTimeoutMs > 0 && Number.isFinite(options.requestTimeoutMs) ? options.requestTimeoutMs : undefined;
}

export function createClient(entry: ContextEntry, options: CreateOptions): ClusterClient {
	return new HttpClusterClient(entry, options);
}

class HttpClusterClient implements ClusterClient, RequestHost {
	readonly context: string;
	readonly server: string;
	readonly namespace: string;
	readonly requestTimeoutMs: number;
	readonly withheld?: string;
	lastAnswerAt?: number;
	private readonly url: URL;
	/** What an exchange needs to know of this client. */
	readonly target: ExchangeTarget;
	private readonly secure: boolean;
	private readonly maxSockets: number;
	private readonly http2: boolean;
	private readonly userAgent: string;
	private readonly exec?: ExecCredentialProvider;
	private readonly createConnection?: ConnectionFactory;
	private readonly pingTimeoutMs?: number;
	private readonly tlsSessions?: TlsSessionCache;
	private tls?: TlsMaterial;
	private transport?: Transport;
	/** The connection for client certificates handed out by an exec plugin, by cert+key. */
	private execTransport?: {key: string; transport: Transport};
	private readonly retiredTransports: Transport[] = [];
	private readonly auth: RequestAuth;
	private closed = false;

	constructor(
		private readonly entry: ContextEntry,
		options: CreateOptions,
	) {
		this.context = entry.info.name;
		this.server = entry.cluster.server;
		this.namespace = entry.info.namespace;
		this.requestTimeoutMs = options.requestTimeoutMs;
		this.url = new URL(entry.cluster.server);
		this.target = {entry, url: this.url, tunnelsOpening: () => this.tunnelsOpening, answered: () => (this.lastAnswerAt = performance.now())};
		this.secure = this.url.protocol === 'https:';
		this.withheld = withheldCredentials(entry);
		this.maxSockets = options.maxSockets ?? 8;
		this.http2 = options.http2 ?? true;
		this.userAgent = options.userAgent ?? 'calico-mcm';
		this.createConnection = options.createConnection;
		this.pingTimeoutMs = options.pingTimeoutMs;
		this.tlsSessions = options.tlsSessions;
		// As kubectl: no credential of any kind (nor an exec plugin run) for a server without TLS.
		this.exec = this.secure ? (options.exec ?? new ExecProviders({ttlMs: options.execTtlMs, pluginTimeoutMs: pluginTimeout(options), terminal: options.terminal}).for(entry)) : undefined;
		this.auth = new RequestAuth(entry, this.exec, this.userAgent);
	}

	/** Exposed for tests and diagnostics: how often the exec plugin ran. */
	get execRuns(): number {
		return this.exec?.runs ?? 0;
	}

	async request<T>(options: RequestOptions): Promise<T> {
		const text = await this.requestText({accept: 'application/json', ...options});
		if (text.trim() === '') return undefined as T;
		try {
			return JSON.parse(text) as T;
		} catch {
			const {method = 'GET', path} = options;
			throw new KubeError({
				kind: 'server',
				message: `the server answered ${method} ${path} with something that is not JSON: ${text.slice(0, 120)}`,
				context: this.context,
			});
		}
	}

	async requestText(options: RequestOptions): Promise<string> {
		const chunks: string[] = [];
		await this.perform(options, false, undefined, (text) => void chunks.push(text));
		return chunks.join('');
	}

	// For callers that await a stream (the operator log, waits); the watch loop holds its streams with openStream.
	stream(options: StreamOptions): Promise<void> {
		return this.perform(options, true, options.onOpen, lineSplitter(options.onLine));
	}

	openStream(options: OpenStreamOptions): () => void {
		// Callers that pass callbacks get them as a reader: one splitting path for both.
		const reader = options.reader ?? {opened: () => options.onOpen?.(), line: options.onLine, ended: options.onEnd};
		return this.send(options, true, new Lines(reader));
	}

	get protocol(): Protocol | undefined {
		return (this.execTransport?.transport ?? this.transport)?.protocol;
	}

	close(): void {
		this.closed = true;
		this.exec?.close();
		this.transport?.close();
		this.execTransport?.transport.close();
		for (const transport of this.retiredTransports) transport.close();
		this.transport = undefined;
		this.execTransport = undefined;
		this.retiredTransports.length = 0;
	}

	releaseIdle(): void {
		this.transport?.releaseIdle();
		this.execTransport?.transport.releaseIdle();
	}

	// --- internals ---

	get isClosed(): boolean {
		return this.closed;
	}

	get refreshableAuth(): boolean {
		return this.secure && this.auth.refreshable;
	}

	invalidate(credential: ExecCredential | undefined): void {
		this.exec?.invalidate(credential);
	}

	error(init: Omit<ConstructorParameters<typeof KubeError>[0], 'context'>): KubeError {
		return new KubeError({...init, context: this.context});
	}

	private loadTls(): TlsMaterial {
		this.tls ??= readTlsMaterial(this.entry);
		return this.tls;
	}

	private makeTransport(extra: {cert?: Buffer; key?: Buffer} = {}): Transport {
		const common = {
			url: this.url,
			maxSockets: this.maxSockets,
			http2: this.http2,
			createConnection: this.connectionFactory(),
			pingTimeoutMs: this.pingTimeoutMs,
			connectTimeoutMs: this.requestTimeoutMs > 0 ? this.requestTimeoutMs : undefined,
		};
		if (!this.secure) return createTransport(common);
		const tls = this.loadTls();
		const {cluster} = this.entry;
		const secureContext = sharedSecureContext(tls.ca, extra.cert ?? tls.cert, extra.key ?? tls.key);
		const rejectUnauthorized = !cluster.insecureSkipTlsVerify;
		// A session is bound to the address, the SNI name, the trust and identity it was made with, and
		// whether the server was verified (tls-sessions.ts).
		const sessionKey = `${this.url.host}\0${cluster.tlsServerName ?? ''}\0${secureContextId(secureContext)}\0${rejectUnauthorized ? 'verify' : 'insecure'}`;
		return createTransport({
			...common,
			tls: {
				secureContext,
				rejectUnauthorized,
				servername: cluster.tlsServerName,
				...(this.tlsSessions ? {sessions: {cache: this.tlsSessions, key: sessionKey}} : {}),
			},
		});
	}

	/** Tunnels still being opened through the cluster's proxy: a timeout then blames the proxy. */
	private tunnelsOpening = 0;

	/**
	 * Connections of a cluster behind a proxy start as tunnels (proxy.ts); TLS and HTTP/2 or HTTP/1.1
	 * run inside them as on a direct connection (the transport's socket hook).
	 */
	private connectionFactory(): ConnectionFactory | undefined {
		if (this.createConnection) return this.createConnection;
		const route = this.entry.cluster.proxy;
		if (!route) return undefined;
		return async ({host, port}, signal) => {
			this.tunnelsOpening++;
			try {
				return await openVia(route, host.replace(/^\[|\]$/g, ''), port, signal);
			} finally {
				this.tunnelsOpening--;
			}
		};
	}

	private transportFor(credential?: ExecCredential): Transport {
		if (credential?.clientCertificateData && credential.clientKeyData) {
			const key = `${credential.clientCertificateData}\n${credential.clientKeyData}`;
			if (this.execTransport?.key !== key) {
				if (this.execTransport) this.retiredTransports.push(this.execTransport.transport);
				this.execTransport = {
					key,
					transport: this.makeTransport({cert: Buffer.from(credential.clientCertificateData), key: Buffer.from(credential.clientKeyData)}),
				};
			}
			return this.execTransport.transport;
		}
		this.transport ??= this.makeTransport();
		return this.transport;
	}

	async prepare(refresh: boolean, cancel: RequestCancel): Promise<Prepared> {
		// As kubectl: no credential of any kind (nor impersonation) to a server without TLS.
		if (!this.secure) return {headers: {'User-Agent': this.userAgent}, transport: this.transportFor()};
		try {
			const {headers, credential} = await this.auth.headers(refresh, () => cancel.signal);
			return {headers, transport: this.transportFor(credential), credential};
		} finally {
			cancel.forget();
		}
	}

	/** One request, with the 401-refresh retry and the keep-alive reset retry. */
	private perform(options: RequestOptions, streaming: boolean, onOpen: (() => void) | undefined, onData: (text: string, end: boolean) => void): Promise<void> {
		return new Promise((resolve, reject) => {
			const cut = this.send(options, streaming, {opened: onOpen, data: onData, ended: (error?: unknown) => (error === undefined ? resolve() : reject(error))});
			options.onCut?.(cut);
		});
	}

	/**
	 * One request, settled through `done` (once, in a microtask of its own, as a promise) rather than a promise, and
	 * with no AbortController of its own (request-cancel.ts): a watch holds its request for its whole
	 * life, and each async frame or AbortSignal kept for it is heap kept per watch. Returns the cut.
	 */
	private send(options: RequestOptions, streaming: boolean, sink: RequestSink): () => void {
		const method = options.method ?? 'GET';
		const query = queryString(options.query);
		const path = `${basePathOf(this.url)}${options.path}`;
		// Flat strings (Array#join copies into one), not ropes of the pieces: a watch keeps its path and
		// label for its whole life, and URLSearchParams' rope of a watch query is ~20 pieces (~600 bytes
		// more than its text, at 4,005 watches).
		const fullPath = query ? [path, query].join('?') : path;
		const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
		const what = whatOf(method, options.path);
		const callerSignal = options.signal;
		// The request outlives a watch's set-up: it takes what it needs, not `options` (its query object,
		// its callbacks).
		const accept = options.accept;
		if (this.closed || callerSignal?.aborted) {
			const error = this.closed ? this.error({kind: 'aborted', message: `the client for context ${this.context} is closed (${what})`}) : this.error({kind: 'aborted', message: `aborted (${what})`});
			queueMicrotask(() => sink.ended(error));
			return () => {};
		}

		let body: string | undefined;
		let contentType = options.contentType;
		if (options.body !== undefined) {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			contentType ??= method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
		}
		const request = new ClientRequest(this, {method, fullPath, what, streaming, body, contentType, accept, callerSignal, timeoutMs, onSent: options.onSent}, sink);
		request.attempt(0);
		return () => request.handleEvent();
	}
}

/**
 * The lines of a body that arrives in chunks, each handed on once complete; blank lines are skipped,
 * a trailing \r is dropped, and what is left at the end is the last line. An idle watch's chunks are
 * mostly one whole line each (a bookmark a minute per watch, thousands of watches): that line is
 * handed on as it came, without copying it through a buffer or a regular expression.
 */
export function lineSplitter(onLine: (line: string) => void): (text: string, end: boolean) => void {
	const lines = new Lines({opened() {}, line: onLine, ended() {}});
	return (chunk, end) => lines.data(chunk, end);
}

/** The line splitter as a request's sink, for a reader that holds its stream (one object a stream). */
class Lines implements RequestSink {
	private pending = '';

	constructor(private readonly reader: LineReader) {}

	opened(): void {
		this.reader.opened();
	}

	ended(error?: unknown): void {
		this.reader.ended(error);
	}

	data(chunk: string, end: boolean): void {
		const text = this.pending === '' ? chunk : this.pending + chunk;
		let from = 0;
		for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
			this.emit(text, from, newline);
			from = newline + 1;
		}
		this.pending = from === 0 ? text : text.slice(from);
		if (end && this.pending !== '') {
			const last = this.pending;
			this.pending = '';
			if (!blank(last)) this.reader.line(last);
		}
	}

	private emit(text: string, from: number, to: number): void {
		if (to > from && text.charCodeAt(to - 1) === 13) to--;
		const line = from === 0 && to === text.length ? text : text.slice(from, to);
		if (!blank(line)) this.reader.line(line);
	}
}

/**
 * A request's label ("GET /apis/operator.tigera.io/v1/tigerastatuses"), one copy per label: every
 * cluster's watch of a resource has the same one and keeps it for its life (~70 bytes a watch). Found
 * by method, then path: a path is mostly the same string each time (the resource's), whose hash V8
 * keeps, where a "method path" key would be a new string to join and hash for every request (~5,000 in
 * a 1,001-cluster status). The map is emptied when it fills, so that odd paths cannot grow it for ever.
 */
const labels = new Map<string, Map<string, string>>();
let labelCount = 0;
const labelsMax = 1024;

function whatOf(method: string, path: string): string {
	let byPath = labels.get(method);
	const known = byPath?.get(path);
	if (known !== undefined) return known;
	if (labelCount >= labelsMax) {
		labels.clear();
		labelCount = 0;
		byPath = undefined;
	}
	if (!byPath) labels.set(method, (byPath = new Map()));
	// Flat (Array#join copies into one), not a rope of the two pieces.
	const what = [method, path].join(' ');
	byPath.set(path, what);
	labelCount++;
	return what;
}

/** Only whitespace (what trim() would empty), without making the trimmed copy. */
function blank(line: string): boolean {
	return !/\S/.test(line);
}
