// How a request proves who it is: the kubeconfig user's token, token file (re-read as it rotates),
// basic auth or exec plugin credential, and impersonation; auth-providers are refused with the fix.

import fs from 'node:fs';
import {KubeError} from './errors.js';
import {ExecError, type ExecCredential, type ExecCredentialProvider} from './exec-credentials.js';
import type {ContextEntry} from './kubeconfig.js';
import {registerSecret} from './secret-values.js';

export class RequestAuth {
	private tokenFileCache?: {token: string; readAt: number};
	/**
	 * The last headers handed out: the next request with the same credential gets the same object. A
	 * watch's request keeps its headers for its life, and a copy each (with its own "Bearer ..." text)
	 * was ~350 bytes per watch. Read only, never changed (the exchange copies them into its own).
	 */
	private lastHeaders?: Readonly<Record<string, string>>;

	constructor(
		private readonly entry: ContextEntry,
		private readonly exec: ExecCredentialProvider | undefined,
		private readonly userAgent: string,
	) {}

	/** Whether a 401 may be worth one retry: the credential can be fetched (or read) again. */
	get refreshable(): boolean {
		return Boolean(this.exec || this.entry.user.tokenFile);
	}

	private get context(): string {
		return this.entry.info.name;
	}

	private get server(): string {
		return this.entry.cluster.server;
	}

	private error(init: Omit<ConstructorParameters<typeof KubeError>[0], 'context'>): KubeError {
		return new KubeError({...init, context: this.context});
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

	/**
	 * The headers that authenticate a request (refresh: read a token file again), and the exec credential
	 * they came from. `signal`: the request's, made when asked for (only waiting for an exec plugin needs one).
	 */
	async headers(refresh: boolean, signal: () => AbortSignal): Promise<{headers: Record<string, string>; credential?: ExecCredential}> {
		const {user} = this.entry;
		if (user.authProvider) {
			throw this.error({
				kind: 'config',
				message: `user "${user.name}" in ${user.file} uses auth-provider "${user.authProvider}", which calico-mcm does not support; switch the user to an exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)`,
			});
		}
		const headers: Record<string, string> = {'User-Agent': this.userAgent};
		let credential: ExecCredential | undefined;
		if (this.exec) {
			const exec = this.exec;
			try {
				credential = await raceAbort(exec.get(), signal());
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
		const last = this.lastHeaders;
		if (last && last.Authorization === headers.Authorization && last['Impersonate-User'] === headers['Impersonate-User'] && last['User-Agent'] === headers['User-Agent']) return {headers: last, credential};
		this.lastHeaders = headers;
		return {headers, credential};
	}
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
