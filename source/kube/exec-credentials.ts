// Exec credential plugins (gke-gcloud-auth-plugin, aws eks get-token, kubelogin...). client-node 1.4
// spawns the plugin on every request when it returns no expiry and never shares a running call; here
// one provider per context caches the credential (until status.expirationTimestamp, else for a TTL or
// until a 401) and every concurrent request waits on the same plugin run.

import {spawn} from 'node:child_process';
import {KubeError} from './errors.js';
import {registerSecret} from './secret-values.js';

export type ExecConfig = {
	/** Absolute when the kubeconfig gave a path; a bare name is looked up on PATH. */
	command: string;
	/** The command as written in the kubeconfig, for messages. */
	displayCommand: string;
	args: string[];
	env: Array<{name: string; value: string}>;
	apiVersion: string;
	installHint?: string;
	provideClusterInfo: boolean;
};

export type ExecCredential = {
	token?: string;
	clientCertificateData?: string;
	clientKeyData?: string;
	/** Epoch ms; undefined when the plugin gave no expiry (then a TTL applies). */
	expiresAt?: number;
};

export type ExecProviderOptions = {
	context: string;
	/** For KUBERNETES_EXEC_INFO when provideClusterInfo is set. */
	cluster?: {server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string};
	/** How long a credential without expiry is reused. */
	ttlMs?: number;
	/** Refresh this long before the stated expiry, so a request does not race it. */
	skewMs?: number;
	/** Kill a plugin that takes longer than this. */
	pluginTimeoutMs?: number;
	now?: () => number;
};

const supportedVersions = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']);

/**
 * At most this many plugins run at once, process-wide: with hundreds of contexts a cold start would
 * otherwise fork hundreds of gcloud/aws processes on a small jump host at the same moment.
 */
export const maxConcurrentPlugins = 4;
let runningPlugins = 0;
const waitingPlugins: Array<() => void> = [];

async function withPluginSlot<T>(fn: () => Promise<T>): Promise<T> {
	if (runningPlugins >= maxConcurrentPlugins) await new Promise<void>((resolve) => waitingPlugins.push(resolve));
	runningPlugins++;
	try {
		return await fn();
	} finally {
		runningPlugins--;
		waitingPlugins.shift()?.();
	}
}

const contextMark = '\u0000context\u0000';

/**
 * A plugin failure. One provider may serve several contexts (those sharing a kubeconfig user), so the
 * message is kept as a template and each client names its own context with forContext().
 */
export class ExecError extends KubeError {
	constructor(
		readonly template: string,
		context: string,
		cause?: unknown,
	) {
		super({kind: 'exec', message: template.split(contextMark).join(context), context, cause});
	}

	forContext(context: string): ExecError {
		return context === this.context ? this : new ExecError(this.template, context, this.cause);
	}
}

export class ExecCredentialProvider {
	private cached?: ExecCredential & {obtainedAt: number};
	private inflight?: Promise<ExecCredential>;
	private readonly ttlMs: number;
	private readonly skewMs: number;
	private readonly pluginTimeoutMs: number;
	private readonly now: () => number;
	/** How many times the plugin was started (for tests and diagnostics). */
	runs = 0;

	constructor(
		private readonly config: ExecConfig,
		private readonly options: ExecProviderOptions,
	) {
		this.ttlMs = options.ttlMs ?? 5 * 60_000;
		this.skewMs = options.skewMs ?? 10_000;
		this.pluginTimeoutMs = options.pluginTimeoutMs ?? 60_000;
		this.now = options.now ?? Date.now;
	}

	get command(): string {
		return this.config.displayCommand;
	}

	/** A valid credential: the cached one, the one being fetched, or a fresh plugin run. */
	get(): Promise<ExecCredential> {
		const cached = this.cached;
		if (cached && this.fresh(cached)) return Promise.resolve(cached);
		if (!this.inflight) {
			this.inflight = withPluginSlot(() => this.run()).then(
				(credential) => {
					this.cached = {...credential, obtainedAt: this.now()};
					this.inflight = undefined;
					return credential;
				},
				(error: unknown) => {
					this.inflight = undefined;
					throw error;
				},
			);
		}
		return this.inflight;
	}

	/**
	 * Forget a credential the server refused (401). Only forgets `credential` itself, so a request
	 * holding an old credential cannot throw away a newer one that another request just fetched.
	 */
	invalidate(credential?: ExecCredential): void {
		if (!this.cached) return;
		if (credential === undefined || this.cached.token === credential.token) this.cached = undefined;
	}

	private fresh(credential: ExecCredential & {obtainedAt: number}): boolean {
		const now = this.now();
		if (credential.expiresAt !== undefined) return now < credential.expiresAt - this.skewMs;
		return now - credential.obtainedAt < this.ttlMs;
	}

	private fail(template: string, cause?: unknown): ExecError {
		return new ExecError(template, this.options.context, cause);
	}

	private run(): Promise<ExecCredential> {
		const {config} = this;
		const name = config.displayCommand;
		if (!supportedVersions.has(config.apiVersion)) {
			return Promise.reject(
				this.fail(`exec plugin "${name}" asks for ${config.apiVersion}, which is not supported (context ${contextMark}); use client.authentication.k8s.io/v1 or v1beta1`),
			);
		}
		const execInfo = {
			apiVersion: config.apiVersion,
			kind: 'ExecCredential',
			spec: {interactive: false, ...(config.provideClusterInfo && this.options.cluster ? {cluster: this.options.cluster} : {})},
		};
		const env: NodeJS.ProcessEnv = {...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo)};
		for (const {name: key, value} of config.env) env[key] = value;
		this.runs++;
		return new Promise<ExecCredential>((resolve, reject) => {
			let stdout = '';
			let stderr = '';
			let settled = false;
			const settle = (error: KubeError | undefined, credential?: ExecCredential) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				if (error) reject(error);
				else resolve(credential!);
			};
			const child = spawn(config.command, config.args, {env, stdio: ['ignore', 'pipe', 'pipe']});
			const timer = setTimeout(() => {
				child.kill('SIGKILL');
				settle(this.fail(`exec plugin "${name}" gave no credential within ${Math.round(this.pluginTimeoutMs / 1000)}s (context ${contextMark})`));
			}, this.pluginTimeoutMs);
			timer.unref?.();
			child.stdout.setEncoding('utf8');
			child.stderr.setEncoding('utf8');
			child.stdout.on('data', (chunk: string) => (stdout += chunk));
			child.stderr.on('data', (chunk: string) => {
				// Keep the tail: that is where a plugin says what went wrong.
				stderr = (stderr + chunk).slice(-4000);
			});
			child.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'ENOENT') {
					const where = config.command.includes('/') ? `at ${config.command}` : 'on PATH';
					const hint = config.installHint ? `: ${config.installHint.trim()}` : '';
					settle(this.fail(`exec plugin "${name}" not found ${where} (context ${contextMark})${hint}`, error));
				} else if (error.code === 'EACCES') {
					settle(this.fail(`exec plugin "${name}" is not executable (context ${contextMark})`, error));
				} else settle(this.fail(`exec plugin "${name}" could not start: ${error.message} (context ${contextMark})`, error));
			});
			child.on('close', (code, signal) => {
				if (code !== 0) {
					const detail = stderr.trim() || `no output on stderr`;
					const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
					settle(this.fail(`exec plugin "${name}" ${how} (context ${contextMark}): ${detail}`));
					return;
				}
				try {
					settle(undefined, this.parse(stdout));
				} catch (error) {
					settle(error as KubeError);
				}
			});
		});
	}

	private parse(stdout: string): ExecCredential {
		const name = this.config.displayCommand;
		let doc: {apiVersion?: string; kind?: string; status?: Record<string, unknown>};
		try {
			doc = JSON.parse(stdout) as typeof doc;
		} catch {
			throw this.fail(`exec plugin "${name}" printed no ExecCredential JSON (context ${contextMark}): ${stdout.trim().slice(0, 200) || 'empty output'}`);
		}
		if (doc?.kind !== 'ExecCredential' || !doc.status) {
			throw this.fail(`exec plugin "${name}" printed ${doc?.kind ?? 'an object'} without status, expected an ExecCredential (context ${contextMark})`);
		}
		if (doc.apiVersion && doc.apiVersion !== this.config.apiVersion) {
			throw this.fail(`exec plugin "${name}" answered with ${doc.apiVersion} but the kubeconfig asks for ${this.config.apiVersion} (context ${contextMark})`);
		}
		const status = doc.status;
		const token = typeof status.token === 'string' && status.token ? status.token : undefined;
		registerSecret(token);
		const cert = typeof status.clientCertificateData === 'string' ? status.clientCertificateData : undefined;
		const key = typeof status.clientKeyData === 'string' ? status.clientKeyData : undefined;
		if (!token && !(cert && key)) {
			throw this.fail(`exec plugin "${name}" returned neither a token nor a client certificate and key (context ${contextMark})`);
		}
		let expiresAt: number | undefined;
		if (typeof status.expirationTimestamp === 'string') {
			const t = Date.parse(status.expirationTimestamp);
			if (!Number.isNaN(t)) expiresAt = t;
		}
		return {token, clientCertificateData: cert, clientKeyData: key, expiresAt};
	}
}
