// Real proxies on 127.0.0.1 for the proxy tests: an HTTP CONNECT proxy (the `proxy` package, optionally
// asking for credentials), a SOCKS5 proxy (@mongodb-js/socksv5), one that accepts and never answers,
// and an address where nothing listens. Each records what clients sent it, so a test can show that a
// bearer token never crossed the proxy in clear text.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {createRequire} from 'node:module';
import {createProxy} from 'proxy';

const require = createRequire(import.meta.url);

type SocksInfo = {dstAddr: string; dstPort: number};
type SocksServer = {
	listen(port: number, host: string, cb: () => void): void;
	address(): AddressInfo;
	close(cb?: () => void): void;
	useAuth(auth: unknown): void;
	_srv: net.Server;
};
type SocksModule = {
	createServer(listener: (info: SocksInfo, accept: (intercept: true) => net.Socket, deny: () => void) => void): SocksServer;
	auth: {None(): unknown; UserPassword(check: (user: string, password: string, cb: (ok: boolean) => void) => void): unknown};
};
// No types are published for it; this is the part of its documented API the tests use.
const socks = require('@mongodb-js/socksv5') as SocksModule;

export type TestProxy = {
	url: string;
	port: number;
	/** The destinations clients asked for ("host:port"), in order. */
	targets: string[];
	/** Every byte clients sent to the proxy. */
	received: () => Buffer;
	close: () => Promise<void>;
};

function tap(server: net.Server, chunks: Buffer[], sockets: Set<net.Socket>): void {
	server.on('connection', (socket: net.Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
	});
}

async function listen(server: {listen(port: number, host: string, cb: () => void): void; address(): AddressInfo | string | null}): Promise<number> {
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as AddressInfo).port;
}

function closer(server: {close(cb?: () => void): void}, sockets: Set<net.Socket>): () => Promise<void> {
	return async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise<void>(resolve => server.close(() => resolve()));
	};
}

/** An HTTP CONNECT proxy. With `auth`, it answers 407 unless Proxy-Authorization carries user:password. */
export async function startHttpProxy(options: {auth?: {user: string; password: string}} = {}): Promise<TestProxy> {
	const server = createProxy(http.createServer());
	const chunks: Buffer[] = [];
	const sockets = new Set<net.Socket>();
	const targets: string[] = [];
	tap(server, chunks, sockets);
	server.prependListener('connect', (req: http.IncomingMessage) => targets.push(req.url ?? ''));
	if (options.auth) {
		const expected = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
		server.authenticate = req => req.headers['proxy-authorization'] === expected;
	}
	const port = await listen(server);
	return {url: `http://127.0.0.1:${port}`, port, targets, received: () => Buffer.concat(chunks), close: closer(server, sockets)};
}

/** A SOCKS5 proxy that connects to what the client names (resolving host names itself). */
export async function startSocksProxy(options: {auth?: {user: string; password: string}} = {}): Promise<TestProxy> {
	const chunks: Buffer[] = [];
	const sockets = new Set<net.Socket>();
	const targets: string[] = [];
	const server = socks.createServer((info, accept) => {
		targets.push(`${info.dstAddr}:${info.dstPort}`);
		const client = accept(true);
		const upstream = net.connect({host: info.dstAddr, port: info.dstPort});
		sockets.add(upstream);
		upstream.on('close', () => sockets.delete(upstream));
		upstream.on('error', () => client.destroy());
		client.on('error', () => upstream.destroy());
		client.pipe(upstream).pipe(client);
	});
	server.useAuth(
		options.auth
			? socks.auth.UserPassword((user, password, cb) => cb(user === options.auth!.user && password === options.auth!.password))
			: socks.auth.None(),
	);
	tap(server._srv, chunks, sockets);
	const port = await listen(server);
	return {url: `socks5://127.0.0.1:${port}`, port, targets, received: () => Buffer.concat(chunks), close: closer(server, sockets)};
}

/** Accepts connections and never answers: a proxy that hangs. */
export async function startHangingProxy(): Promise<TestProxy> {
	const chunks: Buffer[] = [];
	const sockets = new Set<net.Socket>();
	const server = net.createServer(() => undefined);
	tap(server, chunks, sockets);
	const port = await listen(server);
	return {url: `http://127.0.0.1:${port}`, port, targets: [], received: () => Buffer.concat(chunks), close: closer(server, sockets)};
}

/**
 * A loopback port where nothing listens (connections are refused), and where nothing will: one below
 * the kernel's ephemeral range, which every test server's listen(0) draws from. A freed ephemeral
 * port was handed to another test's server seconds later on a busy run, and the "refused" proxy then
 * accepted and never answered.
 */
export async function refusingPort(): Promise<number> {
	const below = Math.max(1025, ephemeralLow() - 1);
	for (let tries = 0; tries < 50; tries++) {
		const port = 1024 + Math.floor(Math.random() * (below - 1024));
		if (await isFree(port)) return port;
	}
	throw new Error(`no free loopback port between 1024 and ${below}`);
}

/** Linux's default when the range cannot be read. */
function ephemeralLow(): number {
	try {
		return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
	} catch {
		return 32_768;
	}
}

async function isFree(port: number): Promise<boolean> {
	const server = net.createServer();
	const free = await new Promise<boolean>(resolve => {
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => resolve(true));
	});
	if (free) await new Promise<void>(resolve => server.close(() => resolve()));
	return free;
}
