// Writing answers and Status errors, in the media type the client accepts.
import type {ServerResponse} from 'node:http';
import {gzipSync} from 'node:zlib';
import yaml from 'js-yaml';
import {H2Response, handlerChunkWriteSize} from './h2-exchange.js';
import {responseFormat} from './negotiate.js';
import {encodeProtobuf, protobufMediaType} from './protobuf.js';
import {toStatus} from './status-error.js';
import {ApiError} from './types.js';

/**
 * Go's net/http buffers what a handler writes in 2 KiB (bufferBeforeChunkingSize) before it must send
 * the header: an answer that fits when the handler returns gets a Content-Length, a larger one goes out
 * chunked. x/net/http2 does the same with its 4 KiB buffer (handlerChunkWriteSize), without
 * Content-Length past it. kube-apiserver sets no Content-Length of its own on what it serializes.
 */
const bufferBeforeChunkingSize = 2 << 10;

/**
 * responsewriters' deferredResponseWriter: an answer over 128 KiB to a client that accepts gzip (the
 * token exactly, as negotiateContentEncoding reads it; Go's transport, so kubectl, asks by itself) is
 * compressed at level 1, with Content-Encoding and Vary (APIResponseCompression, on by default).
 */
const defaultGzipThresholdBytes = 128 * 1024;

function acceptsGzip(res: ServerResponse): boolean {
	const header = res.req?.headers['accept-encoding'];
	if (typeof header !== 'string' || !header) return false;
	for (const token of header.split(',')) if (token.trim() === 'gzip') return true;
	return false;
}

function send(res: ServerResponse, code: number, contentType: string, body: string | Buffer): void {
	if (res.headersSent) {
		if (!res.writableEnded) res.end();
		return;
	}
	// Encoded once, and the socket writes these bytes without encoding again.
	let bytes = typeof body === 'string' ? Buffer.from(body) : body;
	const headers: Record<string, string | number> = {'Content-Type': contentType, 'Cache-Control': 'no-cache, private'};
	if (bytes.length > defaultGzipThresholdBytes && acceptsGzip(res)) {
		bytes = gzipSync(bytes, {level: 1});
		headers['Content-Encoding'] = 'gzip';
		headers.Vary = 'Accept-Encoding';
		// The compressor writes as it goes: the answer is past the buffer whatever its compressed size.
		writeFramed(res, code, headers, bytes, true);
		return;
	}
	writeFramed(res, code, headers, bytes);
}

/** A whole answer, with a Content-Length when it fits Go's response buffer, else chunked (HTTP/1.1) or without one (HTTP/2). */
function writeFramed(res: ServerResponse, code: number, headers: Record<string, string | number>, bytes: Buffer, streamed = false): void {
	if (!streamed && bytes.length <= (res instanceof H2Response ? handlerChunkWriteSize : bufferBeforeChunkingSize)) {
		headers['Content-Length'] = bytes.length;
		res.writeHead(code, headers);
		res.end(bytes);
		return;
	}
	res.writeHead(code, headers);
	// Node's HTTP/1.1 answer is chunked when its header went out without a length (writeHead, then write);
	// H2Response sends a body past the buffer as Go does (its own frame for END_STREAM).
	if (res instanceof H2Response) res.end(bytes);
	else {
		res.write(bytes);
		res.end();
	}
}

/** JSON whatever the client asked (discovery documents, which the simulator serves only as JSON). */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
	send(res, code, 'application/json', JSON.stringify(body));
}

/**
 * Marks responses of endpoints without a protobuf form (custom resources): their errors too are JSON or
 * YAML. A property rather than a WeakSet: one add per request to a WeakSet cost more than the mark is worth.
 */
const withoutProtobuf = Symbol('withoutProtobuf');
type Marked = ServerResponse & {[withoutProtobuf]?: true};

export function answerWithoutProtobuf(res: ServerResponse): void {
	(res as Marked)[withoutProtobuf] = true;
}

/**
 * Whether sendObject would answer JSON for a body of this apiVersion and kind (its format depends on
 * nothing else), so that the caller may send the text itself with sendJsonText; 406 as sendObject.
 */
export function answersJson(res: ServerResponse, body: {apiVersion: string; kind: string}): boolean {
	return responseFormat(res.req?.headers.accept, (res as Marked)[withoutProtobuf] ? undefined : body) === 'json';
}

/** JSON text already serialized, or its UTF-8 bytes (see answersJson). */
export function sendJsonText(res: ServerResponse, code: number, json: string | Buffer): void {
	send(res, code, 'application/json', json);
}

/** An API object (or list, or Status) in the format the request's Accept header prefers; 406 when none fits. */
export function sendObject(res: ServerResponse, code: number, body: unknown): void {
	const format = responseFormat(res.req?.headers.accept, (res as Marked)[withoutProtobuf] ? undefined : body);
	if (format === 'protobuf') send(res, code, protobufMediaType, encodeProtobuf(body as Record<string, unknown>));
	else if (format === 'yaml') send(res, code, 'application/yaml', yaml.dump(body, {noRefs: true}));
	else sendJson(res, code, body);
}

export function sendError(res: ServerResponse, error: unknown): void {
	const status = toStatus(error);
	if (status.code === 500 && !(error instanceof ApiError)) console.error(`sim api: internal error: ${error instanceof Error ? error.stack : String(error)}`);
	// responsewriters.ErrorNegotiated: a Status that says when to retry says it in the header too (client-go waits for it).
	const retryAfter = error instanceof ApiError ? error.details?.retryAfterSeconds : undefined;
	if (retryAfter && !res.headersSent) res.setHeader('Retry-After', String(retryAfter));
	try {
		sendObject(res, status.code, status);
	} catch {
		// A client that accepts nothing we speak still learns why, in JSON (as kube-apiserver does).
		sendJson(res, status.code, status);
	}
}

export function sendText(res: ServerResponse, code: number, text: string): void {
	writeFramed(res, code, {'Content-Type': 'text/plain; charset=utf-8'}, Buffer.from(text));
}
