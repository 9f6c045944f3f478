// One HTTP/1.1 keep-alive connection that carries one request at a time, read with a small response
// parser instead of node's http client. For the one-shot `status` (transport.ts, `http2: false`): it
// asks each of 1,001 clusters five short things, one after the other, and node's ClientRequest,
// IncomingMessage stream and Agent bookkeeping cost ~0.3-0.6 ms of CPU a request there, several times
// what the bytes and the TLS record cost. What a user sees is the same: the request on the wire is what
// node's client sends (Host, the headers as given, no chunked request bodies), and the response is read
// as strictly as node's llhttp reads it (status line, Content-Length or chunked, 1xx skipped, a body
// cut off is an error, a response with both Content-Length and Transfer-Encoding or a bad chunk size is
// refused).

import type net from 'node:net';
import {LeanBody, type Listener} from './lean-body.js';
import type {OutgoingRequest} from './transport.js';

/**
 * What the exchange reads a response body through: data (Buffer), end, error, close. A data chunk is
 * valid only during its event (it may be a view of a read buffer used again for the next read): a
 * listener that keeps it copies it.
 */
export type ResponseBody = {on(event: string | symbol, listener: Listener): unknown; once(event: string | symbol, listener: Listener): unknown};

export type Http1Events = {
	onResponse(status: number, body: ResponseBody): void;
	/** Failed before a response; `stale`: on a reused connection, before any byte of an answer (never processed). */
	onError(error: NodeJS.ErrnoException, stale: boolean): void;
};

const maxHeadBytes = 16 * 1024;

/** On a socket made with `leanReads` (see there): the connection its reads go to (null: none yet). */
const connectionOf = Symbol('http1 connection');
type LeanSocket = net.Socket & {[connectionOf]?: Http1Connection | null};

/**
 * The `onread` option (net.connect, tls.connect without a socket of its own) for a socket that will
 * carry an Http1Connection: each read is handed to the connection in one buffer shared by every such
 * socket and parsed before the next read can land there (the callback is synchronous), instead of a new
 * Buffer per read pushed through the socket's Readable stream to a 'data' listener with a nextTick per
 * chunk. The one-shot status reads ~5,000 responses at 1,001 clusters, and a CPU profile put the stream's
 * share of each read at ~40 % of the read. `lean(socket)` marks a socket so made.
 */
export const leanReads = {
	onread: {buffer: Buffer.allocUnsafe(64 * 1024), callback: onLeanRead},
	lean<S extends net.Socket>(socket: S): S {
		(socket as LeanSocket)[connectionOf] = null;
		return socket;
	},
};

/** Returns true: reading goes on (false would pause the socket). */
function onLeanRead(this: LeanSocket, bytes: number, buffer: Uint8Array): boolean {
	const connection = this[connectionOf];
	// Bytes before the connection was made on it: nothing was asked (read() says the same for a connection).
	if (!connection) this.destroy();
	else connection.read(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
	return true;
}
const headEnd = Buffer.from('\r\n\r\n', 'latin1');

function httpError(message: string, code: string): NodeJS.ErrnoException {
	return Object.assign(new Error(message), {code});
}

// As node's http client: header values may not hold CR, LF or other control characters (a token from
// an exec plugin with a newline must not become a second header); the path no spaces or controls.
const invalidHeaderValue = /[^\t\x20-\x7e\x80-\xff]/;
const headerToken = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const invalidPath = /[^\u0021-\u00ff]/;

/** The request's bytes, or the reason it cannot be sent (what node's http.request throws for the same). */
export function requestHead(request: OutgoingRequest, host: string): string | NodeJS.ErrnoException {
	if (invalidPath.test(request.path)) return httpError('Request path contains unescaped characters', 'ERR_UNESCAPED_CHARACTERS');
	let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${host}\r\n`;
	let length = false;
	for (const name in request.headers) {
		const value = request.headers[name]!;
		if (!headerToken.test(name)) return httpError(`Header name must be a valid HTTP token ["${name}"]`, 'ERR_INVALID_HTTP_TOKEN');
		if (invalidHeaderValue.test(value)) return httpError(`Invalid character in header content ["${name}"]`, 'ERR_INVALID_CHAR');
		if (name.toLowerCase() === 'content-length') length = true;
		head += `${name}: ${value}\r\n`;
	}
	// Node says how long an empty body is for the methods that usually have one.
	if (!length && request.body === undefined && (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')) head += 'Content-Length: 0\r\n';
	return `${head}Connection: keep-alive\r\n\r\n`;
}

type BodyMode = {kind: 'none'} | {kind: 'length'; left: number} | {kind: 'chunked'} | {kind: 'close'};

/**
 * One connection: `send` one request at a time (the caller waits for `idle`). `onIdle` after a
 * response was read whole and the connection can carry the next; `onClose` once the socket is gone.
 */
export class Http1Connection {
	/** Requests it answered whole: a failure on a reused connection before any answer is a stale socket. */
	private served = 0;
	private current?: {events: Http1Events; method: string; body?: LeanBody; responded: boolean; gotBytes: boolean};
	private head = '';
	private mode: BodyMode = {kind: 'none'};
	/** chunked: bytes left of the chunk being read; -1 while reading a size line; -2 in the trailers. */
	private chunkLeft = -1;
	private line = '';
	private reusable = true;
	private closed = false;

	constructor(
		readonly socket: net.Socket,
		private readonly host: string,
		private readonly onIdle: (connection: Http1Connection) => void,
		private readonly onClose: (connection: Http1Connection) => void,
	) {
		if ((socket as LeanSocket)[connectionOf] === null) (socket as LeanSocket)[connectionOf] = this;
		else socket.on('data', (chunk: Buffer) => this.read(chunk));
		socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
		socket.on('end', () => this.ended());
		socket.on('close', () => {
			this.ended();
			this.onClose(this);
		});
	}

	get busy(): boolean {
		return this.current !== undefined;
	}

	get alive(): boolean {
		return !this.closed && !this.socket.destroyed;
	}

	send(request: OutgoingRequest, events: Http1Events): () => void {
		const head = requestHead(request, this.host);
		if (typeof head !== 'string') {
			// Nothing was sent: the connection is free again before the failure lets the next request go.
			queueMicrotask(() => {
				this.onIdle(this);
				events.onError(head, false);
			});
			return () => {};
		}
		const current = {events, method: request.method, responded: false, gotBytes: false};
		this.current = current;
		this.head = '';
		this.socket.ref();
		if (request.body === undefined) this.socket.write(head, 'latin1');
		else {
			// One segment, as node sends a small request: head (latin1, as node writes headers) and body (UTF-8).
			this.socket.cork();
			this.socket.write(head, 'latin1');
			this.socket.write(request.body, 'utf8');
			this.socket.uncork();
		}
		return () => {
			if (this.current === current) this.destroy();
		};
	}

	destroy(): void {
		this.closed = true;
		this.socket.destroy();
	}

	/** What the socket read (its 'data', or leanReads' callback). */
	read(chunk: Buffer): void {
		const current = this.current;
		if (!current) {
			// Nothing was asked: a server that talks out of turn is not one to send the next request to.
			this.destroy();
			return;
		}
		current.gotBytes = true;
		let at = 0;
		while (at < chunk.length && this.current === current && !this.closed) {
			if (!current.responded) {
				at = this.readHead(chunk, at);
				if (at < 0) return;
				continue;
			}
			at = this.readBody(chunk, at);
			if (at < 0) return;
		}
	}

	/** Returns where the head ended in `chunk`, or -1 when it failed or needs more bytes. */
	private readHead(chunk: Buffer, from: number): number {
		let text: string;
		let consumed: number;
		const whole = this.head === '' ? chunk.indexOf(headEnd, from) : -1;
		if (whole >= 0) {
			// The usual case, the head within one chunk: only its bytes become a string, not the body after it
			// (~13 MB of latin1 text a 1,001-cluster status made only to find the blank line).
			text = chunk.toString('latin1', from, whole);
			consumed = whole + 4;
		} else {
			const before = this.head.length;
			this.head += chunk.toString('latin1', from);
			const end = this.head.indexOf('\r\n\r\n', before > 3 ? before - 3 : 0);
			if (end < 0) {
				if (this.head.length > maxHeadBytes) this.parseError('the response headers are larger than 16 KB');
				return -1;
			}
			text = this.head.slice(0, end);
			consumed = from + end + 4 - before;
			this.head = '';
		}
		const lines = text.split('\r\n');
		const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]!);
		if (!status) return this.parseError(`a bad status line: ${JSON.stringify(lines[0]!.slice(0, 60))}`);
		const code = Number(status[2]);
		if (code >= 100 && code < 200) return consumed; // Informational (100 Continue, 103): the answer follows.
		let length: number | undefined;
		let chunked = false;
		let close = status[1] === '0';
		for (let i = 1; i < lines.length; i++) {
			const line = lines[i]!;
			const colon = line.indexOf(':');
			if (colon <= 0) return this.parseError(`a bad header line: ${JSON.stringify(line.slice(0, 60))}`);
			const name = line.slice(0, colon).toLowerCase();
			const value = line.slice(colon + 1).trim();
			if (name === 'content-length') {
				if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value))) return this.parseError('a bad Content-Length');
				length = Number(value);
			} else if (name === 'transfer-encoding') {
				if (!/(^|,)\s*chunked\s*$/i.test(value)) return this.parseError(`an unsupported Transfer-Encoding: ${value}`);
				chunked = true;
			} else if (name === 'connection') {
				const tokens = value.toLowerCase();
				if (/(^|,)\s*close\s*(,|$)/.test(tokens)) close = true;
				else if (status[1] === '0' && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) close = false;
			}
		}
		if (chunked && length !== undefined) return this.parseError('both Content-Length and Transfer-Encoding');
		this.reusable = !close;
		if (this.current!.method === 'HEAD' || code === 204 || code === 304) this.mode = {kind: 'none'};
		else if (chunked) {
			this.mode = {kind: 'chunked'};
			this.chunkLeft = -1;
			this.line = '';
		} else if (length !== undefined) this.mode = length === 0 ? {kind: 'none'} : {kind: 'length', left: length};
		else {
			this.mode = {kind: 'close'};
			this.reusable = false;
		}
		const current = this.current!;
		current.responded = true;
		const body = new LeanBody();
		current.body = body;
		current.events.onResponse(code, body);
		if (this.mode.kind === 'none') {
			if (consumed < chunk.length) this.reusable = false; // Bytes nobody asked for: not a connection to trust.
			this.complete();
			return -1;
		}
		return consumed;
	}

	/** Returns where reading stopped in `chunk`, or -1 once the response is over (or failed). */
	private readBody(chunk: Buffer, from: number): number {
		const mode = this.mode;
		if (mode.kind === 'close') {
			this.emitData(chunk.subarray(from));
			return chunk.length;
		}
		if (mode.kind === 'length') {
			const take = Math.min(mode.left, chunk.length - from);
			mode.left -= take;
			this.emitData(from === 0 && take === chunk.length ? chunk : chunk.subarray(from, from + take));
			if (mode.left === 0) {
				if (from + take < chunk.length) this.reusable = false; // More than was announced: not a connection to trust.
				this.complete();
				return -1;
			}
			return from + take;
		}
		// chunked
		let at = from;
		while (at < chunk.length) {
			if (this.chunkLeft > 0) {
				const take = Math.min(this.chunkLeft, chunk.length - at);
				this.emitData(chunk.subarray(at, at + take));
				this.chunkLeft -= take;
				at += take;
				if (this.chunkLeft === 0) this.chunkLeft = -3; // The CRLF after the data.
				if (this.closed) return -1;
				continue;
			}
			const newline = chunk.indexOf(10, at);
			if (newline < 0) {
				this.line += chunk.toString('latin1', at);
				if (this.line.length > 1024) return this.parseError('a chunk size line longer than 1 KB');
				return chunk.length;
			}
			const line = (this.line + chunk.toString('latin1', at, newline)).replace(/\r$/, '');
			this.line = '';
			at = newline + 1;
			if (this.chunkLeft === -3) {
				if (line !== '') return this.parseError('no CRLF after a chunk');
				this.chunkLeft = -1;
			} else if (this.chunkLeft === -1) {
				const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
				if (!size) return this.parseError(`a bad chunk size: ${JSON.stringify(line.slice(0, 40))}`);
				const n = parseInt(size[1]!, 16);
				this.chunkLeft = n === 0 ? -2 : n;
			} else if (line === '') {
				// The end of the trailers: the body is whole.
				if (at < chunk.length) this.reusable = false;
				this.complete();
				return -1;
			}
		}
		return at;
	}

	/** The server closed: the end of a body read to the close, else the request under way fails. */
	private ended(): void {
		this.closed = true;
		if (this.current?.responded && this.mode.kind === 'close') {
			this.reusable = false;
			return this.complete();
		}
		this.fail(httpError(this.current?.gotBytes ? 'aborted' : 'socket hang up', 'ECONNRESET'));
	}

	private emitData(data: Buffer): void {
		if (data.length > 0) this.current?.body?.emitData(data);
	}

	private complete(): void {
		const current = this.current!;
		this.current = undefined;
		this.served++;
		const reusable = this.reusable && !this.closed;
		if (!reusable) this.destroy();
		else this.socket.unref();
		// Free before the body ends: whoever the end lets go (the transport's next request, releaseIdle) finds it so.
		if (reusable) this.onIdle(this);
		current.body!.emitEnd();
		current.body!.emitClose();
	}

	private parseError(message: string): -1 {
		const error = httpError(`the server's HTTP response could not be read: ${message}`, 'HPE_INVALID_RESPONSE');
		this.fail(error);
		this.destroy();
		return -1;
	}

	/** The request under way fails (the socket ended, erred, or the response was malformed). */
	private fail(error: NodeJS.ErrnoException): void {
		this.closed = true;
		const current = this.current;
		if (!current) return;
		this.current = undefined;
		this.socket.destroy();
		if (current.body) {
			current.body.emitError(error);
			current.body.emitClose();
		} else current.events.onError(error, this.served > 0 && !current.gotBytes);
	}
}
