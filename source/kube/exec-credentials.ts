// Exec credential plugins (gke-gcloud-auth-plugin, aws eks get-token, kubelogin...). client-node 1.4
// spawns the plugin on every request when it returns no expiry and never shares a running call; here
// one provider per context caches the credential (until status.expirationTimestamp, else for a TTL or
// until a 401) and every concurrent request waits on the same plugin run.

import {spawn, type ChildProcess} from 'node:child_process';
import {KubeError} from './errors.js';
import {registerSecret} from './secret-values.js';
import {formatDuration} from './duration.js';
import {oneAtATime, type TerminalLender} from './terminal.js';

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
	/** As client-go: IfAvailable when absent. */
	interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
};

/** spec.cluster of KUBERNETES_EXEC_INFO, as client-go's ConfigToExecCluster fills it. */
export type ExecClusterInfo = {
	server: string;
	'tls-server-name'?: string;
	'insecure-skip-tls-verify'?: boolean;
	/** base64, also when the kubeconfig names a file (client-go reads it). */
	'certificate-authority-data'?: string;
	'proxy-url'?: string;
	/** The cluster's `client.authentication.k8s.io/exec` extension. */
	config?: unknown;
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
	cluster?: ExecClusterInfo;
	/** The terminal, for plugins that need a person; absent: none can prompt. */
	terminal?: TerminalLender;
	/** How long a person has to finish a login in the terminal (default 5 minutes). */
	interactiveTimeoutMs?: number;
	/** How long a credential without expiry is reused. */
	ttlMs?: number;
	/** Refresh this long before the stated expiry, so a request does not race it. */
	skewMs?: number;
	/**
	 * Kill a plugin that takes longer than this (its whole process group). The clients pass their
	 * request timeout: a credential that cannot arrive within it is useless to the request waiting.
	 */
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

/** After a failed login in the terminal, how long until it is offered again. */
const loginRetryMs = 5 * 60_000;

/**
 * Plugins still running, by process group. A plugin is spawned as the leader of its own group so that
 * a timeout or a shutdown kills what it started too (a helper that inherited its stdout would keep the
 * pipes, and so this process, alive). The exit hook is the last line of defence for a process.exit().
 */
const runningGroups = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess): void {
	runningGroups.delete(child);
	if (child.pid !== undefined) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			try {
				child.kill('SIGKILL');
			} catch {
				// already gone
			}
		}
	}
	// A grandchild that left the group (setsid) could still hold the pipes: let go of our ends.
	child.stdout?.destroy();
	child.stderr?.destroy();
}

function trackGroup(child: ChildProcess): void {
	runningGroups.add(child);
	if (!exitHook) {
		exitHook = true;
		process.once('exit', () => {
			for (const running of [...runningGroups]) killGroup(running);
		});
	}
}

/**
 * A plugin failure. One provider may serve several contexts (those sharing a kubeconfig user), so the
 * message is kept as a template and each client names its own context with forContext().
 */
export class ExecError extends KubeError {
	/** The plugin ran and exited non-zero: with a terminal, it may succeed when it can prompt. */
	exited = false;

	constructor(
		readonly template: string,
		context: string,
		cause?: unknown,
	) {
		super({kind: 'exec', message: template.split(contextMark).join(context), context, cause});
	}

	forContext(context: string): ExecError {
		if (context === this.context) return this;
		const error = new ExecError(this.template, context, this.cause);
		error.exited = this.exited;
		return error;
	}
}

/**
 * A plugin's stderr is shown on the row, and plugins do print secrets there (a device code, a token
 * in a debug line): mask what looks like one.
 */
export function maskPluginOutput(text: string): string {
	return text
		.replace(/-----BEGIN ([A-Z ]+)-----[\s\S]*?(-----END \1-----|$)/g, (_m, label: string) => `<${label.toLowerCase()} masked>`)
		.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, '$1****')
		.replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, m => `<token masked, ${m.length} chars>`)
		.replace(/("?(?:token|access_token|id_token|refresh_token|password|secret|clientKeyData)"?\s*[:=]\s*"?)[^\s",}]+/gi, '$1****');
}

export class ExecCredentialProvider {
	private cached?: ExecCredential & {obtainedAt: number};
	private inflight?: Promise<ExecCredential>;
	/** The plugin run in progress, killed by close(). */
	private running?: {child: ChildProcess; cancel: (error: KubeError) => void; said: () => string};
	private closed = false;
	/** A login is going on in the terminal. */
	prompting = false;
	/** The last login in the terminal failed: not offered again before `until` (the rows keep retrying). */
	private loginFailed?: {error: ExecError; until: number};
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

	/** How long one plugin run may take. */
	get timeoutMs(): number {
		return this.pluginTimeoutMs;
	}

	/** What the running plugin said on stderr so far (masked, prefixed with ": "), or ''. */
	runningOutput(): string {
		return this.running?.said() ?? '';
	}

	/** Kill a running plugin (and its process group); later calls fail at once. */
	close(): void {
		this.closed = true;
		this.running?.cancel(this.fail(`exec plugin "${this.config.displayCommand}" was stopped: calico-mcm is shutting down (context ${contextMark})`));
	}

	/** A valid credential: the cached one, the one being fetched, or a fresh plugin run. */
	get(): Promise<ExecCredential> {
		const cached = this.cached;
		if (cached && this.fresh(cached)) return Promise.resolve(cached);
		if (this.closed) return Promise.reject(this.fail(`exec plugin "${this.config.displayCommand}" was stopped: calico-mcm is shutting down (context ${contextMark})`));
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

	/** The plugin's command line, to tell a person what to run. */
	private commandLine(): string {
		const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
		return [this.config.displayCommand, ...this.config.args].map(quote).join(' ');
	}

	/** The plugin's environment, with KUBERNETES_EXEC_INFO as client-go builds it. */
	private env(interactive: boolean): NodeJS.ProcessEnv {
		const {config} = this;
		const execInfo = {
			apiVersion: config.apiVersion,
			kind: 'ExecCredential',
			spec: {interactive, ...(config.provideClusterInfo && this.options.cluster ? {cluster: this.options.cluster} : {})},
		};
		const env: NodeJS.ProcessEnv = {...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo)};
		for (const {name: key, value} of config.env) env[key] = value;
		return env;
	}

	/**
	 * interactiveMode decides who may answer a prompt. Always: the plugin gets the terminal (or, with
	 * none, the row says the context needs a login and how). IfAvailable: first without a terminal
	 * (a cached login answers at once and the console stays on screen); if that fails and there is a
	 * terminal, again with it. Never: without a terminal only.
	 */
	private async run(): Promise<ExecCredential> {
		const {config} = this;
		const name = config.displayCommand;
		if (!supportedVersions.has(config.apiVersion)) {
			throw this.fail(`exec plugin "${name}" asks for ${config.apiVersion}, which is not supported (context ${contextMark}); use client.authentication.k8s.io/v1 or v1beta1`);
		}
		const mode = config.interactiveMode ?? 'IfAvailable';
		const terminal = this.options.terminal;
		const canPrompt = terminal?.available === true;
		if (mode === 'Always') {
			if (!canPrompt) {
				throw this.fail(`context ${contextMark} needs a login: exec plugin "${name}" must prompt (interactiveMode Always) and there is no terminal here; log in first by running \`${this.commandLine()}\` in a terminal, or start calico-mcm in one`);
			}
			return this.runInTerminal(terminal!, mode);
		}
		try {
			return await this.runDetached();
		} catch (error) {
			if (!(error instanceof ExecError) || !error.exited) throw error;
			if (mode === 'IfAvailable' && canPrompt) return this.runInTerminal(terminal!, mode);
			const why = mode === 'Never' ? 'interactiveMode Never' : 'no terminal here';
			const failed = this.fail(`${error.template}; if it needs a login (${why}), run \`${this.commandLine()}\` in a terminal first`, error);
			failed.exited = true;
			throw failed;
		}
	}

	private runInTerminal(terminal: TerminalLender, mode: string): Promise<ExecCredential> {
		const name = this.config.displayCommand;
		const failed = this.loginFailed;
		if (failed && this.now() < failed.until) {
			const minutes = Math.max(1, Math.ceil((failed.until - this.now()) / 60_000));
			return Promise.reject(this.fail(`${failed.error.template}; the login is offered again in ${minutes} min`));
		}
		return oneAtATime(() => {
			if (this.closed) return Promise.reject(this.fail(`exec plugin "${name}" was stopped: calico-mcm is shutting down (context ${contextMark})`));
			this.prompting = true;
			const why = `context ${this.options.context} needs a login: exec plugin "${name}" has the terminal (interactiveMode ${mode}); calico-mcm comes back when it is done`;
			return terminal
				.lend(why, () => this.spawnInTerminal())
				.then(
					credential => {
						this.loginFailed = undefined;
						return credential;
					},
					(error: unknown) => {
						// A login that failed must not take the terminal again at every retry of the row.
						if (error instanceof ExecError) this.loginFailed = {error, until: this.now() + loginRetryMs};
						throw error;
					},
				)
				.finally(() => (this.prompting = false));
		});
	}

	/** The plugin with the terminal as stdin and stderr; its stdout is the credential. */
	private spawnInTerminal(): Promise<ExecCredential> {
		const {config} = this;
		const name = config.displayCommand;
		const limit = this.options.interactiveTimeoutMs ?? 5 * 60_000;
		this.runs++;
		return new Promise<ExecCredential>((resolve, reject) => {
			let stdout = '';
			let settled = false;
			const settle = (error: KubeError | undefined, credential?: ExecCredential) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				this.running = undefined;
				if (error) reject(error);
				else resolve(credential!);
			};
			// Not detached: the plugin must stay in the terminal's foreground process group to read it.
			const child = spawn(config.command, config.args, {env: this.env(true), stdio: ['inherit', 'pipe', 'inherit']});
			const stop = (error: KubeError) => {
				child.kill('SIGTERM');
				setTimeout(() => child.kill('SIGKILL'), 2000).unref();
				settle(error);
			};
			this.running = {child, cancel: stop, said: () => ''};
			const timer = setTimeout(() => stop(this.fail(`the login of exec plugin "${name}" did not finish within ${formatDuration(limit)} (context ${contextMark}); it was stopped`)), limit);
			timer.unref?.();
			child.stdout!.setEncoding('utf8');
			child.stdout!.on('data', (chunk: string) => (stdout += chunk));
			child.on('error', (error: NodeJS.ErrnoException) => settle(this.fail(`exec plugin "${name}" could not start: ${error.message} (context ${contextMark})`, error)));
			child.on('exit', code => {
				const finish = () => {
					if (code !== 0) return settle(this.fail(`exec plugin "${name}" exited with code ${code} in the terminal (context ${contextMark}); the login did not complete`));
					try {
						settle(undefined, this.parse(stdout));
					} catch (error) {
						settle(error as KubeError);
					}
				};
				if (child.stdout!.readableEnded || child.stdout!.destroyed) finish();
				else child.stdout!.once('close', finish);
			});
		});
	}

	private runDetached(): Promise<ExecCredential> {
		const {config} = this;
		const name = config.displayCommand;
		const env = this.env(false);
		this.runs++;
		return new Promise<ExecCredential>((resolve, reject) => {
			let stdout = '';
			let stderr = '';
			let settled = false;
			const settle = (error: KubeError | undefined, credential?: ExecCredential) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				runningGroups.delete(child);
				this.running = undefined;
				if (error) reject(error);
				else resolve(credential!);
			};
			const said = () => {
				const tail = maskPluginOutput(stderr.trim());
				return tail ? `: ${tail.split('\n').slice(-3).join(' / ')}` : '';
			};
			// detached: the plugin leads its own process group (see killGroup), and has no controlling
			// terminal to prompt on: a prompt it cannot show would only hang.
			const child = spawn(config.command, config.args, {env, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
			trackGroup(child);
			const stop = (error: KubeError) => {
				killGroup(child);
				settle(error);
			};
			this.running = {child, cancel: stop, said};
			const timer = setTimeout(() => {
				stop(this.fail(`exec plugin "${name}" gave no credential within ${formatDuration(this.pluginTimeoutMs)} (context ${contextMark}); it was stopped${said()}`));
			}, this.pluginTimeoutMs);
			timer.unref?.();
			child.stdout!.setEncoding('utf8');
			child.stderr!.setEncoding('utf8');
			child.stdout!.on('data', (chunk: string) => (stdout += chunk));
			child.stderr!.on('data', (chunk: string) => {
				// Keep the tail: that is where a plugin says what went wrong.
				stderr = (stderr + chunk).slice(-4000);
			});
			child.on('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'ENOENT') {
					const where = config.command.includes('/') ? `at ${config.command}` : 'on PATH';
					const hint = config.installHint ? `: ${config.installHint.trim()}` : '; install it or fix users[].user.exec.command in the kubeconfig';
					settle(this.fail(`exec plugin "${name}" not found ${where} (context ${contextMark})${hint}`, error));
				} else if (error.code === 'EACCES') {
					settle(this.fail(`exec plugin "${name}" is not executable (context ${contextMark}); chmod +x it`, error));
				} else settle(this.fail(`exec plugin "${name}" could not start: ${error.message} (context ${contextMark})`, error));
			});
			// 'exit', not 'close': a helper the plugin left behind may hold the pipes long after the
			// plugin answered. Its process group goes with it.
			child.on('exit', (code, signal) => {
				runningGroups.delete(child);
				const finish = () => {
					if (code !== 0) {
						const detail = maskPluginOutput(stderr.trim()) || `no output on stderr`;
						const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
						const error = this.fail(`exec plugin "${name}" ${how} (context ${contextMark}): ${detail}`);
						error.exited = true;
						settle(error);
						return;
					}
					try {
						settle(undefined, this.parse(stdout));
					} catch (error) {
						settle(error as KubeError);
					}
				};
				// The last chunks of stdout may still be in the pipe: read until it closes, or briefly.
				if (child.stdout!.readableEnded || child.stdout!.destroyed) finish();
				else {
					const grace = setTimeout(() => {
						child.stdout!.destroy();
						child.stderr!.destroy();
						finish();
					}, 200);
					child.stdout!.once('close', () => {
						clearTimeout(grace);
						finish();
					});
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
			throw this.fail(`exec plugin "${name}" printed no ExecCredential JSON (context ${contextMark}): ${maskPluginOutput(stdout.trim()).slice(0, 200) || 'empty output'}`);
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
