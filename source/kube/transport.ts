// One connection per cluster, as kubectl and client-go keep it: TLS with ALPN, then HTTP/2 with every
// list, get and watch of the cluster multiplexed as streams of ONE session (one TCP connection, one
// TLS handshake, one socket's memory, however many watches). A server that does not offer h2 in the
// handshake gets HTTP/1.1 keep-alive instead (the first socket is kept for it, so that costs no extra
// handshake); an http:// server always gets HTTP/1.1.
//
// Lifecycle: a session is opened on the first request and reused until it closes (server, GOAWAY),
// fails, stays without a stream for `idleMs`, or stops answering: after a request timed out the client
// calls suspect(), which sends an HTTP/2 PING; no answer within `pingTimeoutMs` destroys the session, so
// every stream on it fails at once (watches then reconnect) instead of each waiting for its own timer,
// as client-go's http2 health check does. An idle session does not keep the process alive.
//
// THE SOCKET HOOK (proxies): every connection starts with `createConnection` (ConnectionFactory) when
// one is given: resolve with a connected byte stream to the target — an HTTP CONNECT tunnel, a SOCKS5
// socket — and TLS to the API server runs over it (tls.connect({socket})), then h2 or HTTP/1.1 over
// that; for an http:// server the stream carries HTTP/1.1 itself. Without a factory the transport dials
// host:port directly. The factory is called once per connection: once per cluster with h2, once per
// pooled socket with HTTP/1.1. The signal aborts a tunnel still being set up.

import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type {Duplex} from 'node:stream';
import tls from 'node:tls';
import {Cut} from './cut.js';
import {leanH2Reads} from './h2-lean-reads.js';
import {h2Request} from './h2-request.js';
import {leanReads, type ResponseBody} from './http1-connection.js';
import {Http1Pipeline} from './http1-pipeline.js';
import type {TlsSessionCache} from './tls-sessions.js';

export type ConnectionTarget = {host: string; port: number};

/** Resolves with a connected stream to the target (or rejects with the reason it cannot). */
/**
 * Resolves with a connected socket to the target (or rejects with why it cannot): a net.Socket, or a
 * tls.TLSSocket for a tunnel through an https:// proxy.
 */
export type ConnectionFactory = (target: ConnectionTarget, signal: AbortSignal) => Promise<net.Socket>;

export type TransportOptions = {
	/** The server: https:// (h2 or HTTP/1.1, by ALPN) or http:// (HTTP/1.1). */
	url: URL;
	/** For https:// servers. */
	tls?: {
		secureContext: tls.SecureContext;
		rejectUnauthorized: boolean;
		servername?: string;
		/** Resume TLS sessions from this cache, under this key, and keep the tickets the server issues (tls-sessions.ts). */
		sessions?: {cache: TlsSessionCache; key: string};
	};
	/** See THE SOCKET HOOK above. */
	createConnection?: ConnectionFactory;
	/** Gives up on a connection (TCP, tunnel, TLS handshake) after this long. Default 30 s. */
	connectTimeoutMs?: number;
	/** HTTP/1.1 only: sockets per server (watches hold one each). Default 8. */
	maxSockets?: number;
	/**
	 * false: offer only HTTP/1.1 (keep-alive). For a client that asks one thing at a time and watches
	 * nothing (the one-shot `status`): still one connection and one TLS handshake per cluster, without
	 * HTTP/2's session set-up (SETTINGS and WINDOW_UPDATE frames, nghttp2 state on both ends), which at
	 * 1,001 clusters cost the simulator ~0.9 ms and the client ~0.5 ms of CPU per cluster. Default true.
	 */
	http2?: boolean;
	/**
	 * Close an h2 session that has had no stream for this long. Default 90 s, as Go's and client-go's
	 * transports (IdleConnTimeout). A starting fleet's watch streams open after every cluster's first
	 * lists (start-gate.ts): on a loaded machine that can be more than 30 s after a cluster's own lists,
	 * and at 30 s hundreds of sessions had closed meanwhile, each costing a second TLS handshake.
	 */
	idleMs?: number;
	/** How long a PING may go unanswered before the session is dropped. Default 15 s (client-go's). */
	pingTimeoutMs?: number;
};

/** `streaming`: a response held open (a watch), whose chunks are read lean over HTTP/2 (h2-lean-reads.ts). */
export type OutgoingRequest = {method: string; path: string; headers: Record<string, string>; body?: string; streaming?: boolean};

export type ExchangeEvents = {
	/** The response head; `body` emits data/end/error/close like an http.IncomingMessage (it may be one). */
	onResponse(status: number, body: ResponseBody): void;
	/**
	 * The request failed before a response. `stale`: it went out on a connection that was already in use
	 * and died under it (a keep-alive socket or a session the server had closed, a refused stream), so the
	 * server most likely never processed it: an idempotent request may be sent again.
	 */
	onError(error: NodeJS.ErrnoException, stale: boolean): void;
	/** The request was handed to a connection that is up (the HTTP/1.1 pipeline says so; the others do not). */
	onSent?(): void;
};

export type Protocol = 'h2' | 'http/1.1';

export interface Transport {
	/** What the server speaks, once known (after the first connection). */
	readonly protocol: Protocol | undefined;
	/** Send one request; returns a function that cancels it (RST_STREAM on h2, socket destroyed on HTTP/1.1). */
	send(request: OutgoingRequest, events: ExchangeEvents): () => void;
	/** A request on this transport timed out: check the connection still answers, drop it if it does not. */
	suspect(): void;
	/** Close every connection; later sends fail. */
	close(): void;
	/**
	 * Close the connections no request is using now (an idle h2 session, free HTTP/1.1 sockets); a later
	 * send opens a new one. For a client done with a cluster for a while (the one-shot `status`).
	 */
	releaseIdle(): void;
}

/** Open connections of every transport (diagnostics, benchmarks): h2 sessions and HTTP/1.1 sockets. */
export const openConnections = {h2: 0, http1: 0};

const h2Settings: http2.Settings = {
	enablePush: false,
	// Lists of thousands of objects arrive at full speed on one stream while the session carries others.
	initialWindowSize: 4 * 1024 * 1024,
};
const sessionWindow = 16 * 1024 * 1024;

const alpnLists = new Map<string, DataView>();

/**
 * The ALPN list in its wire form, as a DataView. Node keeps a copy of it with each TLS socket's options
 * for the socket's life; from a list of names or a Buffer the copy is a slice of Node's shared 8 KB
 * Buffer pool, which pins the whole slab (a slab per few connections at 1,001 clusters, ~2 MB), from
 * a DataView it is 12 bytes of its own.
 */
function alpnWire(protocols: string[]): DataView {
	const name = protocols.join(',');
	let wire = alpnLists.get(name);
	if (!wire) {
		const bytes = new Uint8Array(Buffer.concat(protocols.map(protocol => Buffer.concat([Buffer.from([Buffer.byteLength(protocol)]), Buffer.from(protocol)]))));
		wire = new DataView(bytes.buffer);
		alpnLists.set(name, wire);
	}
	return wire;
}

function connectError(message: string, code: string): NodeJS.ErrnoException {
	return Object.assign(new Error(message), {code});
}

export function createTransport(options: TransportOptions): Transport {
	return new ClusterTransport(options);
}

type Waiter = {resolve: (session: Session | 'http/1.1') => void; reject: (error: Error) => void};

/** One h2 session and what the transport tracks about it. */
class Session {
	/** Streams open now. */
	active = 0;
	/** Whether any stream was opened on it before. */
	used = false;
	private idleTimer?: NodeJS.Timeout;

	constructor(
		readonly h2: http2.ClientHttp2Session,
		private readonly idleMs: number,
	) {
		openConnections.h2++;
		h2.once('connect', () => {
			try {
				h2.setLocalWindowSize(sessionWindow);
			} catch {
				// Closing already: its streams report that.
			}
		});
		// Errors reach every stream of the session; the session's own needs a listener only.
		h2.on('error', () => {});
		h2.once('close', () => {
			openConnections.h2--;
			if (this.idleTimer) clearTimeout(this.idleTimer);
		});
		h2.unref();
	}

	get live(): boolean {
		return !this.h2.closed && !this.h2.destroyed;
	}

	opened(): void {
		this.active++;
		this.used = true;
		if (this.idleTimer) clearTimeout(this.idleTimer);
		this.idleTimer = undefined;
		this.h2.ref();
	}

	ended(): void {
		if (--this.active > 0) return;
		// Idle: it no longer keeps the process alive, and closes after idleMs unless a request comes first.
		this.h2.unref();
		this.idleTimer = setTimeout(() => {
			if (this.active === 0) this.h2.close();
		}, this.idleMs);
		this.idleTimer.unref();
	}
}

class ClusterTransport implements Transport {
	protocol: Protocol | undefined;
	private readonly host: string;
	private readonly port: number;
	private session?: Session;
	/** A connection being set up, and the requests waiting for it. */
	private pending?: {waiters: Waiter[]; cut: Cut};
	private agent?: http.Agent;
	/** The first HTTP/1.1 TLS socket (from the h2 probe), handed to the agent's first request. */
	private spare?: net.Socket;
	private closed = false;
	/** releaseIdle() was asked and no request came since. */
	private releasing = false;
	private pinging = false;
	/** HTTP/1.1 requests holding a socket, and those waiting for one (see sendHttp1). */
	private http1Active = 0;
	private readonly http1Queue: Array<() => void> = [];

	constructor(private readonly options: TransportOptions) {
		this.host = options.url.hostname.replace(/^\[|\]$/g, '');
		this.port = Number(options.url.port) || (options.url.protocol === 'https:' ? 443 : 80);
		if (!options.tls || options.http2 === false) this.protocol = 'http/1.1';
	}

	send(request: OutgoingRequest, events: ExchangeEvents): () => void {
		if (this.closed) {
			events.onError(connectError('the connection is closed', 'ERR_TRANSPORT_CLOSED'), false);
			return () => {};
		}
		this.releasing = false;
		if (this.protocol === 'http/1.1') return this.sendHttp1(request, events);
		const live = this.liveSession();
		if (live) return this.sendH2(live, request, events);
		let cancel: (() => void) | undefined;
		let cancelled = false;
		this.connect().then(
			(outcome) => {
				if (cancelled) return;
				cancel = outcome === 'http/1.1' ? this.sendHttp1(request, events) : this.sendH2(outcome, request, events);
			},
			(error: NodeJS.ErrnoException) => {
				if (!cancelled) events.onError(error, false);
			},
		);
		return () => {
			cancelled = true;
			cancel?.();
		};
	}

	suspect(): void {
		const session = this.liveSession();
		if (!session || this.pinging) return;
		this.pinging = true;
		const timeoutMs = this.options.pingTimeoutMs ?? 15_000;
		const timer = setTimeout(() => {
			this.pinging = false;
			session.h2.destroy(connectError(`the server stopped answering: no answer to an HTTP/2 PING within ${Math.round(timeoutMs / 1000)} s`, 'ETIMEDOUT'));
		}, timeoutMs);
		timer.unref();
		const answered = () => {
			clearTimeout(timer);
			this.pinging = false;
		};
		try {
			session.h2.ping(answered);
		} catch {
			answered();
		}
	}

	close(): void {
		this.closed = true;
		this.pending?.cut.stop();
		this.session?.h2.destroy();
		this.session = undefined;
		this.agent?.destroy();
		this.agent = undefined;
		this.spare?.destroy();
		this.spare = undefined;
		this.pipeline?.close();
	}

	releaseIdle(): void {
		this.releasing = true;
		this.releaseSession();
		this.releaseHttp1Sockets();
		this.pipeline?.releaseIdle();
	}

	/** After releaseIdle(), the h2 session closes as soon as it carries no stream. */
	releaseSession(): void {
		const session = this.liveSession();
		if (!this.releasing || !session || session.active > 0) return;
		session.h2.close();
		this.session = undefined;
	}

	/** After releaseIdle(), the HTTP/1.1 sockets close as soon as no request holds one. */
	private releaseHttp1Sockets(): void {
		if (!this.releasing || this.http1Active > 0) return;
		this.agent?.destroy();
		this.agent = undefined;
		this.spare?.destroy();
		this.spare = undefined;
	}

	// --- connections ---

	private liveSession(): Session | undefined {
		if (this.session?.live) return this.session;
		this.session = undefined;
		return undefined;
	}

	/** A socket to the server straight away (connecting; TLS when the server is https), no factory. */
	private connectNow(alpn: string[], lean: boolean): net.Socket {
		const settings = this.options.tls;
		// A socket for an Http1Connection of its own (the pipeline's) delivers its reads straight to it (leanReads).
		const onread = lean ? {onread: leanReads.onread} : {};
		const socket = settings
			? this.keepSessions(leanPeerCheck(tls.connect({...this.tlsOptions(settings, alpn), port: this.port, ...onread})))
			: net.connect({host: this.host, port: this.port, ...onread});
		socket.setNoDelay(true);
		return lean ? leanReads.lean(socket) : socket;
	}

	/** Keeps the session tickets the server sends (TLS 1.3: after the handshake, with the first data read). */
	private keepSessions(socket: tls.TLSSocket): tls.TLSSocket {
		const sessions = this.options.tls?.sessions;
		if (sessions) socket.on('session', (session: Buffer) => sessions.cache.put(sessions.key, session));
		return socket;
	}

	private tlsOptions(settings: NonNullable<TransportOptions['tls']>, alpn: string[]): tls.ConnectionOptions {
		return {
			host: this.host,
			secureContext: settings.secureContext,
			rejectUnauthorized: settings.rejectUnauthorized,
			// SNI and the name the certificate must carry: tls-server-name, else the host (never an IP: RFC 6066).
			servername: settings.servername ?? (net.isIP(this.host) ? undefined : this.host),
			ALPNProtocols: alpnWire(alpn),
			session: settings.sessions?.cache.get(settings.sessions.key),
		};
	}

	/**
	 * A connected socket (TLS handshake done, ALPN decided), or the reason there is none. `cut` stops the
	 * attempt: a Cut rather than an AbortSignal, as a one-shot status dials once per cluster and a
	 * signal with its listener cost ~50 µs of CPU a connection there; the AbortController a connection
	 * factory is handed is made only when there is a factory. `lean`: the socket will carry an
	 * Http1Connection of its own (leanReads; not for a factory's tunnel, which reads as a stream).
	 */
	private dial(alpn: string[], cut: Cut, lean = false): Promise<net.Socket> {
		const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
		const settings = this.options.tls;
		const factory = this.options.createConnection;
		return new Promise<net.Socket>((resolve, reject) => {
			let socket: net.Socket | undefined;
			let done = false;
			// Given up (timeout, cancel): a tunnel still being opened must let go of its proxy connection too,
			// or a proxy that never answers keeps the process alive.
			const giveUp = factory ? new AbortController() : undefined;
			const finish = (error?: Error) => {
				if (done) return;
				done = true;
				clearTimeout(timer);
				cut.hold(undefined);
				socket?.removeListener('error', finish);
				if (error) {
					giveUp?.abort(error);
					socket?.destroy();
					reject(error);
				} else resolve(socket!);
			};
			const onAbort = () => finish(connectError('the connection was cancelled', 'ERR_TRANSPORT_CLOSED'));
			const timer = setTimeout(() => finish(connectError(`no connection to ${this.host}:${this.port} within ${Math.round(timeoutMs / 1000)} s`, 'ETIMEDOUT')), timeoutMs);
			timer.unref();
			cut.hold(onAbort);
			if (done) return;
			const track = (candidate: net.Socket) => {
				socket = candidate;
				candidate.once('error', finish);
				candidate.once(settings ? 'secureConnect' : 'connect', () => finish());
			};
			if (!factory) return track(this.connectNow(alpn, lean));
			factory({host: this.host, port: this.port}, giveUp!.signal).then((raw) => {
				if (done) return void raw.destroy();
				if (!settings) {
					socket = raw;
					return finish();
				}
				raw.once('error', finish);
				track(this.keepSessions(leanPeerCheck(tls.connect({...this.tlsOptions(settings, alpn), socket: raw}))));
			}, finish);
		});
	}

	/** One connection attempt at a time; every request arriving meanwhile waits for it. */
	private connect(): Promise<Session | 'http/1.1'> {
		return new Promise((resolve, reject) => {
			if (this.pending) {
				this.pending.waiters.push({resolve, reject});
				return;
			}
			const pending = {waiters: [{resolve, reject}], cut: new Cut()};
			this.pending = pending;
			const settle = (outcome: Session | 'http/1.1' | Error) => {
				if (this.pending === pending) this.pending = undefined;
				for (const waiter of pending.waiters) {
					if (outcome instanceof Error) waiter.reject(outcome);
					else waiter.resolve(outcome);
				}
			};
			this.dial(['h2', 'http/1.1'], pending.cut).then(
				(socket) => {
					if (this.closed) {
						socket.destroy();
						return settle(connectError('the connection is closed', 'ERR_TRANSPORT_CLOSED'));
					}
					if ((socket as tls.TLSSocket).alpnProtocol !== 'h2') {
						// No h2 offered: HTTP/1.1 from now on, starting with this socket.
						this.protocol = 'http/1.1';
						socket.on('error', ignore);
						this.spare = socket;
						return settle('http/1.1');
					}
					this.protocol = 'h2';
					const session = this.openSession(socket);
					this.session = session;
					settle(session);
				},
				(error: Error) => settle(error),
			);
		});
	}

	/**
	 * The h2 session on a connected socket, made here rather than in connect()'s callbacks: the
	 * session's listeners live as long as it does, and a closure made there would keep the connection
	 * attempt with it (its waiters' resolve/reject and its AbortController, ~2 KB a cluster).
	 */
	private openSession(socket: net.Socket): Session {
		// The URL as parsed already: http2.connect reads its protocol, host and port, and parses a string again.
		const h2 = http2.connect(this.options.url, {settings: h2Settings, createConnection: () => socket});
		const session = new Session(h2, this.options.idleMs ?? 90_000);
		h2.once('goaway', () => {
			if (this.session === session) this.session = undefined;
		});
		return session;
	}

	// --- HTTP/2 ---

	private sendH2(session: Session, request: OutgoingRequest, events: ExchangeEvents): () => void {
		// A session that carried streams before may be going away under this request: then the failure
		// is not the request's, and the server did not process it.
		const reused = session.used;
		const headers: http2.OutgoingHttpHeaders = {':method': request.method, ':path': request.path};
		for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
		let stream: http2.ClientHttp2Stream;
		try {
			stream = h2Request(session.h2, headers, {endStream: request.body === undefined});
		} catch (error) {
			// The session closed between the check and the request: nothing was sent.
			if (this.session === session) this.session = undefined;
			events.onError(error as NodeJS.ErrnoException, true);
			return () => {};
		}
		session.opened();
		const exchange = new H2Exchange(this, session, stream, events, reused, request.streaming === true);
		(stream as TrackedStream)[h2ExchangeOf] = exchange;
		stream.on('response', onH2Response);
		stream.on('error', onH2Error);
		// 'close' comes once: on() spares the once() wrapper a watch's stream would keep for its life.
		stream.on('close', onH2Close);
		if (request.body !== undefined) stream.end(request.body);
		return () => exchange.cut();
	}

	// --- HTTP/1.1 ---

	private http1Agent(): http.Agent {
		if (this.agent) return this.agent;
		const maxSockets = this.options.maxSockets ?? 8;
		const agent = new http.Agent({keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo'});
		// Pooled sockets offer HTTP/1.1 only; the probe's socket serves first. Without a factory they are
		// made synchronously (tls.connect/net.connect return at once), so the agent counts them from the
		// start and never opens more than maxSockets; a factory's tunnels arrive later, and a burst of
		// requests may open a few more than that (the extra ones close when free: maxFreeSockets).
		agent.createConnection = (_options, callback) => {
			const spare = this.spare;
			this.spare = undefined;
			spare?.removeListener('error', ignore);
			const counted = (socket: net.Socket) => {
				openConnections.http1++;
				socket.once('close', () => openConnections.http1--);
				return socket;
			};
			if (spare && !spare.destroyed) return counted(spare);
			if (!this.options.createConnection) return counted(this.connectNow(['http/1.1'], false));
			this.dial(['http/1.1'], new Cut()).then(
				(socket) => callback?.(null, counted(socket)),
				(error: Error) => callback?.(error, undefined as unknown as Duplex),
			);
			return undefined;
		};
		this.agent = agent;
		return agent;
	}

	/**
	 * The agent counts a socket only once it exists, and ours are made asynchronously (tunnel, TLS): left
	 * alone it would open a socket per parallel request. Each request holds one socket until it closes,
	 * so admitting at most maxSockets requests at a time bounds the sockets.
	 */
	private sendHttp1(request: OutgoingRequest, events: ExchangeEvents): () => void {
		if (this.options.http2 === false) return this.leanPipeline().send(request, events);
		let req: http.ClientRequest | undefined;
		let cancelled = false;
		const start = () => {
			if (cancelled) return this.releaseHttp1();
			req = this.startHttp1(request, events);
			req.once('close', () => this.releaseHttp1());
		};
		if (this.http1Active < (this.options.maxSockets ?? 8)) {
			this.http1Active++;
			start();
		} else this.http1Queue.push(start);
		return () => {
			cancelled = true;
			req?.destroy();
		};
	}

	/**
	 * `http2: false` (the one-shot status): the transport's requests on its own HTTP/1.1 connection,
	 * pipelined (http1-pipeline.ts), not node's http client. Connections come from dial(), as the
	 * agent's do: the same TLS settings, session tickets, proxy tunnels and connect timeout.
	 */
	private leanPipeline(): Http1Pipeline {
		this.pipeline ??= new Http1Pipeline({
			host: this.options.url.host,
			dial: (cut) => this.dial(['http/1.1'], cut, true),
			opened: () => openConnections.http1++,
			closed: () => openConnections.http1--,
		});
		return this.pipeline;
	}

	private pipeline?: Http1Pipeline;

	private releaseHttp1(): void {
		const next = this.http1Queue.shift();
		if (next) next();
		else if (--this.http1Active === 0) this.releaseHttp1Sockets();
	}

	private startHttp1(request: OutgoingRequest, events: ExchangeEvents): http.ClientRequest {
		const req = http.request({
			host: this.host,
			port: this.port,
			method: request.method,
			path: request.path,
			headers: request.headers,
			agent: this.http1Agent(),
		});
		let responded = false;
		req.on('error', (error: NodeJS.ErrnoException) => {
			if (responded) return;
			// A keep-alive socket the server closed while idle: the request never reached it.
			events.onError(error, error.code === 'ECONNRESET' && req.reusedSocket);
		});
		req.on('response', (res) => {
			responded = true;
			events.onResponse(res.statusCode ?? 0, res);
		});
		if (request.body !== undefined) req.end(request.body);
		else req.end();
		return req;
	}
}

const ignore = () => {};

/**
 * After every full handshake node checks the server's name (checkServerIdentity) on
 * getPeerCertificate(true): the whole chain turned into objects, each with its public key decoded again
 * and three fingerprints, ~0.2 ms of CPU per connection for a check that reads only the leaf's subject
 * and subjectAltName, which getPeerCertificate(false) gives for a tenth of that. The chain itself is
 * verified by OpenSSL against the CA before that (the socket's verifyError), whatever this returns. Only
 * for the handshake: afterwards the socket's own method answers as usual.
 */
function leanPeerCheck(socket: tls.TLSSocket): tls.TLSSocket {
	const own = socket.getPeerCertificate;
	// Node asks for the detailed form; the leaf is what its check reads.
	socket.getPeerCertificate = (() => own.call(socket, false)) as tls.TLSSocket['getPeerCertificate'];
	// Whichever comes first takes the other listener off too: a once() wrapper left on the socket would
	// stay for the connection's life.
	const restore = () => {
		socket.getPeerCertificate = own;
		socket.removeListener('secureConnect', restore);
		socket.removeListener('close', restore);
	};
	socket.once('secureConnect', restore);
	socket.once('close', restore);
	return socket;
}

/** The request an h2 stream carries, for the stream's listeners (shared functions, below). */
const h2ExchangeOf = Symbol('h2 exchange');
type TrackedStream = http2.ClientHttp2Stream & {[h2ExchangeOf]?: H2Exchange};

/**
 * One request on an h2 stream: whether it was answered or failed, with its steps as methods rather
 * than closures over sendH2's scope. A watch's stream lives as long as the watch, and its listeners
 * are shared functions that find this on the stream.
 */
class H2Exchange {
	private responded = false;
	private failed = false;

	constructor(
		private readonly transport: ClusterTransport,
		private readonly session: Session,
		private readonly stream: http2.ClientHttp2Stream,
		private readonly events: ExchangeEvents,
		/** The session carried streams before (see sendH2). */
		private readonly reused: boolean,
		private readonly streaming: boolean,
	) {}

	fail(error: NodeJS.ErrnoException): void {
		if (this.responded || this.failed) return;
		this.failed = true;
		const refused = this.stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM || error.code === 'ERR_HTTP2_GOAWAY_SESSION';
		this.events.onError(error, refused || this.reused);
	}

	response(head: http2.IncomingHttpHeaders): void {
		if (this.failed) return;
		this.responded = true;
		if (this.streaming) leanH2Reads(this.stream);
		this.events.onResponse(Number(head[':status']) || 0, this.stream);
	}

	closed(): void {
		this.session.ended();
		this.transport.releaseSession();
		if (!this.responded) {
			const refused = this.stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
			this.fail(connectError(refused ? 'the server refused the stream' : 'the server closed the connection before answering', 'ECONNRESET'));
		}
	}

	cut(): void {
		const {stream} = this;
		if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
	}
}

function onH2Response(this: TrackedStream, head: http2.IncomingHttpHeaders): void {
	this[h2ExchangeOf]!.response(head);
}

function onH2Error(this: TrackedStream, error: NodeJS.ErrnoException): void {
	this[h2ExchangeOf]!.fail(error);
}

function onH2Close(this: TrackedStream): void {
	this[h2ExchangeOf]!.closed();
}
