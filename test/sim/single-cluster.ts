// One simulated cluster (store + tokens + API server) for tests, with a kubeconfig (mode 0600) for it.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {createApiServer} from '../../source/sim/api-server.js';
import {createObjectStore} from '../../source/sim/store.js';
import {certificateAuthorityData} from '../../source/sim/tls.js';
import {createTokenRegistry} from '../../source/sim/tokens.js';
import type {ApiServer, ObjectStore, TokenRegistry} from '../../source/sim/types.js';

export type SingleCluster = {
	store: ObjectStore;
	tokens: TokenRegistry;
	server: ApiServer;
	dir: string;
	/** Kubeconfig file with the admin token (context `sim`). */
	kubeconfigPath: string;
	/** A client config with the admin token, or with `token` when given. */
	kubeConfig(token?: string): k8s.KubeConfig;
	/** Writes a kubeconfig for `token` and returns its path. */
	writeKubeconfig(token: string, file: string): string;
	stop(): Promise<void>;
};

export function kubeconfigYaml(server: string, token: string): string {
	return [
		'apiVersion: v1',
		'kind: Config',
		'clusters:',
		'- name: sim',
		'  cluster:',
		`    server: ${server}`,
		...(server.startsWith('https:') ? [`    certificate-authority-data: ${certificateAuthorityData()}`] : []),
		'users:',
		'- name: sim',
		'  user:',
		`    token: ${token}`,
		'contexts:',
		'- name: sim',
		'  context:',
		'    cluster: sim',
		'    user: sim',
		'current-context: sim',
		'',
	].join('\n');
}

export async function startSingleCluster(name = 'test', options: {bookmarkIntervalMs?: number; http2?: boolean; idleTimeoutMs?: number} = {}): Promise<SingleCluster> {
	const store = createObjectStore();
	const tokens = createTokenRegistry();
	const server = createApiServer({name, store, tokens, bookmarkIntervalMs: options.bookmarkIntervalMs, http2: options.http2, idleTimeoutMs: options.idleTimeoutMs});
	await server.listen(0);
	const dir = mkdtempSync(join(tmpdir(), 'sim-cluster-'));
	const writeKubeconfig = (token: string, file: string) => {
		const path = join(dir, file);
		writeFileSync(path, kubeconfigYaml(server.url, token), {mode: 0o600});
		return path;
	};
	const kubeconfigPath = writeKubeconfig(tokens.adminToken, 'kubeconfig');
	return {
		store,
		tokens,
		server,
		dir,
		kubeconfigPath,
		writeKubeconfig,
		kubeConfig(token = tokens.adminToken) {
			const kc = new k8s.KubeConfig();
			kc.loadFromString(kubeconfigYaml(server.url, token));
			return kc;
		},
		async stop() {
			await server.close();
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

/** Polls `check` until it returns a truthy value (up to `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}
