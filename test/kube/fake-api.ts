// Tiny HTTP servers on 127.0.0.1 for the kube layer's unit tests: a recorder with a programmable
// handler, and a one-resource list+watch server with faults (hang, 410, silence).

import http from 'node:http';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {expect} from 'vitest';
import {KubeError} from '../../source/kube/errors.js';
import {certificateAuthorityData, simulatorTls} from '../../source/sim/tls.js';

export type Recorded = {method: string; url: string; headers: http.IncomingHttpHeaders; body: string};

export type TestServer = {
	url: string;
	port: number;
	requests: Recorded[];
	/** TCP connections accepted so far. */
	connections: () => number;
	/** Connections open now. */
	openConnections: () => number;
	setHandler(handler: Handler): void;
	close(): Promise<void>;
};

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/**
 * `tls`: serve HTTPS (HTTP/1.1) with the simulator's certificate for 127.0.0.1, as a server must be
 * for a client to send it credentials (kubeconfigFor adds the CA): kubectl, and calico-mcm, send no
 * token, basic auth or exec plugin output to an http:// server.
 */
export async function startServer(handler: Handler, port = 0, options: {tls?: boolean} = {}): Promise<TestServer> {
	let current = handler;
	const requests: Recorded[] = [];
	const sockets = new Set<import('node:net').Socket>();
	let accepted = 0;
	const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			requests.push({method: req.method ?? '', url: req.url ?? '', headers: req.headers, body});
			current(req, res, body);
		});
	};
	const tls = options.tls ? simulatorTls() : undefined;
	const server = tls ? https.createServer({key: tls.key, cert: tls.certificate}, onRequest) : http.createServer(onRequest);
	server.on('connection', (socket) => {
		accepted++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const bound = (server.address() as AddressInfo).port;
	return {
		url: `${tls ? 'https' : 'http'}://127.0.0.1:${bound}`,
		port: bound,
		requests,
		connections: () => accepted,
		openConnections: () => sockets.size,
		setHandler(next) {
			current = next;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
	res.end(text);
}

export function status(code: number, reason: string, message: string) {
	return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code};
}

/** A kubeconfig file in a fresh temp dir. */
export function writeKubeconfig(text: string, name = 'config'): {dir: string; file: string} {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-test-'));
	const file = path.join(dir, name);
	fs.writeFileSync(file, text, {mode: 0o600});
	return {dir, file};
}

/** A kubeconfig with one context per server, each with its own bearer token. */
export function kubeconfigFor(clusters: Array<{name: string; server: string; token?: string; user?: string; extraUser?: string}>): string {
	const lines = ['apiVersion: v1', 'kind: Config', `current-context: ${clusters[0]?.name ?? ''}`, 'clusters:'];
	for (const c of clusters) {
		lines.push(`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`);
		if (c.server.startsWith('https://')) lines.push(`    certificate-authority-data: ${certificateAuthorityData()}`);
	}
	lines.push('users:');
	for (const c of clusters) {
		lines.push(`- name: ${c.user ?? `${c.name}-user`}`, '  user:');
		if (c.token) lines.push(`    token: ${c.token}`);
		if (c.extraUser) lines.push(...c.extraUser.split('\n').map((l) => `    ${l}`));
		if (!c.token && !c.extraUser) lines.push('    {}');
	}
	lines.push('contexts:');
	for (const c of clusters) lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}`, `    user: ${c.user ?? `${c.name}-user`}`);
	return `${lines.join('\n')}\n`;
}

type Obj = {apiVersion: string; kind: string; metadata: {name: string; resourceVersion: string}; data?: unknown};
type Event = {type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj};

/**
 * One resource (cluster-scoped "widgets") with list paging, watch from a resourceVersion, bookmarks on
 * request, and faults: hang (accept, never answer), expire (end streams; resumes get 410), silence
 * (keep streams open, send nothing), absent (404 for everything).
 */
export class WidgetApi {
	readonly path = '/apis/test.example.com/v1/widgets';
	rv = 1;
	objects = new Map<string, Obj>();
	history: Array<{rv: number; event: Event}> = [];
	oldestRv = 1;
	streams = new Set<http.ServerResponse>();
	hang = false;
	absent = false;
	silent = false;
	server!: TestServer;
	lists = 0;
	watches = 0;

	/** `tls`: HTTPS (see startServer), kept across down()/up(). */
	constructor(private readonly options: {tls?: boolean} = {}) {}

	async start(port = 0): Promise<this> {
		this.server = await startServer((req, res) => this.handle(req, res), port, this.options);
		return this;
	}

	/** api-down: close the listener and every connection; the port stays known for up(). */
	async down(): Promise<void> {
		for (const stream of this.streams) stream.destroy();
		await this.server.close();
	}

	/** api-up: listen again on the same port. */
	async up(): Promise<void> {
		await this.start(this.server.port);
	}

	handle(req: http.IncomingMessage, res: http.ServerResponse): void {
		if (this.hang) return; // never answer
		const url = new URL(req.url ?? '/', 'http://x');
		if (this.absent || url.pathname !== this.path) {
			sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
			return;
		}
		if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') return this.watch(url, res);
		this.lists++;
		const limit = Number(url.searchParams.get('limit') ?? 0) || Infinity;
		const start = Number(url.searchParams.get('continue') ?? 0);
		const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
		const page = all.slice(start, start + limit);
		const more = start + limit < all.length;
		sendJson(res, 200, {
			apiVersion: 'test.example.com/v1',
			kind: 'WidgetList',
			metadata: {resourceVersion: String(this.rv), ...(more ? {continue: String(start + limit)} : {})},
			// As a real API server: list items carry no kind/apiVersion.
			items: page.map(({metadata, data}) => ({metadata, data})),
		});
	}

	private watch(url: URL, res: http.ServerResponse): void {
		this.watches++;
		const from = Number(url.searchParams.get('resourceVersion') ?? 0);
		res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'});
		// As the API server does: headers at once, so the client knows the watch is open.
		res.flushHeaders();
		if (from && from < this.oldestRv) {
			res.end(`${JSON.stringify({type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.oldestRv})`)})}\n`);
			return;
		}
		for (const {rv, event} of this.history) if (rv > from) res.write(`${JSON.stringify(event)}\n`);
		this.streams.add(res);
		res.on('close', () => this.streams.delete(res));
	}

	private emit(event: Event): void {
		this.history.push({rv: this.rv, event});
		if (this.silent || this.hang) return;
		for (const stream of this.streams) stream.write(`${JSON.stringify(event)}\n`);
	}

	set(name: string, data: unknown): void {
		const existed = this.objects.has(name);
		const object: Obj = {apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: {name, resourceVersion: String(++this.rv)}, data};
		this.objects.set(name, object);
		this.emit({type: existed ? 'MODIFIED' : 'ADDED', object});
	}

	remove(name: string): void {
		const old = this.objects.get(name);
		if (!old) return;
		this.objects.delete(name);
		const object = {...old, metadata: {...old.metadata, resourceVersion: String(++this.rv)}};
		this.emit({type: 'DELETED', object});
	}

	bookmark(): void {
		for (const stream of this.streams) {
			stream.write(`${JSON.stringify({type: 'BOOKMARK', object: {apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: {resourceVersion: String(this.rv)}}})}\n`);
		}
	}

	/** Write a line of the test's own to every open stream (a bookmark in another form, a broken line). */
	writeLine(line: string): void {
		for (const stream of this.streams) stream.write(`${line}\n`);
	}

	/** End every stream and forget history: resumes get 410. */
	expire(): void {
		this.history = [];
		this.oldestRv = this.rv;
		for (const stream of this.streams) stream.end();
	}

	/** End every stream normally (a server-side watch timeout). */
	endStreams(): void {
		for (const stream of this.streams) stream.end();
	}

	close(): Promise<void> {
		for (const stream of this.streams) stream.destroy();
		return this.server.close();
	}
}

/** Poll until check() returns truthy, up to timeoutMs (generous: the machine is shared). */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value) return value;
		if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** The KubeError a request fails with (and a test failure if it does not fail). */
export async function rejection(promise: Promise<unknown>): Promise<KubeError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(KubeError);
		return error as KubeError;
	}
	throw new Error('expected the request to fail');
}
