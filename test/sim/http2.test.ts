// The simulated API server speaks HTTP/2 (ALPN h2) and HTTP/1.1 on the same port, as kube-apiserver:
// plain requests, errors and streaming watches work over both.
import http2 from 'node:http2';
import tls from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {simulatorTls} from '../../source/sim/tls.js';
import {connectTapped, tappedRequest, type ReceivedFrame} from './h2-frames.js';
import {rawRequest, streamLines} from './http-client.js';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

type H2Answer = {status: number; text: string};

function h2Get(session: http2.ClientHttp2Session, path: string, token: string): Promise<H2Answer> {
	return new Promise((resolve, reject) => {
		const stream = session.request({':path': path, authorization: `Bearer ${token}`});
		let status = 0;
		let text = '';
		stream.setEncoding('utf8');
		stream.on('response', (headers) => {
			status = Number(headers[':status']);
		});
		stream.on('data', (chunk: string) => {
			text += chunk;
		});
		stream.on('end', () => resolve({status, text}));
		stream.on('error', reject);
		stream.end();
	});
}

function connect(url: string): Promise<http2.ClientHttp2Session> {
	return new Promise((resolve, reject) => {
		const session = http2.connect(url, {ca: simulatorTls().caCertificate});
		session.once('connect', () => resolve(session));
		session.once('error', reject);
	});
}

describe('simulated API server protocols', () => {
	let cluster: SingleCluster;
	beforeAll(async () => {
		cluster = await startSingleCluster('h2');
	});
	afterAll(async () => {
		await cluster.stop();
	});

	it('announces kube-apiserver\'s HTTP/2 settings and takes headers up to its 1 MiB, over both protocols', async () => {
		const session = http2.connect(cluster.server.url, {ca: simulatorTls().caCertificate});
		try {
			await new Promise<void>((resolve, reject) => session.once('remoteSettings', () => resolve()).once('error', reject));
			expect(session.remoteSettings).toMatchObject({maxConcurrentStreams: 250, maxFrameSize: 262_144, initialWindowSize: 262_144, maxHeaderListSize: 1_048_896});
			// Past Node's 16 KiB; Node's client sends no header block over 64 KiB.
			const big = 'x'.repeat(40_000);
			const stream = session.request({':path': '/version', authorization: `Bearer ${cluster.tokens.adminToken}`, 'x-big': big});
			const status = await new Promise<number>((resolve, reject) => {
				stream.on('response', (headers) => resolve(Number(headers[':status'])));
				stream.on('error', reject);
			});
			stream.resume();
			expect(status).toBe(200);
			const h1 = await rawRequest(cluster.server.url, 'GET', '/version', {token: cluster.tokens.adminToken, headers: {'X-Big': big, Connection: 'close'}});
			expect(h1.status).toBe(200);
		} finally {
			session.close();
		}
	});

	it('answers over HTTP/2 and HTTP/1.1 on the same port, counting each connection once', async () => {
		const before = cluster.server.connections;
		const session = await connect(cluster.server.url);
		try {
			const token = cluster.tokens.adminToken;
			const answers = await Promise.all([h2Get(session, '/version', token), h2Get(session, '/api/v1/namespaces', token), h2Get(session, '/no-such-path', token), h2Get(session, '/api/v1/namespaces', 'wrong')]);
			expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 401]);
			expect(JSON.parse(answers[1]!.text).kind).toBe('NamespaceList');
			const h1 = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces', {token});
			expect(h1.status).toBe(200);
			expect(h1.json().kind).toBe('NamespaceList');
			const after = cluster.server.connections;
			// Four requests multiplexed on one h2 connection, one HTTP/1.1 connection.
			expect(after.h2 - before.h2).toBe(1);
			expect(after.http1 - before.http1).toBe(1);
		} finally {
			session.close();
		}
	});

	it('chooses the TLS 1.3 suite as Go\'s server does (AES-128-GCM first), whatever order a client offers', async () => {
		const {port} = new URL(cluster.server.url);
		const cipherWith = (ciphers?: string) => new Promise<string>((resolve, reject) => {
			const socket = tls.connect({host: '127.0.0.1', port: Number(port), ca: simulatorTls().caCertificate, servername: 'localhost', ...(ciphers ? {ciphers} : {})}, () => {
				resolve(socket.getCipher().name);
				socket.destroy();
			});
			socket.once('error', reject);
		});
		// Node's and OpenSSL's own order offers TLS_AES_256_GCM_SHA384 first.
		expect(await cipherWith()).toBe('TLS_AES_128_GCM_SHA256');
		expect(await cipherWith('TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256')).toBe('TLS_AES_128_GCM_SHA256');
		// A suite the client alone names is still taken.
		expect(await cipherWith('TLS_AES_256_GCM_SHA384')).toBe('TLS_AES_256_GCM_SHA384');
	});

	it('streams watch events over HTTP/2 and over HTTP/1.1', async () => {
		const token = cluster.tokens.adminToken;
		const session = await connect(cluster.server.url);
		const h1 = streamLines(cluster.server.url, '/api/v1/namespaces/default/configmaps?watch=1', token);
		const h2Lines: string[] = [];
		const stream = session.request({':path': '/api/v1/namespaces/default/configmaps?watch=1', authorization: `Bearer ${token}`});
		stream.setEncoding('utf8');
		let pending = '';
		stream.on('data', (chunk: string) => {
			pending += chunk;
			const parts = pending.split('\n');
			pending = parts.pop()!;
			h2Lines.push(...parts.filter(Boolean));
		});
		stream.end();
		try {
			await new Promise((resolve) => stream.once('response', resolve));
			await expect.poll(() => h1.status).toBe(200);
			await rawRequest(cluster.server.url, 'POST', '/api/v1/namespaces/default/configmaps', {token, body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'seen-twice'}})});
			const added = (lines: string[]) => lines.map((l) => JSON.parse(l) as {type: string; object: {metadata: {name: string}}}).filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
			await expect.poll(() => added(h2Lines)).toContain('seen-twice');
			await expect.poll(() => added(h1.lines)).toContain('seen-twice');
		} finally {
			h1.stop();
			stream.close();
			session.close();
		}
	});

	describe('framing as Go\'s x/net/http2 server (kube-apiserver) sends it', () => {
		const shape = (frames: ReceivedFrame[]) => frames.map((f) => `${f.type}${f.type === 'DATA' && f.length === 0 ? '(empty)' : ''}${f.endStream ? '+END_STREAM' : ''}`);

		it('ends an answer of up to 4 KiB on its one DATA frame, errors included', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const token = cluster.tokens.adminToken;
				const get = await tappedRequest(tapped, {':path': '/api/v1/namespaces/default', authorization: `Bearer ${token}`});
				expect(get.status).toBe(200);
				expect(JSON.parse(get.body.toString()).metadata.name).toBe('default');
				expect(shape(get.frames)).toEqual(['HEADERS', 'DATA+END_STREAM']);
				expect(get.frames[1]!.length).toBe(get.body.length);
				const missing = await tappedRequest(tapped, {':path': '/api/v1/namespaces/no-such', authorization: `Bearer ${token}`});
				expect(missing.status).toBe(404);
				expect(JSON.parse(missing.body.toString()).reason).toBe('NotFound');
				expect(shape(missing.frames)).toEqual(['HEADERS', 'DATA+END_STREAM']);
				const unauthorized = await tappedRequest(tapped, {':path': '/api/v1/namespaces', authorization: 'Bearer wrong'});
				expect(unauthorized.status).toBe(401);
				expect(shape(unauthorized.frames)).toEqual(['HEADERS', 'DATA+END_STREAM']);
			} finally {
				tapped.session.close();
			}
		});

		it('gives an answer that fits the 4 KiB buffer a content-length, and a larger one none', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const token = cluster.tokens.adminToken;
				const small = await tappedRequest(tapped, {':path': '/api/v1/namespaces/default', authorization: `Bearer ${token}`});
				expect(small.headers['content-length']).toBe(String(small.body.length));
				const body = JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'h2-5k'}, data: {blob: 'x'.repeat(5000)}});
				const created = await tappedRequest(tapped, {':method': 'POST', ':path': '/api/v1/namespaces/default/configmaps', 'content-type': 'application/json', authorization: `Bearer ${token}`}, body);
				expect(created.status).toBe(201);
				expect(created.body.length).toBeGreaterThan(4096);
				expect(created.headers['content-length']).toBeUndefined();
				expect(JSON.parse(created.body.toString()).data.blob).toHaveLength(5000);
			} finally {
				tapped.session.close();
			}
		});

		it('answers HEAD with headers alone, ending the stream on them', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const head = await tappedRequest(tapped, {':method': 'HEAD', ':path': '/api/v1/namespaces/default', authorization: `Bearer ${cluster.tokens.adminToken}`});
				expect(head.status).toBe(200);
				expect(head.headers['content-type']).toBe('application/json');
				expect(shape(head.frames)).toEqual(['HEADERS+END_STREAM']);
			} finally {
				tapped.session.close();
			}
		});

		it('ends a larger answer with an empty DATA frame, as a handler writing past the 4 KiB buffer does', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const big = await tappedRequest(tapped, {':path': '/openapi/v2', authorization: `Bearer ${cluster.tokens.adminToken}`});
				expect(big.status).toBe(200);
				expect(big.body.length).toBeGreaterThan(4096);
				const frames = shape(big.frames);
				expect(frames.at(-1)).toBe('DATA(empty)+END_STREAM');
				expect(frames.slice(1, -1).every((f) => f === 'DATA')).toBe(true);
			} finally {
				tapped.session.close();
			}
		});

		it('keeps Warning headers on a write', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const body = JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'h2-warned'}, bogusField: 1});
				const created = await tappedRequest(tapped, {':method': 'POST', ':path': '/api/v1/namespaces/default/configmaps', 'content-type': 'application/json', authorization: `Bearer ${cluster.tokens.adminToken}`}, body);
				expect(created.status).toBe(201);
				expect(created.headers.warning).toBe('299 - "unknown field \\"bogusField\\""');
				expect(shape(created.frames)).toEqual(['HEADERS', 'DATA+END_STREAM']);
			} finally {
				tapped.session.close();
			}
		});

		it('streams a watch and ends it with an empty DATA frame at its timeout', async () => {
			const tapped = await connectTapped(cluster.server.url);
			try {
				const watch = await tappedRequest(tapped, {':path': '/api/v1/namespaces?watch=1&timeoutSeconds=1', authorization: `Bearer ${cluster.tokens.adminToken}`});
				expect(watch.status).toBe(200);
				const events = watch.body.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as {type: string});
				expect(events.length).toBeGreaterThan(0);
				expect(events.every((e) => e.type === 'ADDED')).toBe(true);
				const frames = shape(watch.frames);
				expect(frames[0]).toBe('HEADERS');
				expect(frames.at(-1)).toBe('DATA(empty)+END_STREAM');
				expect(frames.slice(1, -1).every((f) => f === 'DATA')).toBe(true);
			} finally {
				tapped.session.close();
			}
		});
	});
});
