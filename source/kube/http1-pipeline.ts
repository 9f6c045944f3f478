// The one-shot status's HTTP/1.1 requests to one server, on one keep-alive connection at a time,
// pipelined (RFC 9112 §9.3): the GETs a cluster is asked in one turn (its four lists) go out in one
// write and their answers are read in order from the same reads, instead of one write and one wake-up
// per request on each end. What a real client must keep:
// - Only idempotent requests without a body (GET, HEAD) are pipelined, and only behind others of the
//   same kind; any other request waits until the connection is free, and nothing goes behind it until
//   it is answered (RFC 9112 §9.3.2).
// - A server that closes with requests unanswered (Connection: close, HTTP/1.0, EOF, reset) processed
//   none of them: they are sent again on a new connection, not failed (at most `maxResends` times each).
//   A server that does not keep connections gets one request at a time from then on.
// - Every request keeps its own timeout and cancel (the connection's cancel says what that does), and
//   an error answer is an answer like any other: the ones behind it are read as usual.
// kube-apiserver (Go's net/http server) serves pipelined requests one after the other: it reads the
// next request, buffered already, once the last answer is written. Through a proxy the connection is a
// CONNECT or SOCKS tunnel (proxy.ts): the proxy relays bytes and never sees the requests, so pipelining
// through it is pipelining to the API server.

import type net from 'node:net';
import {Cut} from './cut.js';
import {Http1Connection, requestHead, type ConnectionOwner, type Http1Events, type Http1Request, type ResponseBody} from './http1-connection.js';
import type {OutgoingRequest} from './transport.js';

/** Requests on one connection at once: a cluster's status asks at most five things at a time. */
const maxDepth = 8;
/** How often a request is sent again after connections closed without answering it. */
const maxResends = 3;

export type PipelineOptions = {
	/** The Host header. */
	host: string;
	/** A connected socket (`lean`: made with leanReads), or why there is none; `cut` stops the attempt. */
	dial(cut: Cut): Promise<net.Socket>;
	/** Counts open connections (diagnostics). */
	opened(): void;
	closed(): void;
};

function transportClosed(): NodeJS.ErrnoException {
	return Object.assign(new Error('the connection is closed'), {code: 'ERR_TRANSPORT_CLOSED'});
}

/** A request in the pipeline: queued, on a connection, or handed back to be sent again. */
class Queued implements Http1Request, Http1Events {
	resends = 0;
	/** Answered or failed (or cancelled): a late hand-back does not send it again. */
	done = false;
	/** Its cancel on the connection it was sent on. */
	cancel?: () => void;

	constructor(
		readonly head: string,
		readonly body: string | undefined,
		readonly method: string,
		readonly idempotent: boolean,
		private readonly caller: Http1Events,
	) {}

	get events(): Http1Events {
		return this;
	}

	onResponse(status: number, body: ResponseBody): void {
		this.done = true;
		this.caller.onResponse(status, body);
	}

	onError(error: NodeJS.ErrnoException, stale: boolean): void {
		this.done = true;
		this.caller.onError(error, stale);
	}

	sent(): void {
		if (this.resends === 0) this.caller.onSent?.();
	}
}

export class Http1Pipeline implements ConnectionOwner {
	private connection?: Http1Connection;
	private dialing?: Cut;
	private readonly queue: Queued[] = [];
	/** The server kept its connections so far (an answer with Connection: close turns pipelining off). */
	private pipelining = true;
	private shut = false;
	/** releaseIdle(): close the connection once nothing is asked of it. */
	private releasing = false;
	private pumpLater = false;

	constructor(private readonly options: PipelineOptions) {}

	send(request: OutgoingRequest, events: Http1Events): () => void {
		const head = requestHead(request, this.options.host);
		if (typeof head !== 'string') {
			queueMicrotask(() => events.onError(head, false));
			return () => {};
		}
		const idempotent = request.body === undefined && (request.method === 'GET' || request.method === 'HEAD');
		const entry = new Queued(head, request.body, request.method, idempotent, events);
		this.releasing = false;
		this.queue.push(entry);
		this.pump();
		return () => this.cancel(entry);
	}

	/** Ends the connection (its requests fail as a closed connection's do) and fails those still queued. */
	close(): void {
		this.shut = true;
		this.dialing?.stop();
		this.connection?.destroy();
		for (const entry of this.queue.splice(0)) entry.onError(transportClosed(), false);
	}

	/** Closes the connection as soon as nothing is asked of it (now, when nothing is). */
	releaseIdle(): void {
		this.releasing = true;
		this.releaseIfIdle();
	}

	/** Whether any request is queued or under way. */
	get busy(): boolean {
		return this.queue.length > 0 || (this.connection?.requests ?? 0) > 0;
	}

	// --- ConnectionOwner ---

	freed(connection: Http1Connection): void {
		if (connection.keepsAlive === false) this.pipelining = false;
		this.pump();
		this.releaseIfIdle();
	}

	unanswered(_connection: Http1Connection, requests: Http1Request[], error: NodeJS.ErrnoException): void {
		// A server that closed with requests unanswered gets one at a time from now on: were it to close
		// after every answer, a pipeline would send the last of five requests four times.
		this.pipelining = false;
		const again: Queued[] = [];
		for (const request of requests as Queued[]) {
			if (request.done) continue;
			request.cancel = undefined;
			if (this.shut) request.onError(transportClosed(), false);
			else if (++request.resends > maxResends) request.onError(error, false);
			else again.push(request);
		}
		this.queue.unshift(...again);
		// On a later turn: requests whose timers fire together (a server that stopped answering) are
		// cancelled first, rather than each opening a connection for the next to give up.
		if (again.length > 0 && !this.pumpLater) {
			this.pumpLater = true;
			setImmediate(() => {
				this.pumpLater = false;
				this.pump();
			});
		}
	}

	closed(connection: Http1Connection): void {
		this.options.closed();
		if (connection.keepsAlive === false) this.pipelining = false;
		if (this.connection !== connection) return;
		this.connection = undefined;
		if (!this.pumpLater) this.pump();
	}

	// --- sending ---

	private cancel(entry: Queued): void {
		entry.done = true;
		const at = this.queue.indexOf(entry);
		if (at >= 0) {
			this.queue.splice(at, 1);
			// Nobody waits for the connection being made any more.
			if (this.queue.length === 0 && !this.connection) this.dialing?.stop();
			return;
		}
		entry.cancel?.();
	}

	/** Writes what the connection may carry now, or opens one. */
	private pump(): void {
		if (this.shut) return;
		while (this.queue.length > 0) {
			const connection = this.connection?.alive ? this.connection : undefined;
			if (!connection) {
				this.connect();
				return;
			}
			const next = this.queue[0]!;
			const depth = connection.requests;
			if (depth > 0 && !(this.pipelining && next.idempotent && depth < maxDepth && connection.idempotent)) return;
			this.queue.shift();
			next.cancel = connection.send(next);
			next.sent();
		}
	}

	private connect(): void {
		if (this.dialing) return;
		const cut = new Cut();
		this.dialing = cut;
		this.options.dial(cut).then(
			(socket) => {
				this.dialing = undefined;
				if (this.shut || cut.stopped) {
					socket.destroy();
					return;
				}
				this.options.opened();
				this.connection = new Http1Connection(socket, this);
				this.pump();
			},
			(error: NodeJS.ErrnoException) => {
				this.dialing = undefined;
				if (cut.stopped) return;
				// Every request waiting for this connection fails with the reason there is none.
				for (const entry of this.queue.splice(0)) entry.onError(error, false);
			},
		);
	}

	private releaseIfIdle(): void {
		if (!this.releasing || this.busy || !this.connection) return;
		this.connection.destroy();
		this.connection = undefined;
	}
}
