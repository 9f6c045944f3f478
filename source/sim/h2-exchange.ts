// One HTTP/2 request and its answer on Node's core stream API, shaped as the IncomingMessage and
// ServerResponse members the handlers use (headers, rawHeaders, method, url, the body as a stream;
// writeHead/setHeader/flushHeaders/write/end/destroy, headersSent, writableEnded, destroyed, 'close').
//
// Why not Node's compatibility API (http2 'request'): its end(body) writes the body, then ends the
// stream once the write has completed, so every answer took an extra empty DATA frame to carry
// END_STREAM, and it builds request/response objects with listeners of their own on every stream.
// kube-apiserver runs Go's x/net/http2 server, whose handler output goes through a 4 KiB buffer
// (handlerChunkWriteSize): an answer that fits is written when the handler returns, as one DATA
// frame with END_STREAM (HEADERS with END_STREAM when there is no body, and for HEAD); a larger one
// bypasses the buffer while the handler runs (DATA frames without END_STREAM), and the handler's
// return then sends an empty DATA frame with END_STREAM. Streamed answers (watches, log follows) are
// flushed piece by piece and end with that empty frame too. This file sends the same frames.
import type {IncomingHttpHeaders, OutgoingHttpHeaders} from 'node:http';
import type {ServerHttp2Stream} from 'node:http2';

/** Go's x/net/http2 handlerChunkWriteSize: the response buffer between a handler and the connection. */
export const handlerChunkWriteSize = 4 << 10;

/** The request side: the stream itself is the body ('data', 'end', 'error'). */
export class H2Request {
	readonly method: string;
	readonly url: string;

	constructor(private readonly stream: ServerHttp2Stream, readonly headers: IncomingHttpHeaders, readonly rawHeaders: string[]) {
		this.method = headers[':method'] as string;
		this.url = headers[':path'] as string;
	}

	on(event: string, listener: (...args: any[]) => void): this {
		this.stream.on(event, listener);
		return this;
	}
}

type Body = string | Buffer;

/** Whether a body fits Go's response buffer; UTF-8 takes 1 to 3 bytes a UTF-16 unit, so most strings need no count. */
function fitsBuffer(body: Body): boolean {
	if (typeof body !== 'string') return body.length <= handlerChunkWriteSize;
	if (body.length > handlerChunkWriteSize) return false;
	return body.length * 3 <= handlerChunkWriteSize || Buffer.byteLength(body) <= handlerChunkWriteSize;
}

/** Statuses that carry no body: Node's respond() ends the stream on the HEADERS frame for them. */
function bodyless(status: number): boolean {
	return status === 204 || status === 205 || status === 304;
}

export class H2Response {
	private status = 200;
	private headers: OutgoingHttpHeaders | undefined;
	private responded = false;
	headersSent = false;
	writableEnded = false;

	constructor(private readonly stream: ServerHttp2Stream, readonly req: H2Request) {}

	get destroyed(): boolean {
		return this.stream.destroyed;
	}

	setHeader(name: string, value: string | number | readonly string[]): this {
		// As http.ServerResponse: headers are fixed once written (writeHead may have taken the caller's object).
		if (this.headersSent) throw new Error(`cannot set header ${name}: headers already written`);
		(this.headers ??= {})[name.toLowerCase()] = value as string | number | string[];
		return this;
	}

	/** Headers go out with the first write, flushHeaders() or end(): only then is it known whether HEADERS ends the stream. */
	writeHead(status: number, headers?: Record<string, string | number>): this {
		this.status = status;
		// The caller's object is fresh and Node's respond() lowercases names itself: taken as it is unless
		// setHeader came first (the two must not name one header twice in different cases).
		if (headers && this.headers === undefined) this.headers = headers;
		else if (headers) for (const name in headers) this.setHeader(name, headers[name]!);
		this.headersSent = true;
		return this;
	}

	flushHeaders(): void {
		this.respond(false);
	}

	write(chunk: Body): boolean {
		if (this.writableEnded || this.stream.destroyed || this.stream.closed) return false;
		this.respond(false);
		if (this.req.method === 'HEAD' || bodyless(this.status)) return true;
		return this.stream.write(chunk);
	}

	end(body?: Body): this {
		if (this.writableEnded) return this;
		this.writableEnded = true;
		if (this.stream.destroyed || this.stream.closed) return this;
		const empty = body === undefined || body.length === 0;
		if (!this.responded && (empty || this.req.method === 'HEAD' || bodyless(this.status))) {
			this.respond(true);
			return this;
		}
		this.respond(false);
		if (empty) this.stream.end();
		else if (fitsBuffer(body!)) this.stream.end(body);
		// Written past the buffer while the handler runs; its return ends the stream on a frame of its own.
		else this.stream.write(body!, () => this.stream.end());
		return this;
	}

	destroy(error?: Error): void {
		this.stream.destroy(error);
	}

	on(event: string, listener: (...args: any[]) => void): this {
		this.stream.on(event, listener);
		return this;
	}

	private respond(endStream: boolean): void {
		if (this.responded) return;
		this.responded = true;
		this.headersSent = true;
		const headers = this.headers ?? {};
		headers[':status'] = this.status;
		this.stream.respond(headers, {endStream});
	}
}
