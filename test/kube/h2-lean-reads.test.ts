// A watch's HTTP/2 response read through one shared buffer instead of its Readable side
// (h2-lean-reads.ts): every byte still arrives, in order, the stream still ends, and flow control
// still lets a body larger than the stream's window through.
import http2 from 'node:http2';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {leanH2Reads} from '../../source/kube/h2-lean-reads.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});

type Serve = (stream: http2.ServerHttp2Stream) => void;

async function session(serve: Serve, settings: http2.Settings = {}): Promise<http2.ClientHttp2Session> {
	const server = http2.createServer();
	server.on('stream', serve);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {settings});
	cleanups.push(() => {
		client.destroy();
		server.close();
	});
	return client;
}

type Read = {text: string; chunks: number; lean: boolean; ended: boolean; closed: boolean};

/** One GET read as the exchange reads a watch: lean reads switched on at 'response', then a 'data' listener. */
function read(client: http2.ClientHttp2Session): Promise<Read> {
	return new Promise((resolve, reject) => {
		const result: Read = {text: '', chunks: 0, lean: false, ended: false, closed: false};
		const stream = client.request({':path': '/'});
		stream.on('error', reject);
		stream.on('response', () => {
			result.lean = leanH2Reads(stream);
			// A chunk is only valid during its event: read it at once, as the exchange does.
			stream.on('data', (chunk: Buffer) => {
				result.chunks++;
				result.text += chunk.toString('latin1');
			});
			stream.on('end', () => (result.ended = true));
		});
		stream.on('close', () => {
			result.closed = true;
			resolve(result);
		});
	});
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('lean reads of an HTTP/2 watch response', () => {
	it('hands on every line in order, one event per chunk, and ends the stream', async () => {
		const lines = Array.from({length: 50}, (_, i) => `{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"${i}"}}}\n`);
		const client = await session(async (stream) => {
			stream.respond({':status': 200});
			await tick();
			for (const line of lines) {
				stream.write(line);
				await tick();
			}
			stream.end();
		});
		const result = await read(client);
		expect(result.lean).toBe(true);
		expect(result.text).toBe(lines.join(''));
		expect(result.ended).toBe(true);
		expect(result.chunks).toBeGreaterThan(1);
	});

	it('lets a body far larger than the stream window through (the bytes are still counted as consumed)', async () => {
		const body = Buffer.alloc(1024 * 1024);
		for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
		const client = await session(async (stream) => {
			stream.respond({':status': 200});
			await tick();
			stream.end(body);
		}, {initialWindowSize: 65_535});
		const result = await read(client);
		expect(result.lean).toBe(true);
		expect(result.text.length).toBe(body.length);
		expect(result.text).toBe(body.toString('latin1'));
		expect(result.ended).toBe(true);
	});

	it('keeps bytes that came with the headers, in order, ahead of the rest', async () => {
		const client = await session(async (stream) => {
			stream.respond({':status': 200});
			stream.write('first\n');
			await tick();
			stream.end('second\n');
		});
		const result = await read(client);
		expect(result.text).toBe('first\nsecond\n');
		expect(result.ended).toBe(true);
	});

	it('still ends a response whose headers ended it', async () => {
		const client = await session((stream) => stream.respond({':status': 200}, {endStream: true}));
		const result = await read(client);
		expect(result.text).toBe('');
		expect(result.ended).toBe(true);
		expect(result.closed).toBe(true);
	});
});
