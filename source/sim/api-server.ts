// One simulated Kubernetes API server: a listener on 127.0.0.1 in front of one ObjectStore, with
// bearer-token authentication, RBAC, discovery, and the fault switches (down, hang, up, expire).
import type {IncomingMessage, ServerResponse} from 'node:http';
import {authenticate} from './authn.js';
import {sendError} from './http-response.js';
import {createListener, type Listener} from './listener.js';
import {notFoundPath, publicPaths, serveNonResource, type NonResourceRequest} from './non-resource.js';
import {parseResourcePath} from './request-path.js';
import {requestUrl, type RequestUrl} from './request-url.js';
import {serveResource} from './resource-router.js';
import {installRootCaPublisher} from './root-ca-publisher.js';
import {installTokenController} from './token-controller.js';
import {ApiError, receivedLimit, type ApiServer, type ConnectionStats, type ObjectStore, type ReceivedRequest, type TokenRegistry} from './types.js';
import type {WatchHandle} from './watch-stream.js';

export type ApiServerOptions = {
	name: string;
	store: ObjectStore;
	tokens: TokenRegistry;
	/**
	 * HTTPS with the process-wide simulator CA (default true): kubectl sends a kubeconfig's bearer
	 * token only over TLS. Kubeconfigs need certificate-authority-data = certificateAuthorityData().
	 * false: plain HTTP, still authenticating every request as over TLS (an anonymous one gets 401).
	 */
	tls?: boolean;
	/** How often watches get a bookmark (default: CALICO_MCM_SIM_BOOKMARK_MS, else 60 s as kube-apiserver). */
	bookmarkIntervalMs?: number;
	/** Offer HTTP/2 in the TLS handshake (default true, as kube-apiserver); false: an HTTP/1.1-only server. */
	http2?: boolean;
	/** How long a connection may stay without a request before the server closes it (default 90 s, as kube-apiserver). */
	idleTimeoutMs?: number;
};

function ignore(): void {}

/** A request that failed: its Status, or a reset when even that cannot be written. */
function fail(res: ServerResponse, error: unknown): void {
	try {
		sendError(res, error);
	} catch {
		res.destroy();
	}
}

class SimApiServer implements ApiServer {
	private mode: 'up' | 'down' | 'hang' = 'down';
	/** Open watch and log streams, which faults end. */
	private readonly streams = new Set<WatchHandle>();
	/** Requests that arrived while hanging: never answered, destroyed on up() or down(). */
	private readonly parked = new Set<ServerResponse>();
	private readonly listener: Listener;
	readonly received: ReceivedRequest[] = [];

	constructor(private readonly options: ApiServerOptions) {
		installTokenController(options.store, options.tokens);
		installRootCaPublisher(options.store);
		this.listener = createListener({name: options.name, tls: options.tls ?? true, http2: options.http2, idleTimeoutMs: options.idleTimeoutMs, onRequest: (req, res) => this.onRequest(req, res)});
	}

	get port(): number {
		return this.listener.port;
	}

	get connections(): ConnectionStats {
		return this.listener.connections;
	}

	get url(): string {
		return `${this.listener.scheme}://127.0.0.1:${this.port}`;
	}

	async listen(wanted = 0): Promise<number> {
		const port = await this.listener.listen(wanted);
		this.mode = 'up';
		return port;
	}

	down(): Promise<void> {
		this.mode = 'down';
		this.endParked();
		this.destroyStreams();
		return this.listener.close();
	}

	close(): Promise<void> {
		return this.down();
	}

	hang(): void {
		if (this.listener.listening) this.mode = 'hang';
	}

	async up(): Promise<void> {
		if (this.listener.listening) {
			// From a hang: what hung stays failed (clients time out and retry), new requests are answered.
			this.endParked();
			this.destroyStreams();
			this.mode = 'up';
			return;
		}
		await this.listen(this.port);
	}

	expireWatches(): void {
		for (const s of [...this.streams]) if (s.kind === 'watch') s.end();
		this.options.store.expireHistory();
	}

	/**
	 * One copy of each recent path and credential for `received`: a client sends the same few on every
	 * request, and each request's own copy stayed on the heap for the last receivedLimit requests of
	 * every cluster (old space, which a 1,001-cluster fleet's major GCs mark again). Bounded: clients choose them.
	 */
	private readonly keptStrings = new Map<string, string>();

	private kept(value: string): string {
		const known = this.keptStrings.get(value);
		if (known !== undefined) return known;
		if (this.keptStrings.size >= 64) this.keptStrings.clear();
		this.keptStrings.set(value, value);
		return value;
	}

	private onRequest(req: IncomingMessage, res: ServerResponse): void {
		const {authorization} = req.headers;
		const impersonateUser = req.headers['impersonate-user'];
		// Built field by field: spreads of conditional objects took V8's slow path on every request.
		const received: ReceivedRequest = {method: req.method ?? '', path: this.kept(req.url ?? '')};
		if (authorization !== undefined) received.authorization = this.kept(authorization);
		if (impersonateUser !== undefined) received.impersonateUser = String(impersonateUser);
		this.received.push(received);
		if (this.received.length > receivedLimit) this.received.splice(0, this.received.length - receivedLimit);
		if (this.mode === 'hang') {
			// Hanging: read nothing, answer nothing; up() or down() ends these.
			this.parked.add(res);
			res.on('close', () => this.parked.delete(res));
			return;
		}
		res.on('error', ignore);
		// Most requests are answered synchronously: no promise chain for them (an async handle, router
		// and handler made three promises and their reactions a request). A failure is answered the same
		// whether thrown at once or later.
		try {
			this.handle(req, res)?.catch((error: unknown) => fail(res, error));
		} catch (error) {
			fail(res, error);
		}
	}

	private handle(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
		const {store, tokens} = this.options;
		let url: RequestUrl;
		try {
			url = requestUrl(req.url ?? '/');
		} catch {
			throw new ApiError(400, 'BadRequest', `the request URL is malformed: ${req.url}`);
		}
		const request: NonResourceRequest = {req, res, url, store, host: this.host()};
		if (publicPaths.has(url.pathname) && serveNonResource(request)) return;
		const identity = authenticate(store, tokens, req);
		request.identity = identity;
		if (serveNonResource(request)) return;
		const path = parseResourcePath(url.pathname);
		if (!path) throw notFoundPath();
		return serveResource({
			req, res, url, store, tokens, path,
			stalled: this.stalled,
			track: this.trackStream,
			bookmarkIntervalMs: this.options.bookmarkIntervalMs,
		}, identity);
	}

	/** host:port as /api's serverAddressByClientCIDRs gives it, made again only when the port changes. */
	private hostPort = {port: -1, host: ''};

	private host(): string {
		const port = this.port;
		if (this.hostPort.port !== port) this.hostPort = {port, host: `127.0.0.1:${port}`};
		return this.hostPort.host;
	}

	/** Handed to every resource request: made once, not two closures a request. */
	private readonly stalled = () => this.mode === 'hang';
	private readonly trackStream = (handle: WatchHandle) => this.track(handle);

	private track(handle: WatchHandle): () => void {
		this.streams.add(handle);
		return () => {
			this.streams.delete(handle);
		};
	}

	private endParked(): void {
		for (const res of this.parked) res.destroy();
		this.parked.clear();
	}

	private destroyStreams(): void {
		for (const s of [...this.streams]) s.destroy();
		this.streams.clear();
	}
}

export function createApiServer(options: ApiServerOptions): ApiServer {
	return new SimApiServer(options);
}
