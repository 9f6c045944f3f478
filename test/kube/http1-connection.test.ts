// The one-shot status's own HTTP/1.1 connections (kube/http1-connection.ts, transport `http2: false`)
// against a server that writes its answers byte by byte: bodies arrive whole however they are cut,
// a connection is reused only when the answer says it can be, and a broken or cut-off answer is an
// error that says so, never a short body.
import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {createTransport, type Transport} from '../../source/kube/transport.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Answer = (request: string, socket: net.Socket, index: number) => void;

/** A server that hands each request's head (and the connection's request count) to `answer`. */
async function server(answer: Answer): Promise<{url: URL; connections: number; requests: string[]}> {
	const seen = {connections: 0, requests: [] as string[]};
	const srv = net.createServer((socket) => {
		seen.connections++;
		let buffered = '';
		let index = 0;
		socket.on('data', (chunk) => {
			buffered += chunk.toString('latin1');
			for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
				const head = buffered.slice(0, end);
				const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
				const request = buffered.slice(0, end + 4 + length);
				buffered = buffered.slice(end + 4 + length);
				seen.requests.push(request);
				answer(request, socket, index++);
			}
		});
		socket.on('error', () => {});
	});
	await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
	const {port} = srv.address() as net.AddressInfo;
	return {url: new URL(`http://127.0.0.1:${port}`), get connections() {
		return seen.connections;
	}, requests: seen.requests};
}

/** Writes `text` one byte per write, each a moment apart, so every boundary falls in a different read. */
function dribble(socket: net.Socket, text: string, then?: () => void): void {
	const bytes = Buffer.from(text, 'latin1');
	let at = 0;
	const next = () => {
		if (socket.destroyed) return;
		if (at === bytes.length) return then?.();
		socket.write(bytes.subarray(at, ++at));
		setTimeout(next, 0);
	};
	next();
}

type Result = {status?: number; body: string; error?: NodeJS.ErrnoException; stale?: boolean; bodyError?: NodeJS.ErrnoException};

function get(transport: Transport, path = '/api', headers: Record<string, string> = {}, method = 'GET'): Promise<Result> {
	return new Promise((resolve) => {
		const result: Result = {body: ''};
		const chunks: Buffer[] = [];
		transport.send({method, path, headers}, {
			onResponse(status, body) {
				result.status = status;
				// A chunk is only valid during its event (ResponseBody): the connection's read buffer is used again.
				body.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
				body.on('error', (error: NodeJS.ErrnoException) => (result.bodyError = error));
				body.on('close', () => {
					result.body = Buffer.concat(chunks).toString('utf8');
					resolve(result);
				});
			},
			onError(error, stale) {
				result.error = error;
				result.stale = stale;
				resolve(result);
			},
		});
	});
}

function http1(url: URL): Transport {
	const transport = createTransport({url, http2: false});
	cleanups.push(() => transport.close());
	return transport;
}

const json = '{"kind":"List","items":[{"name":"é"}]}';

describe('the one-shot status HTTP/1.1 connection', () => {
	it('reads chunked bodies (extensions, trailers) and Content-Length bodies cut at every byte, and carries the next request on the same connection', async () => {
		const s = await server((_request, socket, index) => {
			const body = Buffer.from(json, 'utf8');
			if (index === 0) {
				const a = body.subarray(0, 10);
				const b = body.subarray(10);
				dribble(socket, `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${a.length.toString(16)};ext=1\r\n${a.toString('latin1')}\r\n${b.length.toString(16)}\r\n${b.toString('latin1')}\r\n0\r\nX-Trailer: y\r\n\r\n`);
			} else if (index === 1) dribble(socket, `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body.toString('latin1')}`);
			else dribble(socket, 'HTTP/1.1 204 No Content\r\n\r\n');
		});
		const transport = http1(s.url);
		expect(await get(transport)).toEqual({status: 200, body: json});
		expect(await get(transport)).toEqual({status: 200, body: json});
		expect(await get(transport)).toEqual({status: 204, body: ''});
		expect(s.connections).toBe(1);
		expect(s.requests[0]).toMatch(new RegExp(`^GET /api HTTP/1\\.1\\r\\nHost: 127\\.0\\.0\\.1:${s.url.port}\\r\\n`));
	});

	it('connections reading at the same time each get their own bodies whole (their reads share one buffer)', async () => {
		// Each server answers with its own letter, one byte per read, so the reads of the connections interleave.
		const servers = await Promise.all(['a', 'b', 'c'].map((letter) => server((_request, socket) => {
			const body = `{"kind":"${letter.repeat(300)}"}`;
			dribble(socket, `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
		})));
		const results = await Promise.all(servers.map((s) => get(http1(s.url))));
		expect(results).toEqual(['a', 'b', 'c'].map((letter) => ({status: 200, body: `{"kind":"${letter.repeat(300)}"}`})));
	});

	it('sends the body of a write with its length, and an empty POST with Content-Length: 0', async () => {
		const s = await server((_request, socket) => socket.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'));
		const transport = http1(s.url);
		const body = '{"name":"ü"}';
		await new Promise<void>((resolve) => transport.send({method: 'PUT', path: '/x', headers: {'Content-Length': String(Buffer.byteLength(body))}, body}, {onResponse: (_s, b) => b.on('close', resolve), onError: () => resolve()}));
		expect(await get(transport, '/y', {}, 'POST')).toEqual({status: 201, body: '{}'});
		expect(Buffer.from(s.requests[0]!, 'latin1').toString('utf8').endsWith(`\r\n\r\n${body}`)).toBe(true);
		expect(s.requests[1]).toContain('Content-Length: 0\r\n');
	});

	it('opens a new connection after an answer that says Connection: close, and reads a body that ends with the connection', async () => {
		let answered = 0;
		const s = await server((_request, socket) => {
			if (answered++ === 0) socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}');
			else socket.end('HTTP/1.1 200 OK\r\n\r\n{"to":"the end"}');
		});
		const transport = http1(s.url);
		expect(await get(transport)).toEqual({status: 200, body: '{}'});
		expect(await get(transport)).toEqual({status: 200, body: '{"to":"the end"}'});
		expect(s.connections).toBe(2);
	});

	it('a kept connection the server closed while idle fails the next request as stale (never processed: the client may send it again)', async () => {
		const s = await server((_request, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
		const transport = http1(s.url);
		expect(await get(transport)).toEqual({status: 200, body: '{}'});
		const second = await get(transport);
		// Either the close was seen first (a new connection answers) or the request went out on the dying socket.
		if (second.error) expect(second).toMatchObject({stale: true, error: {code: 'ECONNRESET'}});
		else expect(second).toEqual({status: 200, body: '{}'});
	});

	it('a body cut off is an error, not a short body; a malformed answer is refused', async () => {
		const cut = await server((_request, socket) => dribble(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"items":[', () => socket.destroy()));
		const result = await get(http1(cut.url));
		expect(result.status).toBe(200);
		expect(result.bodyError).toMatchObject({code: 'ECONNRESET', message: 'aborted'});

		const answers = [
			'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
			'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
			'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
			'HTTP/1.1 20 OK\r\n\r\n',
		];
		for (const answer of answers) {
			const bad = await server((_request, socket) => socket.write(answer));
			const r = await get(http1(bad.url));
			const error = r.error ?? r.bodyError;
			expect(error?.code).toBe('HPE_INVALID_RESPONSE');
			expect(error?.message).toMatch(/^the server's HTTP response could not be read: /);
		}
	});

	it('refuses a header value with a line break (a second header smuggled in a token) and sends nothing', async () => {
		const s = await server((_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
		const transport = http1(s.url);
		const r = await get(transport, '/api', {Authorization: 'Bearer abc\r\nX-Evil: 1'});
		expect(r.error?.code).toBe('ERR_INVALID_CHAR');
		expect(await get(transport)).toEqual({status: 200, body: '{}'});
		expect(s.requests.join('')).not.toContain('X-Evil');
	});
});
