// Writing answers and Status errors, in the media type the client accepts.
import type {ServerResponse} from 'node:http';
import yaml from 'js-yaml';
import {responseFormat} from './negotiate.js';
import {encodeProtobuf, protobufMediaType} from './protobuf.js';
import {toStatus} from './status-error.js';
import {ApiError} from './types.js';

function send(res: ServerResponse, code: number, contentType: string, body: string | Buffer): void {
	if (res.headersSent) {
		if (!res.writableEnded) res.end();
		return;
	}
	// Encoded once: Content-Length is its length, and the socket writes these bytes without encoding again.
	const bytes = typeof body === 'string' ? Buffer.from(body) : body;
	res.writeHead(code, {'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-cache, private'});
	res.end(bytes);
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
	res.writeHead(code, {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text)});
	res.end(text);
}
