// One HTTP/1.1 keep-alive connection, read with a small response parser instead of node's http client.
// For the one-shot `status` (transport.ts, `http2: false`, http1-pipeline.ts): it asks each of 1,001
// clusters five short things, and node's ClientRequest, IncomingMessage stream and Agent bookkeeping
// cost ~0.3-0.6 ms of CPU a request there, several times what the bytes and the TLS record cost. What
// a user sees is the same: the request on the wire is what node's client sends (Host, the headers as
// given, no chunked request bodies), and the response is read as strictly as node's llhttp reads it
// (status line, Content-Length or chunked, 1xx skipped, a body cut off is an error, a response with
// both Content-Length and Transfer-Encoding or a bad chunk size is refused). Requests sent in one turn
// go out in one write, their answers are read in order (pipelining: which requests may share the
// connection is the pipeline's choice).

import type net from 'node:net';
import process from 'node:process';
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
	/** Handed to a connection that is up, to go out with this turn's write (Http1Pipeline). */
	onSent?(): void;
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

/** A request as a connection sends it: its bytes (requestHead, and a body), and where its answer goes. */
export type Http1Request = {
	head: string;
	body?: string;
	method: string;
	/** Whether it may be pipelined: idempotent, no body (see Http1Pipeline). */
	idempotent: boolean;
	events: Http1Events;
	/** How often it was sent again after a connection closed without answering it. */
	resends: number;
};

/** What a connection tells the one that sends on it (Http1Pipeline). */
export type ConnectionOwner = {
	/** An answer was read whole and the connection is kept: it can carry more. */
	freed(connection: Http1Connection): void;
	/**
	 * Requests it had sent (or was about to) that it will never answer: the server closed after an
	 * earlier answer (Connection: close, or EOF/reset), or the connection was given up under another
	 * request. No byte of an answer came for any of them: they are to be sent again.
	 */
	unanswered(connection: Http1Connection, requests: Http1Request[], error: NodeJS.ErrnoException): void;
	/** The socket is gone. */
	closed(connection: Http1Connection): void;
};

function flushConnection(connection: Http1Connection): void {
	connection.flush();
}

/** A request on the connection, and how far its answer has come. */
type InFlight = {
	request: Http1Request;
	events: Http1Events;
	body?: LeanBody;
	written: boolean;
	responded: boolean;
	gotBytes: boolean;
	/** Cancelled after it was written, behind another: its answer is read and dropped. */
	abandoned: boolean;
};

/** Where an abandoned request's answer goes: nowhere. */
const discard: Http1Events = {
	onResponse(_status, body) {
		body.on('error', () => {});
	},
	onError() {},
};

/**
 * One connection: requests are written in order (`send`; those sent in one turn go out in one write:
 * HTTP/1.1 pipelining, RFC 9112 §9.3) and their answers read in the same order from the same reads.
 * Which request may go on a busy connection is the owner's choice (Http1Pipeline: idempotent GETs
 * only); the connection matches answers to requests, and hands back to the owner the requests a closing
 * server never answered.
 */
export class Http1Connection {
	/** Requests it answered whole: a failure on a reused connection before any answer is a stale socket. */
	private served = 0;
	/** Sent (or about to be), oldest first: the first is the one the bytes being read answer. */
	private readonly inFlight: InFlight[] = [];
	/** Requests not yet written: written together once the current turn is over (flush). */
	private pendingWrite = 0;
	private head = '';
	private mode: BodyMode = {kind: 'none'};
	/** chunked: bytes left of the chunk being read; -1 while reading a size line; -2 in the trailers. */
	private chunkLeft = -1;
	private line = '';
	private reusable = true;
	private closed = false;
	/** The server said whether it keeps connections (undefined until its first answer). */
	keepsAlive: boolean | undefined;

	constructor(
		readonly socket: net.Socket,
		private readonly owner: ConnectionOwner,
	) {
		if ((socket as LeanSocket)[connectionOf] === null) (socket as LeanSocket)[connectionOf] = this;
		else socket.on('data', (chunk: Buffer) => this.read(chunk));
		socket.on('error', (error: NodeJS.ErrnoException) => this.failAll(error));
		socket.on('end', () => this.ended());
		socket.on('close', () => {
			this.ended();
			this.owner.closed(this);
		});
	}

	/** Requests sent and not yet answered whole. */
	get requests(): number {
		return this.inFlight.length;
	}

	/** Whether every request on it is idempotent (another may be pipelined behind them). */
	get idempotent(): boolean {
		for (const entry of this.inFlight) if (!entry.request.idempotent) return false;
		return true;
	}

	get alive(): boolean {
		return !this.closed && this.reusable && !this.socket.destroyed;
	}

	/** Sends the request (in this turn's one write); returns its cancel. */
	send(request: Http1Request): () => void {
		const entry: InFlight = {request, events: request.events, written: false, responded: false, gotBytes: false, abandoned: false};
		this.inFlight.push(entry);
		this.socket.ref();
		// After every promise of this turn settled (a nextTick queued from a microtask runs once the
		// microtask queue is empty): requests asked together reach here a few promise steps apart.
		if (this.pendingWrite++ === 0) process.nextTick(flushConnection, this);
		return () => this.cancel(entry);
	}

	destroy(): void {
		this.closed = true;
		this.socket.destroy();
	}

	/**
	 * Writes what was sent this turn in one write: the heads as one latin1 string (as node writes
	 * headers), a body (UTF-8) beside its head in the same corked segment.
	 */
	flush(): void {
		this.pendingWrite = 0;
		if (this.closed || this.socket.destroyed) return;
		const entries = this.inFlight.filter((entry) => !entry.written);
		if (entries.length === 0) return;
		for (const entry of entries) entry.written = true;
		if (entries.every((entry) => entry.request.body === undefined)) {
			this.socket.write(entries.length === 1 ? entries[0]!.request.head : entries.map((entry) => entry.request.head).join(''), 'latin1');
			return;
		}
		this.socket.cork();
		for (const {request} of entries) {
			this.socket.write(request.head, 'latin1');
			if (request.body !== undefined) this.socket.write(request.body, 'utf8');
		}
		this.socket.uncork();
	}

	/**
	 * A request's own cancel (its timeout, its caller). Not yet written: it is left out. The one being
	 * answered: the connection is given up (an answer cannot be skipped without reading it) and the
	 * requests behind it go to the owner to be sent again. One behind others: its answer, when its turn
	 * comes, is read and dropped, and the others' answers are not disturbed.
	 */
	private cancel(entry: InFlight): void {
		const at = this.inFlight.indexOf(entry);
		if (at < 0) return;
		if (!entry.written) {
			this.inFlight.splice(at, 1);
			this.pendingWrite = Math.max(0, this.pendingWrite - 1);
			return;
		}
		entry.abandoned = true;
		entry.events = discard;
		if (at === 0) this.destroy();
	}

	/** What the socket read (its 'data', or leanReads' callback). */
	read(chunk: Buffer): void {
		let at = 0;
		while (at < chunk.length && !this.closed) {
			const current = this.inFlight[0];
			if (!current || !current.written) {
				// Nothing was asked: a server that talks out of turn is not one to send the next request to.
				this.destroy();
				return;
			}
			current.gotBytes = true;
			at = current.responded ? this.readBody(current, chunk, at) : this.readHead(current, chunk, at);
			if (at < 0) return;
		}
	}

	/** Returns where the head ended in `chunk`, or -1 when it failed or needs more bytes. */
	private readHead(current: InFlight, chunk: Buffer, from: number): number {
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
		if (close) this.reusable = false;
		this.keepsAlive = !close;
		if (current.request.method === 'HEAD' || code === 204 || code === 304) this.mode = {kind: 'none'};
		else if (chunked) {
			this.mode = {kind: 'chunked'};
			this.chunkLeft = -1;
			this.line = '';
		} else if (length !== undefined) this.mode = length === 0 ? {kind: 'none'} : {kind: 'length', left: length};
		else {
			this.mode = {kind: 'close'};
			this.reusable = false;
		}
		current.responded = true;
		const body = new LeanBody();
		current.body = body;
		current.events.onResponse(code, body);
		if (this.mode.kind === 'none') return this.complete(chunk, consumed);
		return consumed;
	}

	/** Returns where reading stopped in `chunk` (the response may be over), or -1 once it failed. */
	private readBody(current: InFlight, chunk: Buffer, from: number): number {
		const mode = this.mode;
		if (mode.kind === 'close') {
			this.emitData(current, chunk.subarray(from));
			return chunk.length;
		}
		if (mode.kind === 'length') {
			const take = Math.min(mode.left, chunk.length - from);
			mode.left -= take;
			this.emitData(current, from === 0 && take === chunk.length ? chunk : chunk.subarray(from, from + take));
			if (this.closed) return -1;
			if (mode.left === 0) return this.complete(chunk, from + take);
			return from + take;
		}
		// chunked
		let at = from;
		while (at < chunk.length) {
			if (this.chunkLeft > 0) {
				const take = Math.min(this.chunkLeft, chunk.length - at);
				this.emitData(current, chunk.subarray(at, at + take));
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
				return this.complete(chunk, at);
			}
		}
		return at;
	}

	/** The server closed: the end of a body read to the close; any other request under way goes on elsewhere or fails. */
	private ended(): void {
		const current = this.inFlight[0];
		if (current?.responded && this.mode.kind === 'close' && !this.closed) {
			this.reusable = false;
			this.complete(undefined, 0);
			return;
		}
		this.failAll(httpError(current?.gotBytes ? 'aborted' : 'socket hang up', 'ECONNRESET'));
	}

	private emitData(current: InFlight, data: Buffer): void {
		if (data.length > 0) current.body?.emitData(data);
	}

	/**
	 * The first request's answer was read whole; `at`: where the rest of `chunk` begins (the next
	 * answer, when one was asked). Returns `at`, or -1 when the connection is done.
	 */
	private complete(chunk: Buffer | undefined, at: number): number {
		const current = this.inFlight.shift()!;
		this.served++;
		const rest = chunk !== undefined && at < chunk.length;
		// Bytes nobody asked for: not a connection to trust.
		if (rest && this.inFlight.length === 0) this.reusable = false;
		// An abandoned request next in line, with no byte of its answer here: nothing is waited for on its behalf.
		if (!rest && this.inFlight[0]?.abandoned) this.reusable = false;
		let unanswered: Http1Request[] = [];
		if (!this.reusable || this.closed) {
			// Whatever was asked after this answer will not be answered here.
			unanswered = this.takeUnanswered();
			this.destroy();
		} else if (this.inFlight.length === 0) this.socket.unref();
		// Free before the body ends: whoever the end lets go (the next request, releaseIdle) finds it so.
		if (!this.closed) this.owner.freed(this);
		if (unanswered.length > 0) this.owner.unanswered(this, unanswered, httpError('the server closed the connection', 'ECONNRESET'));
		current.body!.emitEnd();
		current.body!.emitClose();
		return this.closed ? -1 : at;
	}

	/** The requests on the connection that no answer began for, but those abandoned: taken off it. */
	private takeUnanswered(): Http1Request[] {
		const taken = this.inFlight.splice(0);
		return taken.filter((entry) => !entry.abandoned).map((entry) => entry.request);
	}

	private parseError(message: string): -1 {
		const error = httpError(`the server's HTTP response could not be read: ${message}`, 'HPE_INVALID_RESPONSE');
		this.failAll(error);
		this.destroy();
		return -1;
	}

	/**
	 * The connection is gone or unusable (the socket ended or erred, a malformed answer): the request
	 * being answered fails; those behind it, which no byte answered, go back to the owner.
	 */
	private failAll(error: NodeJS.ErrnoException): void {
		this.closed = true;
		const current = this.inFlight[0];
		if (!current) return;
		const answering = current.written && (current.responded || current.gotBytes || this.served === 0 || !current.request.idempotent);
		if (answering) this.inFlight.shift();
		const unanswered = this.takeUnanswered();
		this.socket.destroy();
		if (answering) {
			if (current.body) {
				if (!current.abandoned) current.body.emitError(error);
				current.body.emitClose();
			} else current.events.onError(error, this.served > 0 && !current.gotBytes);
		}
		if (unanswered.length > 0) this.owner.unanswered(this, unanswered, error);
	}
}
