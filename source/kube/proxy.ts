// Proxies between this host and the API servers, as kubectl reaches them: a cluster's `proxy-url`
// (http, https, socks5, socks5h), else HTTPS_PROXY / HTTP_PROXY with NO_PROXY read the way Go's
// golang.org/x/net/http/httpproxy reads them (which client-go uses through net/http).
//
// openTunnel() gives a connected socket to host:port: through the proxy, or directly when no proxy
// applies. The client runs TLS and HTTP over it, so the proxy only ever sees the CONNECT line (or the
// SOCKS destination) and ciphertext: a bearer token never reaches it in clear text. HTTP CONNECT uses
// Node's own http client (its 'connect' event); SOCKS5 uses the `socks` package (the client behind
// socks-proxy-agent), so no proxy protocol is written by hand here.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export const proxySchemes = ['http:', 'https:', 'socks5:', 'socks5h:'] as const;

export type ProxyRoute = {
	url: URL;
	/** Where the proxy was configured, for messages: `proxy-url of cluster "c" in FILE`, or `HTTPS_PROXY`. */
	source: string;
};

/** A proxy failure: the message names the proxy (without credentials) and where it was configured. */
export class ProxyError extends Error {
	constructor(
		message: string,
		readonly code?: string,
	) {
		super(message);
		this.name = 'ProxyError';
	}
}

/** The proxy URL as shown in messages: never with its user and password. */
export function displayProxy(url: URL): string {
	return `${url.protocol}//${url.host}`;
}

/** Parse a proxy URL, as Go does for the environment: a bare host:port means http://host:port. */
export function parseProxyUrl(text: string): URL | undefined {
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
	try {
		const url = new URL(withScheme);
		return url.hostname ? url : undefined;
	} catch {
		return undefined;
	}
}

export function isSupportedProxy(url: URL): boolean {
	return (proxySchemes as readonly string[]).includes(url.protocol);
}

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): {name: string; value: string} | undefined {
	for (const name of names) {
		const value = env[name];
		if (value) return {name, value};
	}
	return undefined;
}

const defaultPorts: Record<string, string> = {'http:': '80', 'https:': '443'};

/**
 * Whether NO_PROXY lets host:port be reached directly, as httpproxy's useProxy decides: localhost and
 * loopback addresses never use a proxy; "*" matches everything; an IP or a CIDR matches addresses; a
 * name matches itself and its subdomains (".name" only subdomains; "*.name" as ".name"); an entry with
 * a port matches only that port.
 */
export function bypassesProxy(host: string, port: string, noProxy: string): boolean {
	const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
	if (bare === 'localhost') return true;
	const ipVersion = net.isIP(bare);
	if (ipVersion !== 0) {
		const loopback = new net.BlockList();
		loopback.addSubnet('127.0.0.0', 8, 'ipv4');
		loopback.addAddress('::1', 'ipv6');
		if (loopback.check(bare, ipVersion === 4 ? 'ipv4' : 'ipv6')) return true;
	}
	for (const raw of noProxy.split(',')) {
		let entry = raw.trim().toLowerCase();
		if (!entry) continue;
		if (entry === '*') return true;
		if (entry.includes('/')) {
			const [base, bits] = entry.split('/');
			const family = net.isIP(base!);
			if (family !== 0 && ipVersion === family) {
				const list = new net.BlockList();
				try {
					list.addSubnet(base!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
					if (list.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return true;
				} catch {
					// not a CIDR Go would accept either: ignored, as Go ignores it
				}
			}
			continue;
		}
		let entryPort: string | undefined;
		const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
		if (bracketed) {
			entry = bracketed[1]!;
			entryPort = bracketed[2];
		} else if (net.isIP(entry) === 0) {
			const colon = entry.lastIndexOf(':');
			if (colon !== -1 && /^\d+$/.test(entry.slice(colon + 1))) {
				entryPort = entry.slice(colon + 1);
				entry = entry.slice(0, colon);
			}
		}
		if (entryPort !== undefined && entryPort !== port) continue;
		if (net.isIP(entry) !== 0) {
			if (ipVersion !== 0 && entry === bare) return true;
			continue;
		}
		if (entry.startsWith('*.')) entry = entry.slice(1);
		if (entry.startsWith('.')) {
			if (bare.endsWith(entry)) return true;
		} else if (bare === entry || bare.endsWith(`.${entry}`)) return true;
	}
	return false;
}

/** The variables proxyFor reads, upper case first (the first set wins, as in Go's httpproxy). */
const httpsProxyNames = ['HTTPS_PROXY', 'https_proxy'];
const httpProxyNames = ['HTTP_PROXY', 'http_proxy'];
const noProxyNames = ['NO_PROXY', 'no_proxy'];

/** The variables proxyFor reads, copied once: each read of process.env is a lookup in the C++ environment. */
export function proxyVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	const copy: NodeJS.ProcessEnv = {};
	for (const name of [...httpsProxyNames, ...httpProxyNames, ...noProxyNames]) if (env[name] !== undefined) copy[name] = env[name];
	return copy;
}

/**
 * The proxy for a cluster's server, or undefined to connect directly. A cluster's proxy-url wins (and,
 * as in client-go, NO_PROXY does not apply to it); else the environment. Throws ProxyError for a proxy
 * URL it cannot use, naming where it came from.
 */
export function proxyFor(cluster: {name: string; server: string; proxyUrl?: string; file: string}, env: NodeJS.ProcessEnv = process.env): ProxyRoute | undefined {
	if (cluster.proxyUrl) {
		const source = `proxy-url of cluster "${cluster.name}" in ${cluster.file}`;
		const url = parseProxyUrl(cluster.proxyUrl);
		if (!url || !/^[a-z][a-z0-9+.-]*:\/\//i.test(cluster.proxyUrl)) {
			throw new ProxyError(`${source}: "${cluster.proxyUrl}" is not a proxy URL; write it as http://HOST:PORT, https://HOST:PORT, socks5://HOST:PORT or socks5h://HOST:PORT`);
		}
		if (!isSupportedProxy(url)) {
			throw new ProxyError(`${source}: unknown proxy scheme "${url.protocol.slice(0, -1)}"; use http, https, socks5 or socks5h`);
		}
		return {url, source};
	}
	// No proxy in the environment (the usual case): the server's URL need not be parsed again, once per
	// cluster of a 1,001-context kubeconfig.
	if (!envAny(env, ...httpsProxyNames, ...httpProxyNames)) return undefined;
	const server = new URL(cluster.server);
	const secure = server.protocol === 'https:';
	const setting = envAny(env, ...(secure ? httpsProxyNames : httpProxyNames));
	if (!setting) return undefined;
	const noProxy = envAny(env, ...noProxyNames)?.value ?? '';
	if (bypassesProxy(server.hostname, server.port || defaultPorts[server.protocol]!, noProxy)) return undefined;
	const url = parseProxyUrl(setting.value);
	if (!url || !isSupportedProxy(url)) {
		throw new ProxyError(`${setting.name}="${setting.value}" is not a proxy URL calico-mcm can use (cluster "${cluster.name}"); set it to http://HOST:PORT, https://HOST:PORT, socks5://HOST:PORT or socks5h://HOST:PORT, or unset it`);
	}
	return {url, source: setting.name};
}

function abortError(signal: AbortSignal): Error {
	return signal.reason instanceof Error ? signal.reason : new ProxyError('aborted', 'ABORT_ERR');
}

/** A plain TCP connection, abortable while it connects. */
function connectTcp(host: string, port: number, signal: AbortSignal | undefined, describe: (error: NodeJS.ErrnoException) => Error): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortError(signal));
		const socket = net.connect({host, port});
		const onAbort = () => {
			socket.destroy();
			reject(abortError(signal!));
		};
		signal?.addEventListener('abort', onAbort, {once: true});
		socket.once('connect', () => {
			signal?.removeEventListener('abort', onAbort);
			socket.removeAllListeners('error');
			resolve(socket);
		});
		socket.once('error', (error: NodeJS.ErrnoException) => {
			signal?.removeEventListener('abort', onAbort);
			reject(describe(error));
		});
	});
}

function proxyPort(url: URL): number {
	if (url.port) return Number(url.port);
	if (url.protocol === 'https:') return 443;
	if (url.protocol === 'http:') return 80;
	return 1080;
}

function unreachableProxy(route: ProxyRoute, error: NodeJS.ErrnoException): ProxyError {
	const why = error.code === 'ECONNREFUSED' ? 'connection refused' : error.message;
	return new ProxyError(`cannot reach proxy ${displayProxy(route.url)} (${route.source}): ${why}; check that the proxy runs and the address is right`, error.code);
}

function httpConnect(route: ProxyRoute, host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
	const {url} = route;
	const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
	const headers: Record<string, string> = {Host: target};
	if (url.username) {
		const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
		headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
	}
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortError(signal));
		let settled = false;
		const done = (error: Error | undefined, socket?: net.Socket) => {
			if (settled) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			if (error) reject(error);
			else resolve(socket!);
		};
		const request = (url.protocol === 'https:' ? https : http).request({
			host: url.hostname.replace(/^\[|\]$/g, ''),
			port: proxyPort(url),
			method: 'CONNECT',
			path: target,
			headers,
			agent: false,
		});
		const onAbort = () => {
			request.destroy();
			done(abortError(signal!));
		};
		signal?.addEventListener('abort', onAbort, {once: true});
		const refused = (status: number, message: string) => {
			const fix =
				status === 407
					? url.username
						? 'the proxy refused the user and password in the proxy URL'
						: 'the proxy wants credentials: put them in the proxy URL (http://USER:PASSWORD@HOST:PORT)'
					: 'check that the proxy allows CONNECT to this host and port';
			return new ProxyError(`proxy ${displayProxy(url)} (${route.source}) answered ${status} ${message} to CONNECT ${target}; ${fix}`, `PROXY_${status}`);
		};
		request.once('connect', (res, socket, head) => {
			if (res.statusCode !== 200) {
				socket.destroy();
				return done(refused(res.statusCode ?? 0, res.statusMessage ?? ''));
			}
			if (head.length > 0) socket.unshift(head);
			done(undefined, socket);
		});
		// A proxy that answers with a normal response (no tunnel) is refusing too.
		request.once('response', res => {
			res.resume();
			done(refused(res.statusCode ?? 0, res.statusMessage ?? ''));
		});
		request.once('error', (error: NodeJS.ErrnoException) => {
			if (signal?.aborted) return done(abortError(signal));
			const code = error.code;
			if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN') return done(unreachableProxy(route, error));
			done(new ProxyError(`proxy ${displayProxy(url)} (${route.source}) failed on CONNECT ${target}: ${error.message}`, code));
		});
		request.end();
	});
}

async function socksConnect(route: ProxyRoute, host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
	// Loaded only for a SOCKS proxy: every start-up (the console's first frame) would pay for it.
	// socks is CommonJS: its module.exports is the default export both in the bundle (whose chunk has
	// no named exports) and under Node's own loader.
	const {SocksClient} = (await import('socks')).default;
	const {url} = route;
	const proxyHost = url.hostname.replace(/^\[|\]$/g, '');
	const socket = await connectTcp(proxyHost, proxyPort(url), signal, error => unreachableProxy(route, error));
	// Both socks5 and socks5h send the host name to the proxy, as Go's SOCKS5 dialer (and so kubectl) does.
	const handshake = SocksClient.createConnection({
		proxy: {
			host: proxyHost,
			port: proxyPort(url),
			type: 5,
			...(url.username ? {userId: decodeURIComponent(url.username), password: decodeURIComponent(url.password)} : {}),
		},
		command: 'connect',
		destination: {host, port},
		existing_socket: socket,
	});
	const onAbort = () => socket.destroy();
	signal?.addEventListener('abort', onAbort, {once: true});
	try {
		const {socket: tunnel} = await handshake;
		return tunnel;
	} catch (error) {
		socket.destroy();
		if (signal?.aborted) throw abortError(signal);
		const message = (error as Error).message;
		const fix = /auth/i.test(message)
			? url.username
				? 'the proxy refused the user and password in the proxy URL'
				: 'the proxy wants credentials: put them in the proxy URL (socks5://USER:PASSWORD@HOST:PORT)'
			: 'check that the proxy allows connections to this host and port';
		throw new ProxyError(`SOCKS5 proxy ${displayProxy(url)} (${route.source}) refused ${host}:${port}: ${message}; ${fix}`, 'PROXY_SOCKS');
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}
}

/**
 * A connected socket to host:port for this cluster: through its proxy when one applies, else direct.
 * The signal aborts the attempt (rejecting with its reason). Rejects with ProxyError when the proxy
 * cannot be reached or refuses.
 */
export function openTunnel(
	cluster: {name: string; server: string; proxyUrl?: string; file: string},
	host: string,
	port: number,
	signal?: AbortSignal,
	env: NodeJS.ProcessEnv = process.env,
): Promise<net.Socket> {
	let route: ProxyRoute | undefined;
	try {
		route = proxyFor(cluster, env);
	} catch (error) {
		return Promise.reject(error);
	}
	return openVia(route, host, port, signal);
}

/** As openTunnel, for a route already decided (undefined: direct). */
export function openVia(route: ProxyRoute | undefined, host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
	if (!route) return connectTcp(host, port, signal, error => error);
	if (route.url.protocol === 'socks5:' || route.url.protocol === 'socks5h:') return socksConnect(route, host, port, signal);
	return httpConnect(route, host, port, signal);
}
