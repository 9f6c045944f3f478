// Raw HTTPS requests to a simulated API server, for what typed clients cannot send (garbage bodies,
// Accept headers, streaming).
import type {IncomingMessage} from 'node:http';
import {request} from 'node:https';
import {simulatorTls} from '../../source/sim/tls.js';

export type RawResponse = {status: number; headers: IncomingMessage['headers']; text: string; bytes: Buffer; json(): any};

export function rawRequest(baseUrl: string, method: string, path: string, options: {token?: string; body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number} = {}): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const req = request(`${baseUrl}${path}`, {
			method,
			ca: simulatorTls().caCertificate,
			headers: {
				...(options.token ? {Authorization: `Bearer ${options.token}`} : {}),
				// Node sends DELETE bodies without framing unless told the length.
				...(options.body !== undefined ? {'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(options.body))} : {}),
				...options.headers,
			},
			timeout: options.timeoutMs ?? 10_000,
		}, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => {
				const bytes = Buffer.concat(chunks);
				const text = bytes.toString('utf8');
				resolve({status: res.statusCode ?? 0, headers: res.headers, text, bytes, json: () => JSON.parse(text)});
			});
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error('request timed out')));
		req.on('error', reject);
		if (options.body !== undefined) req.write(options.body);
		req.end();
	});
}

/** A streaming GET: collects lines until `stop()`. */
export function streamLines(baseUrl: string, path: string, token: string, headers: Record<string, string> = {}) {
	const lines: string[] = [];
	let status = 0;
	let ended = false;
	let buffer = '';
	const req = request(`${baseUrl}${path}`, {ca: simulatorTls().caCertificate, headers: {Authorization: `Bearer ${token}`, ...headers}}, (res) => {
		status = res.statusCode ?? 0;
		res.setEncoding('utf8');
		res.on('data', (chunk: string) => {
			buffer += chunk;
			const parts = buffer.split('\n');
			buffer = parts.pop() ?? '';
			lines.push(...parts);
		});
		res.on('end', () => {
			ended = true;
		});
		res.on('error', () => {
			ended = true;
		});
	});
	req.on('error', () => {
		ended = true;
	});
	req.end();
	return {
		lines,
		get status() {
			return status;
		},
		get ended() {
			return ended;
		},
		stop() {
			req.destroy();
		},
	};
}
