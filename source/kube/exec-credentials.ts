// Exec credential plugins (gke-gcloud-auth-plugin, aws eks get-token, kubelogin...). client-node 1.4
// spawns the plugin on every request when it returns no expiry and never shares a running call; here
// one provider per context caches the credential (until status.expirationTimestamp, else for a TTL or
// until a 401) and every concurrent request waits on the same plugin run.

import {ExecError, contextMark, maskPluginOutput} from './exec-error.js';
import {runDetached, runInTerminal, withPluginSlot, type PluginRun, type RunningPlugin} from './exec-plugin-process.js';
import {registerSecret} from './secret-values.js';
import {oneAtATime, type TerminalLender} from './terminal.js';

export {ExecError, maskPluginOutput} from './exec-error.js';
export {maxConcurrentPlugins} from './exec-plugin-process.js';

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

/** After a failed login in the terminal, how long until it is offered again. */
const loginRetryMs = 5 * 60_000;

export class ExecCredentialProvider {
	private cached?: ExecCredential & {obtainedAt: number};
	private inflight?: Promise<ExecCredential>;
	/** The plugin run in progress, killed by close(). */
	private running?: RunningPlugin;
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

	/** This run's description for exec-plugin-process.ts. */
	private pluginRun(interactive: boolean, timeoutMs: number): PluginRun {
		const {config} = this;
		return {
			command: config.command,
			displayCommand: config.displayCommand,
			args: config.args,
			env: this.env(interactive),
			installHint: config.installHint,
			timeoutMs,
			fail: (template, cause) => this.fail(template, cause),
			running: run => (this.running = run),
		};
	}

	/** The plugin with the terminal as stdin and stderr; its stdout is the credential. */
	private async spawnInTerminal(): Promise<ExecCredential> {
		this.runs++;
		return this.parse(await runInTerminal(this.pluginRun(true, this.options.interactiveTimeoutMs ?? 5 * 60_000)));
	}

	private async runDetached(): Promise<ExecCredential> {
		this.runs++;
		return this.parse(await runDetached(this.pluginRun(false, this.pluginTimeoutMs)));
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
