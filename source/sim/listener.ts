// The socket side of one simulated API server: a plain net.Server owns the port on 127.0.0.1; TLS
// sockets are made here with the process-wide SecureContext (https/http2.createSecureServer would
// build, and parse keys for, a context per server: seconds across 1,001 clusters). After the handshake
// the ALPN choice hands the socket to the HTTP/2 or the HTTP/1.1 server, both sharing one request
// handler: what http2.createSecureServer({allowHTTP1}) does, without its per-server context. Like
// kube-apiserver it speaks HTTP/2 (ALPN h2) and HTTP/1.1 on the same port.
//
// TLS session tickets as kube-apiserver's Go crypto/tls issues them: TLS 1.3 tickets that resume for
// 7 days, under ticket keys of the server's own (Go makes them per tls.Config, i.e. per API server), so a
// ticket one cluster issued never resumes a session on another. That needs an OpenSSL context per server
// (ticket keys live in it): ~0.9 ms of CPU each to load the shared key and certificate again, once, when
// the server starts listening.
import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {createServer as createHttp2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream} from 'node:http2';
import {createServer as createNetServer, type Socket} from 'node:net';
import {randomBytes} from 'node:crypto';
import {createSecureContext, DEFAULT_CIPHERS, TLSSocket, type SecureContext} from 'node:tls';
import {H2Request, H2Response} from './h2-exchange.js';
import {simulatorTls} from './tls.js';
import type {ConnectionStats} from './types.js';

/**
 * kube-apiserver (Go's http2 server) allows 250 concurrent streams per connection by default; a client
 * that multiplexes must respect the server's limit, so the simulator sets the same one.
 */
const maxConcurrentStreams = 250;

/** kube-apiserver's http.Server MaxHeaderBytes: 1 MiB (Node's servers refuse more than 16 KiB unless told). */
const maxHeaderBytes = 1 << 20;

/**
 * secure_serving.go: "At least 99% of serialized resources in surveyed clusters were smaller than
 * 256kb", so kube-apiserver's HTTP/2 server reads frames of up to 256 KiB, gives each stream a 256 KiB
 * window and the connection one for all its 250 streams (Node's defaults: 16 KiB frames, 64 KiB
 * windows). x/net/http2 announces MaxHeaderBytes plus 10 typical fields of 32 bytes overhead.
 */
const resourceBody99Percentile = 256 * 1024;
const h2Settings = {
	maxConcurrentStreams,
	maxFrameSize: resourceBody99Percentile,
	initialWindowSize: resourceBody99Percentile,
	maxHeaderListSize: maxHeaderBytes + 10 * 32,
};

/**
 * kube-apiserver's http.Server and http2.Server (secure_serving.go): IdleTimeout 90 s ("matches
 * http.DefaultTransport keep-alive timeout"), ReadHeaderTimeout 32 s, no ReadTimeout. Idle means no
 * request under way: a quiet watch is not idle.
 */
export const defaultIdleTimeoutMs = 90_000;
const readHeaderTimeoutMs = 32_000;

/** Go's crypto/tls: a session ticket resumes for at most 7 days (maxSessionTicketLifetime); also the lifetime hint it sends. */
export const ticketLifetimeSeconds = 7 * 24 * 60 * 60;

/**
 * The TLS 1.3 suites in Go's crypto/tls server order on a CPU with AES-GCM instructions
 * (defaultCipherSuitesTLS13): the server's choice, not the client's. OpenSSL's default list and
 * client preference picked TLS_AES_256_GCM_SHA384 for Node and Python clients, where kube-apiserver
 * picks TLS_AES_128_GCM_SHA256 (also the cheaper one: SHA-256 for the key schedule, one handshake
 * per connection). The TLS 1.2 list stays Node's, whose first ECDSA suite is also Go's first.
 */
const goCipherOrder = ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384',
	...DEFAULT_CIPHERS.split(':').filter((suite) => !suite.startsWith('TLS_'))].join(':');

/** One server's TLS context: the simulator's key and certificate, ticket keys of its own. */
function serverSecureContext(): SecureContext {
	const tls = simulatorTls();
	const context = createSecureContext({key: tls.key, cert: tls.certificate, ticketKeys: randomBytes(48), ciphers: goCipherOrder, honorCipherOrder: true});
	// createSecureContext takes no session timeout (tls.Server's option): OpenSSL's default is 2 hours.
	(context.context as {setSessionTimeout(seconds: number): void}).setSessionTimeout(ticketLifetimeSeconds);
	return context;
}

export type Listener = {
	readonly port: number;
	readonly listening: boolean;
	readonly scheme: 'https' | 'http';
	/** Connections accepted, and how many went to HTTP/2 or HTTP/1.1. */
	readonly connections: ConnectionStats;
	listen(port: number): Promise<number>;
	/** Stops accepting and destroys every open socket. */
	close(): Promise<void>;
};

function ignore(): void {}

/**
 * What Node's compatibility API did before handing a request over, kept so that clients see the same:
 * CONNECT is refused (405), Expect: 100-continue gets its interim answer, any other expectation 417.
 */
function acceptExpectation(headers: IncomingHttpHeaders, stream: ServerHttp2Stream, res: H2Response): boolean {
	if (headers[':method'] === 'CONNECT') {
		res.writeHead(405).end();
		return false;
	}
	const expect = headers.expect;
	if (expect === undefined) return true;
	if (expect === '100-continue') {
		stream.additionalHeaders({':status': 100});
		return true;
	}
	res.writeHead(417).end();
	return false;
}

/**
 * Go's HTTP/1.1 server closes a keep-alive connection that has waited IdleTimeout for its next request,
 * and says nothing of it beforehand. Node's keepAliveTimeout would also announce itself to the client
 * in a Keep-Alive header (which Node's own http.Agent obeys) and counts from the last response only, so
 * it stays off and each socket's idle time is kept here: from its last answer, cleared by a request.
 * On timeout with no request or answer open, Node's server destroys the socket.
 */
function closeIdleHttp1(idleTimeoutMs: number): (req: IncomingMessage, res: ServerResponse) => void {
	const open = new WeakMap<Socket, number>();
	return (req, res) => {
		const socket = req.socket;
		open.set(socket, (open.get(socket) ?? 0) + 1);
		socket.setTimeout(0);
		res.once('close', () => {
			const left = (open.get(socket) ?? 1) - 1;
			open.set(socket, left);
			if (left === 0 && !socket.destroyed) socket.setTimeout(idleTimeoutMs);
		});
	};
}

/**
 * x/net/http2's IdleTimeout: a connection without an open stream for that long gets a GOAWAY
 * (NO_ERROR) and is closed; a client that wants to go on opens a new one. The clock starts with the
 * connection and again whenever its last stream closes.
 */
function closeIdleHttp2(session: Http2Session, idleTimeoutMs: number): void {
	let open = 0;
	let timer: NodeJS.Timeout | undefined;
	const idle = () => {
		timer = setTimeout(() => {
			if (!session.closed && !session.destroyed) session.close();
		}, idleTimeoutMs).unref();
	};
	idle();
	// One listener of the session's for every stream's close (a stream closes once): no closure and
	// once-wrapper a stream.
	const closed = () => {
		if (--open === 0 && !session.closed && !session.destroyed) idle();
	};
	session.on('stream', (stream: ServerHttp2Stream) => {
		if (open++ === 0) clearTimeout(timer);
		stream.on('close', closed);
	});
	session.once('close', () => clearTimeout(timer));
}

/** `http2: false`: offer only HTTP/1.1 in the TLS handshake (an HTTP/1.1-only server). */
export function createListener(options: {name: string; tls: boolean; http2?: boolean; idleTimeoutMs?: number; onRequest: (req: IncomingMessage, res: ServerResponse) => void}): Listener {
	const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
	let port = 0;
	const connections: ConnectionStats = {accepted: 0, h2: 0, http1: 0, resumed: 0};
	let listening = false;
	const sockets = new Set<Socket>();
	const http = createHttpServer({keepAlive: true, maxHeaderSize: maxHeaderBytes}, (req, res) => {
		// Go's server names the connection only to close it (or to an HTTP/1.0 client that asked to keep
		// it); Node's would add `Connection: keep-alive` to every HTTP/1.1 answer. Removed, Node keeps the
		// connection all the same, and still says `Connection: close` when it is closing.
		if (res.shouldKeepAlive && req.httpVersionMinor === 1) res.removeHeader('Connection');
		options.onRequest(req, res);
	});
	http.keepAliveTimeout = 0;
	http.headersTimeout = readHeaderTimeoutMs;
	http.requestTimeout = 0;
	http.on('request', closeIdleHttp1(idleTimeoutMs));
	http.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		else socket.destroy();
	});
	// HTTP/2 requests on the core stream API (h2-exchange.ts says why not the compatibility API), as the
	// IncomingMessage/ServerResponse members the handlers use.
	// Go limits header bytes only; Node also counts fields (128 unless told).
	const h2 = createHttp2Server({settings: h2Settings, maxHeaderListPairs: 1 << 16});
	h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
		// A client's RST_STREAM with an error code surfaces as 'error'; the stream is closed either way.
		stream.on('error', ignore);
		const req = new H2Request(stream, headers, rawHeaders);
		const res = new H2Response(stream, req);
		if (!acceptExpectation(headers, stream, res)) return;
		options.onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse);
	});
	h2.on('session', (session: Http2Session) => {
		session.on('error', () => session.destroy());
		session.setLocalWindowSize(resourceBody99Percentile * maxConcurrentStreams);
		closeIdleHttp2(session, idleTimeoutMs);
	});
	const alpn = options.http2 === false ? ['http/1.1'] : ['h2', 'http/1.1'];
	const secureContext = options.tls ? serverSecureContext() : undefined;
	const server = createNetServer((socket) => {
		connections.accepted++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		if (!options.tls) {
			connections.http1++;
			http.emit('connection', socket);
			return;
		}
		const secure = new TLSSocket(socket, {isServer: true, secureContext, ALPNProtocols: alpn});
		secure.on('error', () => socket.destroy());
		secure.once('secure', () => {
			// What tls.Server does before 'secureConnection': http2 waits for a 'secureConnect' (a client
			// event) on a socket still marked connecting.
			(secure as TLSSocket & {secureConnecting: boolean}).secureConnecting = false;
			if (secure.isSessionReused()) connections.resumed++;
			if (secure.alpnProtocol === 'h2') {
				connections.h2++;
				h2.emit('connection', secure);
			} else {
				connections.http1++;
				http.emit('connection', secure);
			}
		});
	});
	return {
		get port() {
			return port;
		},
		get listening() {
			return listening;
		},
		scheme: options.tls ? 'https' : 'http',
		get connections() {
			return {...connections};
		},
		listen: (wanted) => new Promise<number>((resolve, reject) => {
			const onError = (error: NodeJS.ErrnoException) => {
				server.off('listening', onListening);
				const why = error.code === 'EADDRINUSE' ? 'the port is already in use (stop what uses it or choose another port)' : error.message;
				reject(new Error(`cluster ${options.name}: cannot listen on 127.0.0.1:${wanted}: ${why}`));
			};
			const onListening = () => {
				server.off('error', onError);
				const address = server.address();
				port = typeof address === 'object' && address ? address.port : wanted;
				listening = true;
				resolve(port);
			};
			server.once('error', onError);
			server.once('listening', onListening);
			server.listen(wanted, '127.0.0.1');
		}),
		close: () => new Promise<void>((resolve) => {
			if (!listening) {
				resolve();
				return;
			}
			listening = false;
			server.close(() => resolve());
			for (const socket of sockets) socket.destroy();
			sockets.clear();
		}),
	};
}
