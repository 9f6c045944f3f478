// One simulated Kubernetes API server on 127.0.0.1 in front of one ObjectStore, with bearer-token
// authentication, RBAC, discovery, and the fault switches (down, hang, up, expire). Like kube-apiserver
// it speaks HTTP/2 (ALPN h2) and HTTP/1.1 on the same port.
import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session} from 'node:http2';
import {createServer as createNetServer, type Socket} from 'node:net';
import {createSecureContext, TLSSocket, type SecureContext} from 'node:tls';
import {virtualTypes} from './builtin-types.js';
import {apiGroupDocument, apiGroupList, apiResourceList, apiVersions, serverVersion} from './discovery.js';
import {sendError, sendJson, sendText} from './http-response.js';
import {openApiGroupVersion, openApiRoot} from './openapi.js';
import {forbidden, forbiddenPath, isAllowed, isNonResourceAllowed, type Attributes, type Identity} from './rbac.js';
import {bodyFormat, decodeBody, readBody, requireObject} from './request-body.js';
import {parseResourcePath, type ResourcePath} from './request-path.js';
import {
	handleCreate, handleDelete, handleDeleteCollection, handleGet, handleList, handlePatch, handlePodLog, handleTokenRequest,
	handleUpdate, handleWatch, type RequestContext,
} from './resource-handlers.js';
import {reviewResponse} from './review-handlers.js';
import {simulatorTls} from './tls.js';
import {installTokenController} from './token-controller.js';
import {ApiError, type ApiServer, type ConnectionStats, type ObjectStore, type ResourceType, type TokenRegistry} from './types.js';
import type {WatchHandle} from './watch-stream.js';

export type ApiServerOptions = {
	name: string;
	store: ObjectStore;
	tokens: TokenRegistry;
	/**
	 * HTTPS with the process-wide simulator CA (default true): kubectl sends a kubeconfig's bearer
	 * token only over TLS. Kubeconfigs need certificate-authority-data = certificateAuthorityData().
	 */
	tls?: boolean;
	/** How often watches get a bookmark (default: CALICO_MCM_SIM_BOOKMARK_MS, else 60 s as kube-apiserver). */
	bookmarkIntervalMs?: number;
	/** Offer HTTP/2 in the TLS handshake (default true, as kube-apiserver); false: an HTTP/1.1-only server. */
	http2?: boolean;
};

/**
 * kube-apiserver (Go's http2 server) allows 250 concurrent streams per connection by default; a client
 * that multiplexes must respect the server's limit, so the simulator sets the same one.
 */
const maxConcurrentStreams = 250;

const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** Paths anyone may read without a token (kube's system:public-info-viewer). */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

function unauthorized(): ApiError {
	return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

let secureContext: SecureContext | undefined;

function sharedSecureContext(): SecureContext {
	if (!secureContext) {
		const tls = simulatorTls();
		secureContext = createSecureContext({key: tls.key, cert: tls.certificate});
	}
	return secureContext;
}

export function createApiServer(options: ApiServerOptions): ApiServer {
	const {store, tokens} = options;
	installTokenController(store, tokens);
	let port = 0;
	let mode: 'up' | 'down' | 'hang' = 'down';
	let listening = false;
	const connections: ConnectionStats = {accepted: 0, h2: 0, http1: 0};
	const sockets = new Set<Socket>();
	const streams = new Set<WatchHandle>();
	const parked = new Set<ServerResponse>();

	const authenticate = (req: IncomingMessage): Identity => {
		const header = req.headers.authorization ?? '';
		const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!m) throw unauthorized();
		const who = tokens.authenticate(m[1]);
		if (!who) throw unauthorized();
		// Bound service-account tokens die with their account.
		const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(who.user);
		if (sa && !who.admin) {
			const saType = store.lookup('', 'v1', 'serviceaccounts');
			if (saType && !store.get(saType, sa[1], sa[2])) throw unauthorized();
		}
		return impersonate(req, who);
	};

	// `kubectl --as=USER --as-group=GROUP`: the request runs as that user, if the caller may impersonate.
	const impersonate = (req: IncomingMessage, who: Identity): Identity => {
		const user = headerValues(req, 'impersonate-user')[0];
		const groups = headerValues(req, 'impersonate-group');
		if (!user) {
			if (groups.length > 0) throw new ApiError(400, 'BadRequest', 'impersonating groups needs a user too (Impersonate-User)');
			return who;
		}
		const checks: Attributes[] = [{verb: 'impersonate', group: '', resource: 'users', name: user}, ...groups.map((g) => ({verb: 'impersonate', group: '', resource: 'groups', name: g}))];
		for (const attrs of checks) if (!isAllowed(store, who, attrs)) throw forbidden(who, attrs);
		const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
		const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
		return {user, groups: [...new Set([...groups, ...implied, 'system:authenticated'])], admin: false};
	};

	const nonResource = (req: IncomingMessage, res: ServerResponse, url: URL, identity: Identity | undefined): boolean => {
		const path = url.pathname.replace(/\/+$/, '') || '/';
		const get = req.method === 'GET' || req.method === 'HEAD';
		const answer = (body: unknown) => {
			if (!get) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method} ${path}`);
			if (identity && !isNonResourceAllowed(store, identity, {verb: 'get', path})) throw forbiddenPath(identity, {verb: 'get', path});
			sendJson(res, 200, body);
			return true;
		};
		if (path === '/healthz' || path === '/livez' || path === '/readyz') {
			sendText(res, 200, 'ok');
			return true;
		}
		if (path === '/version') return answer(serverVersion);
		if (path === '/api') return answer(apiVersions(`127.0.0.1:${port}`));
		// Aggregated discovery is not served: a plain APIGroupList makes clients fall back to per-group documents.
		if (path === '/apis') return answer(apiGroupList(store));
		if (path === '/api/v1') return answer(apiResourceList(store, '', 'v1'));
		if (path === '/openapi/v3') return answer(openApiRoot(store));
		if (path.startsWith('/openapi/v3/')) {
			const doc = openApiGroupVersion(store, path.slice('/openapi/v3/'.length));
			if (!doc) throw notFoundPath();
			return answer(doc);
		}
		const group = /^\/apis\/([^/]+)$/.exec(path);
		if (group) {
			const doc = apiGroupDocument(store, group[1]);
			if (!doc) throw notFoundPath();
			return answer(doc);
		}
		const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
		if (gv) {
			const doc = apiResourceList(store, gv[1], gv[2]);
			if (!doc) throw notFoundPath();
			return answer(doc);
		}
		return false;
	};

	const resolveType = (path: ResourcePath): ResourceType => {
		const type = store.lookup(path.group, path.version, path.resource)
			?? virtualTypes.find((t) => t.group === path.group && t.version === path.version && t.resource === path.resource);
		if (!type) throw notFoundPath();
		// A namespaced object needs its namespace in the path; a cluster-scoped one must not have one.
		if (type.namespaced && path.name && !path.namespace && path.resource !== 'namespaces') throw notFoundPath();
		if (!type.namespaced && path.namespace) throw notFoundPath();
		return type;
	};

	const verbOf = (req: IncomingMessage, url: URL, path: ResourcePath): string => {
		const watch = path.watchPath || ['true', '1'].includes(url.searchParams.get('watch') ?? '');
		switch (req.method) {
			case 'GET':
			case 'HEAD':
				if (watch) return 'watch';
				return path.name ? 'get' : 'list';
			case 'POST':
				return 'create';
			case 'PUT':
				return 'update';
			case 'PATCH':
				return 'patch';
			case 'DELETE':
				return path.name ? 'delete' : 'deletecollection';
			default:
				throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method}`);
		}
	};

	const track = (handle: WatchHandle) => {
		streams.add(handle);
		return () => {
			streams.delete(handle);
		};
	};

	const handleResource = async (req: IncomingMessage, res: ServerResponse, url: URL, identity: Identity, path: ResourcePath) => {
		const type = resolveType(path);
		const verb = verbOf(req, url, path);
		const attrs: Attributes = {verb, group: type.group, resource: type.resource, subresource: path.subresource, namespace: path.namespace, name: path.name};
		const virtual = virtualTypes.includes(type);
		if (!isAllowed(store, identity, attrs)) throw forbidden(identity, attrs);
		const ctx: RequestContext = {req, res, url, store, tokens, path, type, stalled: () => mode === 'hang', track, bookmarkIntervalMs: options.bookmarkIntervalMs};
		if (virtual) {
			if (verb !== 'create' || path.name) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method} ${type.resource}`);
			const body = requireObject(decodeBody(await readBody(req), bodyFormat(req.headers['content-type'], ['json', 'yaml'])), `a ${type.kind}`);
			sendJson(res, 201, reviewResponse(type.resource, {apiVersion: `${type.group}/${type.version}`, kind: type.kind, ...body}, identity, store, tokens));
			return;
		}
		const sub = path.subresource;
		if (sub !== undefined) {
			const known = (sub === 'status' && type.statusSubresource)
				|| (sub === 'token' && type.group === '' && type.resource === 'serviceaccounts')
				|| (sub === 'log' && type.group === '' && type.resource === 'pods');
			if (!known) throw notFoundPath();
			if (sub === 'token') {
				if (verb !== 'create') throw new ApiError(405, 'MethodNotAllowed', 'serviceaccounts/token only supports create (POST)');
				return handleTokenRequest(ctx);
			}
			if (sub === 'log') {
				if (verb !== 'get') throw new ApiError(405, 'MethodNotAllowed', 'pods/log only supports get');
				return handlePodLog(ctx);
			}
			if (verb !== 'get' && verb !== 'update' && verb !== 'patch') throw new ApiError(405, 'MethodNotAllowed', `the status subresource supports get, update and patch, not ${verb}`);
		}
		if (!path.name && (verb === 'update' || verb === 'patch')) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method} on a collection`);
		if (path.name && verb === 'create') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource: POST to a named object (POST to the collection instead)');
		switch (verb) {
			case 'watch':
				return handleWatch(ctx);
			case 'list':
				return handleList(ctx);
			case 'get':
				return handleGet(ctx);
			case 'create':
				return handleCreate(ctx);
			case 'update':
				return handleUpdate(ctx);
			case 'patch':
				return handlePatch(ctx);
			case 'delete':
				return handleDelete(ctx);
			case 'deletecollection':
				return handleDeleteCollection(ctx);
		}
	};

	const handle = async (req: IncomingMessage, res: ServerResponse) => {
		let url: URL;
		try {
			url = new URL(req.url ?? '/', 'http://127.0.0.1');
		} catch {
			throw new ApiError(400, 'BadRequest', `the request URL is malformed: ${req.url}`);
		}
		const pathname = url.pathname;
		if (publicPaths.has(pathname) && nonResource(req, res, url, undefined)) return;
		const identity = authenticate(req);
		if (nonResource(req, res, url, identity)) return;
		const path = parseResourcePath(pathname);
		if (!path) throw notFoundPath();
		await handleResource(req, res, url, identity, path);
	};

	const useTls = options.tls ?? true;
	const onRequest = (req: IncomingMessage, res: ServerResponse) => {
		if (mode === 'hang') {
			// Hanging: read nothing, answer nothing; up() or down() ends these.
			parked.add(res);
			res.on('close', () => parked.delete(res));
			return;
		}
		res.on('error', () => {});
		handle(req, res).catch((error: unknown) => {
			try {
				sendError(res, error);
			} catch {
				res.destroy();
			}
		});
	};
	// A plain net.Server owns the port; TLS sockets are made here with the process-wide SecureContext
	// (https/http2.createSecureServer would build, and parse keys for, a context per server: seconds
	// across 1,001 clusters). After the handshake the ALPN choice hands the socket to the HTTP/2 or the
	// HTTP/1.1 server, both sharing one request handler: what http2.createSecureServer({allowHTTP1})
	// does, without its per-server context.
	const http = createHttpServer({keepAlive: true}, onRequest);
	http.keepAliveTimeout = 30_000;
	http.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		else socket.destroy();
	});
	// The compatibility API mirrors IncomingMessage/ServerResponse for what the handlers use (headers,
	// rawHeaders, body stream, writeHead/write/end/destroy, writableEnded).
	const h2 = createHttp2Server({settings: {maxConcurrentStreams}}, (req: Http2ServerRequest, res: Http2ServerResponse) => {
		onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse);
	});
	h2.on('session', (session: Http2Session) => session.on('error', () => session.destroy()));
	const alpn = options.http2 === false ? ['http/1.1'] : ['h2', 'http/1.1'];
	const server = createNetServer((socket) => {
		connections.accepted++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		if (!useTls) {
			connections.http1++;
			http.emit('connection', socket);
			return;
		}
		const secure = new TLSSocket(socket, {isServer: true, secureContext: sharedSecureContext(), ALPNProtocols: alpn});
		secure.on('error', () => socket.destroy());
		secure.once('secure', () => {
			// What tls.Server does before 'secureConnection': http2 waits for a 'secureConnect' (a client
			// event) on a socket still marked connecting.
			(secure as TLSSocket & {secureConnecting: boolean}).secureConnecting = false;
			if (secure.alpnProtocol === 'h2') {
				connections.h2++;
				h2.emit('connection', secure);
			} else {
				connections.http1++;
				http.emit('connection', secure);
			}
		});
	});

	const startListening = (wanted: number) => new Promise<number>((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) => {
			server.off('listening', onListening);
			const why = error.code === 'EADDRINUSE' ? 'the port is already in use (stop what uses it or choose another port)' : error.message;
			reject(new Error(`cluster ${options.name}: cannot listen on 127.0.0.1:${wanted}: ${why}`));
		};
		const onListening = () => {
			server.off('error', onError);
			const address = server.address();
			port = typeof address === 'object' && address ? address.port : wanted;
			listening = true;
			mode = 'up';
			resolve(port);
		};
		server.once('error', onError);
		server.once('listening', onListening);
		server.listen(wanted, '127.0.0.1');
	});

	const endParked = () => {
		for (const res of parked) res.destroy();
		parked.clear();
	};

	const destroyStreams = () => {
		for (const s of [...streams]) s.destroy();
		streams.clear();
	};

	const stopListening = () => new Promise<void>((resolve) => {
		mode = 'down';
		endParked();
		destroyStreams();
		if (!listening) {
			resolve();
			return;
		}
		listening = false;
		server.close(() => resolve());
		for (const socket of sockets) socket.destroy();
		sockets.clear();
	});

	return {
		get port() {
			return port;
		},
		get url() {
			return `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`;
		},
		listen: (wanted = 0) => startListening(wanted),
		down: () => stopListening(),
		hang() {
			if (listening) mode = 'hang';
		},
		async up() {
			if (listening) {
				// From a hang: what hung stays failed (clients time out and retry), new requests are answered.
				endParked();
				destroyStreams();
				mode = 'up';
				return;
			}
			await startListening(port);
		},
		get connections() {
			return {...connections};
		},
		expireWatches() {
			for (const s of [...streams]) if (s.kind === 'watch') s.end();
			store.expireHistory();
		},
		close: () => stopListening(),
	};
}

/** Every value of a request header, in order (h2 joins repeated fields in `headers`; rawHeaders keeps them). */
function headerValues(req: IncomingMessage, name: string): string[] {
	const values: string[] = [];
	const raw = req.rawHeaders;
	for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
	return values;
}
