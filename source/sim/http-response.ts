// Writing JSON answers and Status errors.
import type {ServerResponse} from 'node:http';
import {toStatus} from './status-error.js';
import {ApiError} from './types.js';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
	if (res.headersSent) {
		if (!res.writableEnded) res.end();
		return;
	}
	const text = JSON.stringify(body);
	res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private'});
	res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
	const status = toStatus(error);
	if (status.code === 500 && !(error instanceof ApiError)) console.error(`sim api: internal error: ${error instanceof Error ? error.stack : String(error)}`);
	sendJson(res, status.code, status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
	res.writeHead(code, {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text)});
	res.end(text);
}
