// The one-shot status's HTTP/1.1 pipelining (kube/http1-pipeline.ts): the GETs a caller asks in one
// turn reach the server in one write on one connection, and each gets its own answer, read in order
// from the same reads; a server that closes with requests unanswered has them sent again elsewhere, an
// error answer or a cancelled request leaves the others alone, and each request keeps its own timeout.
import fs from 'node:fs';
import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {createTransport, type Transport} from '../../source/kube/transport.js';
import {kubeconfigFor, writeKubeconfig} from './fake-api.js';
import {simTestBed} from './sim-test-bed.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const bed = simTestBed('pipeline', {requestTimeoutMs: 5000});

/** What one connection of the server saw: each read's requests (paths), in order. */
type Seen = {reads: string[][]};
type Answer = (path: string, socket: net.Socket, connection: number, index: number) => void;

/**
 * A server that hands each request to `answer` as it parses it, and records each connection's reads.
 * Like Go's net/http it answers in order: `answer` writes the whole answer, or arranges for it.
 */
async function server(answer: Answer): Promise<{url: URL; connections: Seen[]}> {
	const connections: Seen[] = [];
	const srv = net.createServer((socket) => {
		const seen: Seen = {reads: []};
		const connection = connections.push(seen) - 1;
		let buffered = '';
		let index = 0;
		socket.on('data', (chunk) => {
			buffered += chunk.toString('latin1');
			const read: string[] = [];
			seen.reads.push(read);
			for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
				const head = buffered.slice(0, end);
				buffered = buffered.slice(end + 4);
				const path = head.split(' ')[1]!;
				read.push(path);
				answer(path, socket, connection, index++);
			}
		});
		socket.on('error', () => {});
	});
	await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
	const {port} = srv.address() as net.AddressInfo;
	return {url: new URL(`http://127.0.0.1:${port}`), connections};
}

function ok(body: string, extra = ''): string {
	return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

type Result = {status?: number; body: string; error?: string};

/** Sends a GET; `cancel` receives its cancel. */
function get(transport: Transport, path: string, cancel?: (cut: () => void) => void): Promise<Result> {
	return new Promise((resolve) => {
		const result: Result = {body: ''};
		const chunks: Buffer[] = [];
		const cut = transport.send({method: 'GET', path, headers: {}}, {
			onResponse(status, body) {
				result.status = status;
				body.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
				body.on('error', (error: NodeJS.ErrnoException) => (result.error = error.code));
				body.on('close', () => {
					result.body = Buffer.concat(chunks).toString('utf8');
					resolve(result);
				});
			},
			onError(error) {
				result.error = error.code;
				resolve(result);
			},
		});
		cancel?.(cut);
	});
}

function http1(url: URL): Transport {
	const transport = createTransport({url, http2: false});
	cleanups.push(() => transport.close());
	return transport;
}

const paths = ['/a', '/b', '/c', '/d'];

describe('HTTP/1.1 pipelining on the one-shot status connection', () => {
	it('writes the GETs of one turn together on one connection and gives each its own answer, however the answers are cut', async () => {
		// All four answers in one write, then cut at every byte: each boundary falls inside a read.
		for (const dribble of [false, true]) {
			let answers = '';
			const s = await server((path, socket, _connection, index) => {
				answers += ok(`{"path":"${path}","pad":"${'x'.repeat(index * 7)}"}`);
				if (index < 3) return;
				if (!dribble) return void socket.write(answers);
				const bytes = Buffer.from(answers, 'latin1');
				let at = 0;
				const next = () => {
					if (socket.destroyed || at === bytes.length) return;
					socket.write(bytes.subarray(at, ++at));
					setTimeout(next, 0);
				};
				next();
			});
			const transport = http1(s.url);
			const results = await Promise.all(paths.map((path) => get(transport, path)));
			expect(results).toEqual(paths.map((path, index) => ({status: 200, body: `{"path":"${path}","pad":"${'x'.repeat(index * 7)}"}`})));
			// One connection, and the four requests in its first read: they were written before any answer.
			expect(s.connections.map((c) => c.reads)).toEqual([[paths]]);
		}
	});

	it('an error answer is that request\'s alone: the ones before and after it on the connection are read as usual', async () => {
		const s = await server((path, socket) => {
			if (path === '/b') socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n\r\nbroken!');
			else if (path === '/c') socket.write('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n');
			else socket.write(ok(`"${path}"`));
		});
		const transport = http1(s.url);
		const results = await Promise.all(paths.map((path) => get(transport, path)));
		expect(results).toEqual([{status: 200, body: '"/a"'}, {status: 500, body: 'broken!'}, {status: 404, body: 'nope'}, {status: 200, body: '"/d"'}]);
		expect(s.connections.map((c) => c.reads)).toEqual([[paths]]);
	});

	it('requests a server left unanswered when it closed go again on a new connection, one at a time from then on, none failed', async () => {
		// Connection: close after the first answer; then EOF without a word after each answer.
		const s = await server((path, socket, connection, index) => {
			if (index > 0) return;
			if (connection === 0) socket.end(ok(`"${path}"`, 'Connection: close\r\n'));
			else socket.end(ok(`"${path}"`));
		});
		const transport = http1(s.url);
		const results = await Promise.all(paths.map((path) => get(transport, path)));
		expect(results).toEqual(paths.map((path) => ({status: 200, body: `"${path}"`})));
		// The first connection got all four (pipelined); from then on one request at a time, each answered on
		// a connection of its own (the next may already have gone out on a connection closing unannounced:
		// that one is sent again too).
		expect(s.connections[0]!.reads).toEqual([paths]);
		expect(s.connections.slice(1).map((c) => c.reads[0])).toEqual([['/b'], ['/c'], ['/d']]);
		for (const c of s.connections.slice(1)) for (const read of c.reads) expect(read).toHaveLength(1);
	});

	it('a request cancelled behind another loses its answer alone; one cancelled while being answered moves the rest to a new connection', async () => {
		const held: Array<() => void> = [];
		const s = await server((path, socket, connection) => {
			const answer = () => socket.write(ok(`"${path}"`));
			// The first connection answers only when told; the second at once.
			if (connection === 0) held.push(answer);
			else answer();
		});
		const transport = http1(s.url);
		const cuts: Array<() => void> = [];
		const pending = paths.map((path) => get(transport, path, (cut) => cuts.push(cut)));
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(held).toHaveLength(4);
		// /b, behind /a, is cancelled: /a's and /c's answers still come on this connection, /b's is dropped.
		cuts[1]!();
		held[0]!();
		held[1]!();
		held[2]!();
		expect(await pending[0]).toEqual({status: 200, body: '"/a"'});
		expect(await pending[2]).toEqual({status: 200, body: '"/c"'});
		// /d is being answered now (nothing comes): cancelling it would leave nothing; cancel a new /e behind
		// it instead, then /d itself: /e's cancel is its own, and /d's gives the connection up.
		expect(s.connections).toHaveLength(1);
		const late = get(transport, '/e');
		const lateF = get(transport, '/f');
		await new Promise((resolve) => setTimeout(resolve, 50));
		cuts[3]!();
		// /e and /f, sent behind /d, were never answered: they go again on a new connection and are answered there.
		expect(await late).toEqual({status: 200, body: '"/e"'});
		expect(await lateF).toEqual({status: 200, body: '"/f"'});
		expect(s.connections.map((c) => c.reads.flat())).toEqual([[...paths, '/e', '/f'], ['/e', '/f']]);
		// The cancelled ones never settle through the transport: their callers did that.
		expect(await Promise.race([pending[1], pending[3], new Promise((resolve) => setTimeout(() => resolve('unsettled'), 50))])).toBe('unsettled');
	});

	it('each request keeps its own timeout: one that times out while the server holds it does not take the others with it', async () => {
		const s = await server((path, socket, connection) => {
			// The first connection is stuck on /slow, its first request: as Go's server, it answers nothing
			// after it either. Later connections answer at once.
			if (connection === 0) return;
			socket.write(ok(`{"path":"${path}"}`));
		});
		const {file} = writeKubeconfig(kubeconfigFor([{name: 'c', server: s.url.href.replace(/\/$/, '')}]));
		cleanups.push(() => fs.rmSync(file, {force: true}));
		const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000, http2: false}).get('c')!;
		cleanups.push(() => client.close());
		const started = Date.now();
		const slow = client.request({path: '/slow', timeoutMs: 300}).then(() => 'answered', (error: unknown) => error);
		const others = ['/x', '/y', '/z'].map((path) => client.request<{path: string}>({path}));
		const error = await slow;
		expect(error).toBeInstanceOf(KubeError);
		expect((error as KubeError).kind).toBe('timeout');
		// Held behind /slow, the others were sent again once it gave the connection up, and answered.
		expect(await Promise.all(others)).toEqual([{path: '/x'}, {path: '/y'}, {path: '/z'}]);
		expect(Date.now() - started).toBeLessThan(3000);
		expect(s.connections[0]!.reads.flat()).toEqual(['/slow', '/x', '/y', '/z']);
		expect(s.connections[1]!.reads.flat()).toEqual(['/x', '/y', '/z']);
	});

	it('the simulator (node\'s HTTP/1.1 server, as Go\'s) answers a TLS connection\'s pipelined requests in order, a refusal among them', async () => {
		const cluster = await bed.cluster({http2: false});
		const client = bed.clientFor(cluster.server.url, cluster.tokens.adminToken, {http2: false});
		const asked = ['/api/v1/namespaces', '/apis/nothing.example.com/v1/things', '/api/v1/namespaces/default', '/version'];
		const answers = await Promise.all(asked.map((path) => client.request<{kind?: string; metadata?: {name?: string}; gitVersion?: string}>({path}).then(
			(body) => body.kind ?? body.gitVersion,
			(error: KubeError) => error.kind,
		)));
		expect(answers).toEqual(['NamespaceList', 'not-found', 'Namespace', expect.stringMatching(/^v1\./)]);
		expect(cluster.server.connections.accepted).toBe(1);
		expect(cluster.server.received.slice(-4).map((r) => r.path)).toEqual(asked);
	});
});

