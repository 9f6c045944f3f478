// Connections the simulated API server closes as kube-apiserver's Go servers do (IdleTimeout): one that
// waits too long for its next request, over HTTP/1.1 (closed without warning, no Keep-Alive hint) and
// HTTP/2 (GOAWAY), while a quiet watch keeps its connection whatever the wait.
import http2 from 'node:http2';
import {connect as tlsConnect, type TLSSocket} from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {simulatorTls} from '../../source/sim/tls.js';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

const idleTimeoutMs = 1000;
let cluster: SingleCluster;

beforeAll(async () => {
	cluster = await startSingleCluster('idle', {idleTimeoutMs});
});

afterAll(async () => {
	await cluster?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds (a busy machine may be slow to answer); false after 10 s. */
async function until(done: () => boolean): Promise<boolean> {
	for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) if (done()) return true;
	return done();
}

/** A raw HTTP/1.1 keep-alive connection: what was read so far, and whether the server closed it. */
async function rawHttp1(): Promise<{socket: TLSSocket; text: () => string; closed: () => boolean; get(path: string): void}> {
	const {port} = new URL(cluster.server.url);
	const socket = tlsConnect({host: '127.0.0.1', port: Number(port), ca: simulatorTls().caCertificate, ALPNProtocols: ['http/1.1'], servername: 'localhost'});
	await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
	let text = '';
	let closed = false;
	socket.setEncoding('latin1');
	socket.on('data', (chunk: string) => (text += chunk));
	socket.on('close', () => (closed = true));
	socket.on('error', () => {});
	return {
		socket,
		text: () => text,
		closed: () => closed,
		get: (path) => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${cluster.tokens.adminToken}\r\n\r\n`),
	};
}

describe('idle connections, as kube-apiserver closes them', () => {
	it('closes an HTTP/1.1 connection that waits longer than the idle timeout for its next request, and never hints it', async () => {
		const c = await rawHttp1();
		try {
			const answers = () => c.text().match(/HTTP\/1\.1 200 OK/g)?.length ?? 0;
			c.get('/version');
			expect(await until(() => answers() === 1)).toBe(true);
			expect(c.text()).not.toMatch(/\r\nKeep-Alive:/i);
			// A request within the timeout keeps the connection and starts its clock again.
			await sleep(idleTimeoutMs / 2);
			c.get('/version');
			expect(await until(() => answers() === 2)).toBe(true);
			const answeredAt = Date.now();
			expect(c.closed()).toBe(false);
			expect(await until(c.closed)).toBe(true);
			expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(idleTimeoutMs - 100);
		} finally {
			c.socket.destroy();
		}
	});

	it('keeps an HTTP/1.1 watch open past the idle timeout while it sends nothing', async () => {
		const c = await rawHttp1();
		try {
			c.get('/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0');
			expect(await until(() => /^HTTP\/1\.1 200 OK\r\n/.test(c.text()))).toBe(true);
			await sleep(idleTimeoutMs * 2);
			expect(c.closed()).toBe(false);
		} finally {
			c.socket.destroy();
		}
	});

	it('sends an HTTP/2 connection without streams a GOAWAY (NO_ERROR) after the idle timeout, but not while a watch is open', async () => {
		const session = http2.connect(cluster.server.url, {ca: simulatorTls().caCertificate});
		const goaways: number[] = [];
		session.on('goaway', (code: number) => goaways.push(code));
		session.on('error', () => {});
		try {
			await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
			const watch = session.request({':path': '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0', authorization: `Bearer ${cluster.tokens.adminToken}`});
			watch.on('error', () => {});
			watch.resume();
			await new Promise((resolve) => watch.once('response', resolve));
			await sleep(idleTimeoutMs * 2);
			expect(goaways).toEqual([]);
			expect(session.closed).toBe(false);
			watch.close();
			expect(await until(() => goaways.length > 0)).toBe(true);
			expect(goaways).toEqual([http2.constants.NGHTTP2_NO_ERROR]);
			expect(await until(() => session.closed || session.destroyed)).toBe(true);
		} finally {
			session.destroy();
		}
	});
});
