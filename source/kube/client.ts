// A thin HTTP(S) client per kubeconfig context. Why not client-node's: 1.4 sets no request timeout,
// opens a new TCP/TLS connection per request, re-reads the (shared, mutable) current user at request
// time, and re-runs exec plugins on every request. Here every context has its own frozen settings, ONE
// connection (HTTP/2, every list and watch a stream of it; HTTP/1.1 keep-alive where the server has no
// h2: see transport.ts), a timeout and an AbortSignal on every request, and errors that carry the
// server's own message.

import {createHash} from 'node:crypto';
import fs from 'node:fs';
import type {Readable} from 'node:stream';
import {StringDecoder} from 'node:string_decoder';
import tls from 'node:tls';
import {KubeError, isUnreachableCode, kindForStatus, parseForbidden} from './errors.js';
import {ExecCredentialProvider, ExecError, type ExecClusterInfo, type ExecCredential} from './exec-credentials.js';
import type {ContextEntry, FleetConfig} from './kubeconfig.js';
import {describeRequest, queryString} from './paths.js';
import {isPlainHttp, withheldCredentials} from './plain-http.js';
import {formatDuration} from './duration.js';
import {registerSecret} from './secret-values.js';
import {displayProxy, openVia, ProxyError} from './proxy.js';
import type {TerminalLender} from './terminal.js';
import {createTransport, type ConnectionFactory, type Protocol, type Transport} from './transport.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestOptions = {
	method?: HttpMethod;
	/** Path under the server URL, e.g. /apis/operator.tigera.io/v1/tigerastatuses. */
	path: string;
	query?: Record<string, string | number | boolean | undefined>;
	/** An object is sent as JSON; a string as is. */
	body?: unknown;
	/** Default: application/json, or application/merge-patch+json for PATCH. */
	contentType?: string;
	accept?: string;
	/** Overrides the client's default timeout (0: none). For stream(): only until the response headers arrive. */
	timeoutMs?: number;
	signal?: AbortSignal;
};

export type StreamOptions = RequestOptions & {
	onLine: (line: string) => void;
	/** Called once the server accepted the stream (2xx headers): from here on only the caller's watchdog applies. */
	onOpen?: () => void;
};

export interface ClusterClient {
	readonly context: string;
	readonly server: string;
	/** The context's default namespace. */
	readonly namespace: string;
	/** The default per-request timeout. */
	readonly requestTimeoutMs?: number;
	/** Parsed JSON (undefined for an empty body). Throws KubeError. */
	request<T = unknown>(options: RequestOptions): Promise<T>;
	requestText(options: RequestOptions): Promise<string>;
	/**
	 * Calls onLine for every non-empty line of the response body. Resolves when the server ends the
	 * stream; rejects with KubeError. No total timeout, only one until the headers: watchdogs are the
	 * caller's. Abort with the signal.
	 */
	stream(options: StreamOptions): Promise<void>;
	/** Close the connection(s); later requests fail with kind 'aborted'. */
	close(): void;
	/** What the server speaks, once the first connection told (h2, or http/1.1 as a fallback). */
	readonly protocol?: Protocol;
	/** Set when the kubeconfig's credentials are withheld from a non-TLS server: says so, and why (plain-http.ts). */
	readonly withheld?: string;
}

export type ClientOptions = {
	requestTimeoutMs: number;
	/** Sockets per cluster on an HTTP/1.1-only server (watches hold one each). Default 8. With h2 there is one. */
	maxSockets?: number;
	/** Where connections come from (a proxy tunnel); default: dial the server. See transport.ts. */
	createConnection?: ConnectionFactory;
	/** After a request timed out, how long an HTTP/2 PING may go unanswered before the connection is dropped. Default 15 s. */
	pingTimeoutMs?: number;
	userAgent?: string;
	/** For exec credentials without an expiry. */
	execTtlMs?: number;
	/** The terminal, lent to exec plugins that need a person (interactiveMode IfAvailable/Always). */
	terminal?: TerminalLender;
};

type CreateOptions = ClientOptions & {
	/** A provider shared with other contexts of the same user. */
	exec?: ExecCredentialProvider;
};

export function createClients(config: FleetConfig, options: ClientOptions): Map<string, ClusterClient> {
	const clients = new Map<string, ClusterClient>();
	// Contexts that share a kubeconfig user share its exec credential (one plugin run for all of them),
	// unless the plugin is told which cluster it is for.
	const providers = new Map<string, ExecCredentialProvider>();
	for (const info of config.contexts) {
		const entry = config.entries.get(info.name);
		if (!entry) continue;
		let exec: ExecCredentialProvider | undefined;
		// No plugin runs for an http:// server: its credential would not be sent (plain-http.ts).
		if (entry.user.exec && !entry.user.exec.provideClusterInfo && !isPlainHttp(entry.cluster.server)) {
			exec = providers.get(entry.user.name);
			if (!exec) {
				exec = new ExecCredentialProvider(entry.user.exec, {context: info.name, ttlMs: options.execTtlMs, pluginTimeoutMs: pluginTimeout(options), terminal: options.terminal});
				providers.set(entry.user.name, exec);
			}
		}
		clients.set(info.name, createClient(entry, {...options, exec}));
	}
	return clients;
}

/** KUBERNETES_EXEC_INFO's spec.cluster for provideClusterInfo, as client-go builds it. */
function execClusterInfo(entry: ContextEntry): ExecClusterInfo {
	const {cluster} = entry;
	let caData = cluster.certificateAuthorityData;
	if (!caData && cluster.certificateAuthority) {
		try {
			caData = fs.readFileSync(cluster.certificateAuthority).toString('base64');
		} catch {
			// the request itself reports the unreadable file
		}
	}
	return {
		server: cluster.server,
		...(cluster.tlsServerName ? {'tls-server-name': cluster.tlsServerName} : {}),
		...(cluster.insecureSkipTlsVerify ? {'insecure-skip-tls-verify': true} : {}),
		...(caData ? {'certificate-authority-data': caData} : {}),
		...(cluster.proxyUrl ? {'proxy-url': cluster.proxyUrl} : {}),
		...(cluster.execExtension !== undefined ? {config: cluster.execExtension} : {}),
	};
}

/** A plugin gets as long as a request: the request waiting for it gives up then anyway. */
function pluginTimeout(options: ClientOptions): number | undefined {
	return options.requestTimeoutMs > 0 && Number.isFinite(options.requestTimeoutMs) ? options.requestTimeoutMs : undefined;
}

type TlsMaterial = {ca?: Buffer; cert?: Buffer; key?: Buffer};

/**
 * Given `ca`/`cert`/`key`, an https.Agent builds a new SecureContext (parsing the CA and the default
 * root store) for every connection it opens: with a fleet of hundreds of clusters that is most of the
 * start-up CPU. Contexts are immutable, so one per distinct set of PEMs serves every client using it
 * (a fleet behind one CA shares one).
 */
const secureContexts = new Map<string, tls.SecureContext>();
function sharedSecureContext(ca?: Buffer, cert?: Buffer, key?: Buffer): tls.SecureContext {
	const hash = createHash('sha256');
	for (const part of [ca, cert, key]) hash.update(part ?? '').update('\0');
	const id = hash.digest('hex');
	let context = secureContexts.get(id);
	if (!context) {
		context = tls.createSecureContext({ca, cert, key});
		secureContexts.set(id, context);
	}
	return context;
}

type Prepared = {headers: Record<string, string>; transport: Transport; credential?: ExecCredential};

const decodeBase64 = (data: string) => Buffer.from(data, 'base64');

export function createClient(entry: ContextEntry, options: CreateOptions): ClusterClient {
	return new HttpClusterClient(entry, options);
}

class HttpClusterClient implements ClusterClient {
	readonly context: string;
	readonly server: string;
	readonly namespace: string;
	readonly requestTimeoutMs: number;
	readonly withheld?: string;
	private readonly url: URL;
	private readonly secure: boolean;
	private readonly maxSockets: number;
	private readonly userAgent: string;
	private readonly exec?: ExecCredentialProvider;
	private readonly createConnection?: ConnectionFactory;
	private readonly pingTimeoutMs?: number;
	private tls?: TlsMaterial;
	private transport?: Transport;
	/** The connection for client certificates handed out by an exec plugin, by cert+key. */
	private execTransport?: {key: string; transport: Transport};
	private readonly retiredTransports: Transport[] = [];
	private tokenFileCache?: {token: string; readAt: number};
	private closed = false;

	constructor(
		private readonly entry: ContextEntry,
		options: CreateOptions,
	) {
		this.context = entry.info.name;
		this.server = entry.cluster.server;
		this.namespace = entry.info.namespace;
		this.requestTimeoutMs = options.requestTimeoutMs;
		this.url = new URL(entry.cluster.server);
		this.secure = this.url.protocol === 'https:';
		this.withheld = withheldCredentials(entry);
		this.maxSockets = options.maxSockets ?? 8;
		this.userAgent = options.userAgent ?? 'calico-mcm';
		this.createConnection = options.createConnection;
		this.pingTimeoutMs = options.pingTimeoutMs;
		if (!this.secure) this.exec = undefined;
		else if (options.exec) this.exec = options.exec;
		else if (entry.user.exec) {
			this.exec = new ExecCredentialProvider(entry.user.exec, {
				context: this.context,
				ttlMs: options.execTtlMs,
				pluginTimeoutMs: pluginTimeout(options),
				terminal: options.terminal,
				cluster: execClusterInfo(entry),
			});
		}
	}

	/** Exposed for tests and diagnostics: how often the exec plugin ran. */
	get execRuns(): number {
		return this.exec?.runs ?? 0;
	}

	async request<T>(options: RequestOptions): Promise<T> {
		const text = await this.requestText({accept: 'application/json', ...options});
		if (text.trim() === '') return undefined as T;
		try {
			return JSON.parse(text) as T;
		} catch {
			const {method = 'GET', path} = options;
			throw new KubeError({
				kind: 'server',
				message: `the server answered ${method} ${path} with something that is not JSON: ${text.slice(0, 120)}`,
				context: this.context,
			});
		}
	}

	async requestText(options: RequestOptions): Promise<string> {
		const chunks: string[] = [];
		await this.perform(options, false, undefined, (text) => chunks.push(text));
		return chunks.join('');
	}

	async stream(options: StreamOptions): Promise<void> {
		let pending = '';
		const {onLine, onOpen} = options;
		await this.perform(options, true, onOpen, (text, end) => {
			pending += text;
			let newline: number;
			while ((newline = pending.indexOf('\n')) !== -1) {
				const line = pending.slice(0, newline).replace(/\r$/, '');
				pending = pending.slice(newline + 1);
				if (line.trim() !== '') onLine(line);
			}
			if (end && pending.trim() !== '') {
				const last = pending;
				pending = '';
				onLine(last);
			}
		});
	}

	get protocol(): Protocol | undefined {
		return (this.execTransport?.transport ?? this.transport)?.protocol;
	}

	close(): void {
		this.closed = true;
		this.exec?.close();
		this.transport?.close();
		this.execTransport?.transport.close();
		for (const transport of this.retiredTransports) transport.close();
		this.transport = undefined;
		this.execTransport = undefined;
		this.retiredTransports.length = 0;
	}

	// --- internals ---

	private error(init: Omit<ConstructorParameters<typeof KubeError>[0], 'context'>): KubeError {
		return new KubeError({...init, context: this.context});
	}

	private loadTls(): TlsMaterial {
		if (this.tls) return this.tls;
		const {cluster, user} = this.entry;
		const read = (file: string, what: string) => {
			try {
				return fs.readFileSync(file);
			} catch (error) {
				throw this.error({
					kind: 'config',
					message: `cannot read the ${what} ${file} named by ${what === 'certificate authority' ? `cluster "${cluster.name}"` : `user "${user.name}"`} in ${cluster.file}: ${(error as Error).message}`,
				});
			}
		};
		const tls: TlsMaterial = {};
		if (cluster.certificateAuthorityData) tls.ca = decodeBase64(cluster.certificateAuthorityData);
		else if (cluster.certificateAuthority) tls.ca = read(cluster.certificateAuthority, 'certificate authority');
		if (user.clientCertificateData) tls.cert = decodeBase64(user.clientCertificateData);
		else if (user.clientCertificate) tls.cert = read(user.clientCertificate, 'client certificate');
		if (user.clientKeyData) tls.key = decodeBase64(user.clientKeyData);
		else if (user.clientKey) tls.key = read(user.clientKey, 'client key');
		this.tls = tls;
		return tls;
	}

	private makeTransport(extra: {cert?: Buffer; key?: Buffer} = {}): Transport {
		const common = {
			url: this.url,
			maxSockets: this.maxSockets,
			createConnection: this.connectionFactory(),
			pingTimeoutMs: this.pingTimeoutMs,
			connectTimeoutMs: this.requestTimeoutMs > 0 ? this.requestTimeoutMs : undefined,
		};
		if (!this.secure) return createTransport(common);
		const tls = this.loadTls();
		const {cluster} = this.entry;
		return createTransport({
			...common,
			tls: {
				secureContext: sharedSecureContext(tls.ca, extra.cert ?? tls.cert, extra.key ?? tls.key),
				rejectUnauthorized: !cluster.insecureSkipTlsVerify,
				servername: cluster.tlsServerName,
			},
		});
	}

	/** Tunnels still being opened through the cluster's proxy: a timeout then blames the proxy. */
	private tunnelsOpening = 0;

	/**
	 * Connections of a cluster behind a proxy start as tunnels (proxy.ts); TLS and HTTP/2 or HTTP/1.1
	 * run inside them as on a direct connection (the transport's socket hook).
	 */
	private connectionFactory(): ConnectionFactory | undefined {
		if (this.createConnection) return this.createConnection;
		const route = this.entry.cluster.proxy;
		if (!route) return undefined;
		return async ({host, port}, signal) => {
			this.tunnelsOpening++;
			try {
				return await openVia(route, host.replace(/^\[|\]$/g, ''), port, signal);
			} finally {
				this.tunnelsOpening--;
			}
		};
	}

	private transportFor(credential?: ExecCredential): Transport {
		if (credential?.clientCertificateData && credential.clientKeyData) {
			const key = `${credential.clientCertificateData}\n${credential.clientKeyData}`;
			if (this.execTransport?.key !== key) {
				if (this.execTransport) this.retiredTransports.push(this.execTransport.transport);
				this.execTransport = {
					key,
					transport: this.makeTransport({cert: Buffer.from(credential.clientCertificateData), key: Buffer.from(credential.clientKeyData)}),
				};
			}
			return this.execTransport.transport;
		}
		this.transport ??= this.makeTransport();
		return this.transport;
	}

	private readTokenFile(file: string, force: boolean): string {
		const now = Date.now();
		// Projected service-account tokens rotate; kubectl re-reads the file about once a minute.
		if (!force && this.tokenFileCache && now - this.tokenFileCache.readAt < 60_000) return this.tokenFileCache.token;
		try {
			const token = fs.readFileSync(file, 'utf8').trim();
			registerSecret(token);
			this.tokenFileCache = {token, readAt: now};
			return token;
		} catch (error) {
			throw this.error({kind: 'config', message: `cannot read the token file ${file} of user "${this.entry.user.name}": ${(error as Error).message}`});
		}
	}

	private async prepare(refresh: boolean, signal: AbortSignal): Promise<Prepared> {
		const {user} = this.entry;
		const headers: Record<string, string> = {'User-Agent': this.userAgent};
		// As kubectl: no credential of any kind (nor impersonation) to a server without TLS.
		if (!this.secure) return {headers, transport: this.transportFor()};
		if (user.authProvider) {
			throw this.error({
				kind: 'config',
				message: `user "${user.name}" in ${user.file} uses auth-provider "${user.authProvider}", which calico-mcm does not support; switch the user to an exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)`,
			});
		}
		let credential: ExecCredential | undefined;
		if (this.exec) {
			const exec = this.exec;
			try {
				credential = await raceAbort(exec.get(), signal);
			} catch (error) {
				if (error instanceof ExecError) throw error.forContext(this.context);
				// The request's deadline passed while the plugin ran: that is the plugin's delay, not the server's.
				if (error instanceof KubeError && error.kind === 'timeout') {
					const within = error.message.replace(/^no answer within (\S+).*$/s, '$1');
					if (exec.prompting) {
						throw this.error({kind: 'exec', message: `context ${this.context} waits for a login in the terminal (exec plugin "${exec.command}"); it is retried when the login is done`});
					}
					throw this.error({kind: 'exec', message: `exec plugin "${exec.command}" gave no credential within ${within} (context ${this.context}); nothing was sent to ${this.server}${exec.runningOutput()}`});
				}
				throw error;
			}
			if (credential.token) headers.Authorization = `Bearer ${credential.token}`;
		} else if (user.token) headers.Authorization = `Bearer ${user.token}`;
		else if (user.tokenFile) headers.Authorization = `Bearer ${this.readTokenFile(user.tokenFile, refresh)}`;
		else if (user.username !== undefined && user.password !== undefined) {
			headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
		}
		if (user.impersonate) headers['Impersonate-User'] = user.impersonate;
		return {headers, transport: this.transportFor(credential), credential};
	}

	/** One request, with the 401-refresh retry and the keep-alive reset retry. */
	private async perform(options: RequestOptions, streaming: boolean, onOpen: (() => void) | undefined, onData: (text: string, end: boolean) => void): Promise<void> {
		const method = options.method ?? 'GET';
		const query = queryString(options.query);
		const path = `${this.url.pathname.replace(/\/+$/, '')}${options.path}`;
		const fullPath = query ? `${path}?${query}` : path;
		const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
		const what = `${method} ${options.path}`;
		if (this.closed) throw this.error({kind: 'aborted', message: `the client for context ${this.context} is closed (${what})`});

		// One controller for this request: the deadline and the caller's signal both abort it, with the reason.
		const local = new AbortController();
		const onCallerAbort = () => local.abort(this.error({kind: 'aborted', message: `aborted (${what})`}));
		if (options.signal?.aborted) throw this.error({kind: 'aborted', message: `aborted (${what})`});
		options.signal?.addEventListener('abort', onCallerAbort, {once: true});
		// 0 means no timeout, as kubectl's --request-timeout=0 (setTimeout would fire at once for 0 or Infinity).
		let timer: NodeJS.Timeout | undefined =
			timeoutMs > 0 && Number.isFinite(timeoutMs)
				? setTimeout(() => {
						local.abort(this.error({kind: 'timeout', message: `no answer within ${formatDuration(timeoutMs)} (${what})`}));
					}, Math.min(timeoutMs, 2 ** 31 - 1))
				: undefined;
		const stopTimer = () => {
			if (timer) clearTimeout(timer);
			timer = undefined;
		};

		let body: string | undefined;
		let contentType = options.contentType;
		if (options.body !== undefined) {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			contentType ??= method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
		}

		try {
			for (let attempt = 0; ; attempt++) {
				const prepared = await this.prepare(attempt > 0, local.signal);
				if (this.closed) throw this.error({kind: 'aborted', message: `the client for context ${this.context} is closed (${what})`});
				const retryable = attempt === 0;
				const outcome = await this.once({method, fullPath, body, contentType, accept: options.accept, what, streaming, prepared, retryable, signal: local.signal, stopTimer, onOpen, onData});
				if (outcome === 'done') return;
				if (outcome === 'retry-auth') this.exec?.invalidate(prepared.credential);
			}
		} finally {
			stopTimer();
			options.signal?.removeEventListener('abort', onCallerAbort);
		}
	}

	private once(args: {
		method: HttpMethod;
		fullPath: string;
		body?: string;
		contentType?: string;
		accept?: string;
		what: string;
		streaming: boolean;
		prepared: Prepared;
		/** First attempt: a 401 with refreshable credentials, or a reset keep-alive socket, may be retried once. */
		retryable: boolean;
		signal: AbortSignal;
		stopTimer: () => void;
		onOpen?: () => void;
		onData: (text: string, end: boolean) => void;
	}): Promise<'done' | 'retry-auth' | 'retry-reset'> {
		const {method, fullPath, what, prepared, signal} = args;
		if (signal.aborted) return Promise.reject(signal.reason);
		const headers: Record<string, string> = {...prepared.headers, Accept: args.accept ?? 'application/json'};
		if (args.body !== undefined) {
			headers['Content-Type'] = args.contentType!;
			headers['Content-Length'] = String(Buffer.byteLength(args.body));
		}
		const canRefreshAuth = args.retryable && this.secure && Boolean(this.exec || this.entry.user.tokenFile);
		return new Promise((resolve, reject) => {
			let settled = false;
			const finish = (error?: unknown, outcome: 'done' | 'retry-auth' | 'retry-reset' = 'done') => {
				if (settled) return;
				settled = true;
				signal.removeEventListener('abort', onAbort);
				if (error) reject(error);
				else resolve(outcome);
			};
			let cancel = () => {};
			const onAbort = () => {
				cancel();
				const route = this.entry.cluster.proxy;
				const reason: unknown = signal.reason;
				// Still waiting for a tunnel: the proxy is what did not answer.
				if (route && this.tunnelsOpening > 0 && reason instanceof KubeError && reason.kind === 'timeout') {
					const within = reason.message.replace(/^no answer within (\S+).*$/s, '$1');
					return finish(this.error({kind: 'unreachable', message: `proxy ${displayProxy(route.url)} (${route.source}) did not open a tunnel to ${this.url.host} within ${within} (${what})`}));
				}
				finish(reason);
				// A request that timed out on a shared connection: make sure the connection itself still answers.
				if (reason instanceof KubeError && reason.kind === 'timeout') prepared.transport.suspect();
			};
			signal.addEventListener('abort', onAbort, {once: true});

			const onResponse = (status: number, res: Readable) => {
				if (settled) return;
				if (status >= 400) {
					collect(res, (text, err) => {
						if (signal.aborted) return finish(signal.reason);
						if (err) return finish(this.socketError(err, what));
						if (status === 401 && canRefreshAuth) return finish(undefined, 'retry-auth');
						finish(this.statusError(status, text, args.method, fullPath, what));
					});
					return;
				}
				if (args.streaming) {
					args.stopTimer();
					try {
						args.onOpen?.();
					} catch (error) {
						cancel();
						return finish(error);
					}
				}
				const decoder = new StringDecoder('utf8');
				let ended = false;
				res.on('data', (chunk: Buffer) => {
					if (settled) return;
					try {
						args.onData(decoder.write(chunk), false);
					} catch (error) {
						cancel();
						finish(error);
					}
				});
				res.on('end', () => {
					ended = true;
					if (settled) return;
					try {
						args.onData(decoder.end(), true);
					} catch (error) {
						return finish(error);
					}
					finish();
				});
				res.on('error', (error: NodeJS.ErrnoException) => {
					if (signal.aborted) return finish(signal.reason);
					finish(this.socketError(error, what));
				});
				res.on('close', () => {
					if (ended || settled) return;
					if (signal.aborted) return finish(signal.reason);
					finish(this.error({kind: 'unreachable', message: `the server closed the connection before the response ended (${what})`}));
				});
			};
			const onError = (error: NodeJS.ErrnoException, stale: boolean) => {
				if (signal.aborted) return finish(signal.reason);
				// A connection that died under the request (idle keep-alive socket, session going away): the
				// server never saw it; an idempotent request gets a fresh connection.
				if (args.retryable && stale && replayable(method, args.contentType)) return finish(undefined, 'retry-reset');
				finish(this.socketError(error, what));
			};
			cancel = prepared.transport.send({method, path: fullPath, headers, body: args.body}, {onResponse, onError});
		});
	}

	private socketError(error: NodeJS.ErrnoException, what: string): KubeError {
		if (error instanceof KubeError) return error;
		if (error instanceof ProxyError) return this.error({kind: 'unreachable', message: `${error.message} (${what})`, cause: error});
		const code = error.code;
		// Node says just "aborted" (ECONNRESET) when a response is cut off: say what happened.
		const message = error.message === 'aborted' ? 'the server closed the connection before the response ended' : error.message || String(code);
		if (isUnreachableCode(code)) return this.error({kind: 'unreachable', message: `${message} (${what})`, cause: error});
		// TLS failures (unknown CA, wrong host name, expired cert) make the server unusable: report them as
		// such, pointing at the kubeconfig fields that decide them.
		const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/.test(code);
		const hint = tls ? `; check certificate-authority(-data) and tls-server-name of cluster "${this.entry.cluster.name}" in ${this.entry.cluster.file}` : '';
		return this.error({kind: 'unreachable', message: `${message}${code && !message.includes(code) ? ` (${code})` : ''} (${what})${hint}`, cause: error});
	}

	private statusError(status: number, text: string, method: HttpMethod, fullPath: string, what: string): KubeError {
		let body: {kind?: string; message?: string; reason?: string} | undefined;
		try {
			body = JSON.parse(text) as typeof body;
		} catch {
			body = undefined;
		}
		const serverMessage = (body?.kind === 'Status' || body?.message ? body?.message : undefined) ?? (text.trim().slice(0, 300) || `HTTP ${status}`);
		const kind = kindForStatus(status);
		const [path, rawQuery] = fullPath.split('?');
		const query = Object.fromEntries(new URLSearchParams(rawQuery ?? ''));
		const described = describeRequest(method, path!.slice(this.url.pathname.replace(/\/+$/, '').length), query);
		let message = serverMessage;
		let verb: string | undefined;
		let resource: string | undefined;
		if (kind === 'forbidden') {
			const parsed = parseForbidden(serverMessage);
			verb = parsed.verb ?? described.verb;
			resource = parsed.resource ?? described.resource;
		} else {
			verb = described.verb;
			resource = described.resource;
		}
		if ((kind === 'unauthorized' || kind === 'forbidden') && this.withheld) {
			// Refused because nothing was sent: the reason comes first, where a row has room for it.
			message = `${this.withheld}; the server refused the anonymous request: ${serverMessage} (${what})`;
		} else if (kind === 'unauthorized') {
			const user = this.entry.user.name ? `user "${this.entry.user.name}"` : 'the anonymous user';
			message = `${serverMessage}: the server refused the credentials of ${user} (${what})`;
		} else if (kind === 'server' || kind === 'timeout') {
			message = `${serverMessage} (HTTP ${status}, ${what})`;
		}
		return this.error({kind, status, reason: body?.reason, message, verb, resource, body});
	}
}

/**
 * Whether a request that hit a dead keep-alive socket may be sent again: idempotent ones only. Never a
 * POST: a create may have happened, and some creates (ManagedCluster) return data only once.
 */
function replayable(method: HttpMethod, contentType: string | undefined): boolean {
	if (method === 'GET' || method === 'PUT' || method === 'DELETE') return true;
	return method === 'PATCH' && contentType === 'application/apply-patch+yaml';
}

/** Read a whole (error) response body. */
function collect(res: Readable, done: (text: string, error?: NodeJS.ErrnoException) => void): void {
	const chunks: Buffer[] = [];
	let finished = false;
	res.on('data', (chunk: Buffer) => chunks.push(chunk));
	res.on('end', () => {
		finished = true;
		done(Buffer.concat(chunks).toString('utf8'));
	});
	res.on('error', (error: NodeJS.ErrnoException) => {
		if (finished) return;
		finished = true;
		done('', error);
	});
}

/** The promise, or the signal's reason as soon as it aborts (the promise itself keeps running for others). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) return Promise.reject(signal.reason);
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, {once: true});
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}
