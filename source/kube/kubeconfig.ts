// Kubeconfig loading, merged as kubectl merges a KUBECONFIG list: the first file to define a cluster,
// user or context name wins, and current-context comes from the first file that sets one. Parsed with
// js-yaml ourselves (client-node loses line numbers), and relative file paths are resolved against the
// file that names them, as kubectl does. kubeconfig-yaml.ts says which YAML schema, and how it is read fast.

import fs from 'node:fs';
import path from 'node:path';
import {ConfigError} from './errors.js';
import {kubeconfigFiles} from './kubeconfig-files.js';
import {parseKubeconfigYaml} from './kubeconfig-yaml.js';
import type {ExecConfig} from './exec-credentials.js';
import {registerSecret} from './secret-values.js';
import {ProxyError, proxyFor, proxyVariables, type ProxyRoute} from './proxy.js';

export type ContextInfo = {
	name: string;
	cluster: string;
	server: string;
	user: string;
	/** The context's default namespace ("default" when it sets none). */
	namespace: string;
	/** The file the context came from. */
	file: string;
};

/** A cluster entry with paths made absolute. Holds no secrets itself beyond CA data. */
export type ClusterEntry = {
	name: string;
	server: string;
	certificateAuthority?: string;
	certificateAuthorityData?: string;
	insecureSkipTlsVerify: boolean;
	tlsServerName?: string;
	proxyUrl?: string;
	/** extensions[name=client.authentication.k8s.io/exec].extension: handed to exec plugins as spec.cluster.config. */
	execExtension?: unknown;
	/** The proxy to reach the server through (proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY); none: direct. */
	proxy?: ProxyRoute;
	file: string;
};

/** A user entry with paths made absolute. Holds secrets: never log or render it. */
export type UserEntry = {
	name: string;
	token?: string;
	tokenFile?: string;
	username?: string;
	password?: string;
	clientCertificate?: string;
	clientCertificateData?: string;
	clientKey?: string;
	clientKeyData?: string;
	exec?: ExecConfig;
	authProvider?: string;
	impersonate?: string;
	file: string;
};

export type ContextEntry = {info: ContextInfo; cluster: ClusterEntry; user: UserEntry};

export type FleetConfig = {
	/** The kubeconfig files read, in merge order. */
	files: string[];
	/** The contexts of the fleet (all of them, or those asked for), in file order. */
	contexts: ContextInfo[];
	currentContext?: string;
	/** Everything needed to build a client, per context name. Holds credentials. */
	entries: Map<string, ContextEntry>;
};

export type LoadOptions = {
	/** --kubeconfig FILE: only this file (it must exist). */
	kubeconfig?: string;
	env?: NodeJS.ProcessEnv;
	/** --context NAME...: limit the fleet to these. */
	contexts?: string[];
};

export {kubeconfigFiles};

const fixHint = 'point --kubeconfig at a valid kubeconfig file (or set KUBECONFIG), or try the console with --demo';

type RawFile = {file: string; doc: Record<string, unknown>};

function readFile(file: string): RawFile | undefined {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return undefined;
		throw new ConfigError(`cannot read kubeconfig ${file}: ${(error as Error).message}`, {file, hint: fixHint});
	}
	let doc: unknown;
	try {
		doc = parseKubeconfigYaml(text, file);
	} catch (error) {
		const mark = (error as {mark?: {line?: number; column?: number}}).mark;
		const line = mark?.line === undefined ? undefined : mark.line + 1;
		const reason = (error as {reason?: string}).reason ?? (error as Error).message;
		throw new ConfigError(`kubeconfig ${file}${line ? ` line ${line}` : ''}: invalid YAML: ${reason}`, {
			file,
			line,
			hint: `fix the YAML at ${file}${line ? `:${line}` : ''} (check indentation and quoting)`,
		});
	}
	if (doc === undefined || doc === null) doc = {};
	if (typeof doc !== 'object' || Array.isArray(doc)) {
		throw new ConfigError(`kubeconfig ${file}: not a kubeconfig (expected a mapping with clusters, users and contexts)`, {file, hint: fixHint});
	}
	return {file, doc: detached(doc, new Map()) as Record<string, unknown>};
}

/**
 * The document with every string its own copy, one per distinct value. js-yaml's strings are slices of
 * the file's text, so any one kept (a server, a name, a token) kept the whole text alive: 1.1 MB of
 * heap for a 1,001-context kubeconfig, for the life of the console. Identical values (1,000 clusters
 * trusting one CA) share one copy.
 */
function detached(value: unknown, seen: Map<string, string>, walked = new Set<object>()): unknown {
	if (typeof value === 'string') {
		// V8 copies a slice shorter than 13 characters instead of pointing into the text.
		if (value.length < 13) return value;
		let own = seen.get(value);
		// A concatenation is flattened into a new string of its own; the slice past the space then points into that.
		if (own === undefined) seen.set(value, (own = ` ${value}`.slice(1)));
		return own;
	}
	// YAML aliases make shared and even cyclic nodes (`a: &x {b: *x}`): each is walked once.
	if (!value || typeof value !== 'object' || walked.has(value)) return value;
	walked.add(value);
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) value[i] = detached(value[i], seen, walked);
	} else {
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) record[key] = detached(record[key], seen, walked);
	}
	return value;
}

/** Line of `name: <name>` in the file, to point the user at a broken entry. Best effort. */
function lineOf(file: string, name: string): number | undefined {
	try {
		const lines = fs.readFileSync(file, 'utf8').split('\n');
		const pattern = new RegExp(`^\\s*-?\\s*name:\\s*["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*$`);
		const index = lines.findIndex((l) => pattern.test(l));
		return index === -1 ? undefined : index + 1;
	} catch {
		return undefined;
	}
}

function namedList(raw: RawFile, key: 'clusters' | 'users' | 'contexts'): Array<{name: string; body: Record<string, unknown>}> {
	const value = raw.doc[key];
	if (value === undefined || value === null) return [];
	const inner = key.slice(0, -1); // cluster, user, context
	if (!Array.isArray(value)) {
		throw new ConfigError(`kubeconfig ${raw.file}: "${key}" must be a list`, {file: raw.file, hint: `write ${key} as a YAML list of {name, ${inner}} entries`});
	}
	return value.map((entry, index) => {
		const item = (entry ?? {}) as Record<string, unknown>;
		if (typeof item.name !== 'string' || item.name === '') {
			throw new ConfigError(`kubeconfig ${raw.file}: entry ${index + 1} of "${key}" has no name`, {file: raw.file, hint: `give every ${inner} a name`});
		}
		const body = item[inner];
		if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
			throw new ConfigError(`kubeconfig ${raw.file}: ${inner} "${item.name}" must be a mapping`, {file: raw.file, line: lineOf(raw.file, item.name), hint: `fix the ${inner} "${item.name}"`});
		}
		return {name: item.name, body: (body ?? {}) as Record<string, unknown>};
	});
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function absolute(file: string, value: unknown): string | undefined {
	const text = str(value);
	return text === undefined ? undefined : path.resolve(path.dirname(file), text);
}

function toCluster(file: string, name: string, body: Record<string, unknown>): ClusterEntry {
	const server = str(body.server);
	if (!server) {
		throw new ConfigError(`kubeconfig ${file}: cluster "${name}" has no server`, {file, line: lineOf(file, name), hint: `add "server: https://HOST:PORT" to cluster "${name}"`});
	}
	try {
		const url = new URL(server);
		if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
	} catch {
		throw new ConfigError(`kubeconfig ${file}: cluster "${name}" has an invalid server "${server}"`, {file, line: lineOf(file, name), hint: 'the server must be a URL such as https://10.0.0.1:6443'});
	}
	return {
		name,
		server: server.replace(/\/+$/, ''),
		certificateAuthority: absolute(file, body['certificate-authority']),
		certificateAuthorityData: str(body['certificate-authority-data']),
		insecureSkipTlsVerify: body['insecure-skip-tls-verify'] === true,
		tlsServerName: str(body['tls-server-name']),
		proxyUrl: str(body['proxy-url']),
		execExtension: Array.isArray(body.extensions)
			? (body.extensions as Array<Record<string, unknown>>).find(e => e?.name === 'client.authentication.k8s.io/exec')?.extension
			: undefined,
		file,
	};
}

function toExec(file: string, user: string, raw: unknown): ExecConfig | undefined {
	if (raw === undefined || raw === null) return undefined;
	const body = raw as Record<string, unknown>;
	const command = str(body.command);
	if (!command) {
		throw new ConfigError(`kubeconfig ${file}: user "${user}" has an exec section without a command`, {file, line: lineOf(file, user), hint: `set users[].user.exec.command for "${user}"`});
	}
	const args = Array.isArray(body.args) ? body.args.map(String) : [];
	const env = Array.isArray(body.env)
		? body.env.map((e) => ({name: String((e as Record<string, unknown>)?.name ?? ''), value: String((e as Record<string, unknown>)?.value ?? '')})).filter((e) => e.name)
		: [];
	return {
		// kubectl resolves a command with a slash against the kubeconfig's directory; a bare name is looked up on PATH.
		command: command.includes('/') || command.includes('\\') ? path.resolve(path.dirname(file), command) : command,
		displayCommand: command,
		args,
		env,
		apiVersion: str(body.apiVersion) ?? 'client.authentication.k8s.io/v1beta1',
		installHint: str(body.installHint),
		provideClusterInfo: body.provideClusterInfo === true,
		interactiveMode: interactiveMode(file, user, body.interactiveMode),
	};
}

function interactiveMode(file: string, user: string, raw: unknown): 'Never' | 'IfAvailable' | 'Always' {
	// client-go's default when the field is absent (it insists on it only for v1, and kubectl then refuses the file).
	if (raw === undefined || raw === null || raw === '') return 'IfAvailable';
	if (raw === 'Never' || raw === 'IfAvailable' || raw === 'Always') return raw;
	throw new ConfigError(`kubeconfig ${file}: user "${user}" has exec.interactiveMode ${JSON.stringify(raw)}`, {
		file,
		line: lineOf(file, user),
		hint: `set users[].user.exec.interactiveMode of "${user}" to Never, IfAvailable or Always`,
	});
}

function toUser(file: string, name: string, body: Record<string, unknown>): UserEntry {
	// Credentials the kubeconfig holds: masked wherever they would turn up in a message.
	for (const key of ['token', 'password', 'client-key-data']) registerSecret(str(body[key]));
	const authProvider = body['auth-provider'] as Record<string, unknown> | undefined;
	return {
		name,
		token: str(body.token),
		tokenFile: absolute(file, body.tokenFile),
		username: str(body.username),
		password: str(body.password),
		clientCertificate: absolute(file, body['client-certificate']),
		clientCertificateData: str(body['client-certificate-data']),
		clientKey: absolute(file, body['client-key']),
		clientKeyData: str(body['client-key-data']),
		exec: toExec(file, name, body.exec),
		authProvider: authProvider ? str(authProvider.name) ?? 'unknown' : undefined,
		impersonate: str(body.as),
		file,
	};
}

/** Read, merge and validate the kubeconfig. Throws ConfigError naming the file, line and fix. */
export function loadKubeconfig(options: LoadOptions = {}): FleetConfig {
	const {files, explicit} = kubeconfigFiles(options);
	const raws: RawFile[] = [];
	for (const file of files) {
		const raw = readFile(file);
		if (raw) raws.push(raw);
		else if (explicit) {
			throw new ConfigError(`kubeconfig ${file} does not exist`, {file, hint: `check the path given to --kubeconfig, or try the console with --demo`});
		}
	}
	if (raws.length === 0) {
		const env = options.env ?? process.env;
		const where = env.KUBECONFIG ? `KUBECONFIG (${files.join(', ')})` : files[0];
		throw new ConfigError(`no kubeconfig found: ${where} does not exist`, {
			file: files[0],
			hint: 'set --kubeconfig FILE or KUBECONFIG to your kubeconfig, or try the console with --demo',
		});
	}

	const clusters = new Map<string, {file: string; body: Record<string, unknown>}>();
	const users = new Map<string, {file: string; body: Record<string, unknown>}>();
	const contexts = new Map<string, {file: string; body: Record<string, unknown>}>();
	let currentContext: string | undefined;
	for (const raw of raws) {
		for (const {name, body} of namedList(raw, 'clusters')) if (!clusters.has(name)) clusters.set(name, {file: raw.file, body});
		for (const {name, body} of namedList(raw, 'users')) if (!users.has(name)) users.set(name, {file: raw.file, body});
		for (const {name, body} of namedList(raw, 'contexts')) if (!contexts.has(name)) contexts.set(name, {file: raw.file, body});
		currentContext ??= str(raw.doc['current-context']);
	}

	const readFiles = raws.map((r) => r.file);
	if (contexts.size === 0) {
		throw new ConfigError(`no contexts in ${readFiles.join(', ')}`, {file: readFiles[0], hint: 'add a context (kubectl config set-context), or try the console with --demo'});
	}

	let wanted = [...contexts.keys()];
	if (options.contexts && options.contexts.length > 0) {
		const unknown = options.contexts.filter((name) => !contexts.has(name));
		if (unknown.length > 0) {
			const known = [...contexts.keys()];
			const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ... (${known.length} in all)` : known.join(', ');
			throw new ConfigError(`unknown context${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in ${readFiles.join(', ')}; known contexts: ${shown}`, {
				file: readFiles[0],
				hint: 'use a context name from `kubectl config get-contexts`',
			});
		}
		wanted = [...new Set(options.contexts)];
	}

	const entries = new Map<string, ContextEntry>();
	const infos: ContextInfo[] = [];
	const proxyEnv = proxyVariables(options.env ?? process.env);
	const clusterCache = new Map<string, ClusterEntry>();
	const userCache = new Map<string, UserEntry>();
	for (const name of wanted) {
		const ctx = contexts.get(name)!;
		const clusterName = str(ctx.body.cluster);
		const userName = str(ctx.body.user) ?? '';
		// Only on an error: scanning the file per context is quadratic in a 1,000-context kubeconfig.
		const line = () => lineOf(ctx.file, name);
		if (!clusterName) {
			throw new ConfigError(`kubeconfig ${ctx.file}: context "${name}" names no cluster`, {file: ctx.file, line: line(), hint: `set contexts[].context.cluster for "${name}"`});
		}
		const rawCluster = clusters.get(clusterName);
		if (!rawCluster) {
			throw new ConfigError(`kubeconfig ${ctx.file}: context "${name}" refers to cluster "${clusterName}", which is not defined in ${readFiles.join(', ')}`, {
				file: ctx.file,
				line: line(),
				hint: `add cluster "${clusterName}" or point the context at an existing cluster (${[...clusters.keys()].join(', ') || 'none defined'})`,
			});
		}
		// A context with no user is anonymous (kubectl allows it); one that names a missing user is a mistake.
		const rawUser = userName ? users.get(userName) : {file: ctx.file, body: {}};
		if (!rawUser) {
			throw new ConfigError(`kubeconfig ${ctx.file}: context "${name}" refers to user "${userName}", which is not defined in ${readFiles.join(', ')}`, {
				file: ctx.file,
				line: line(),
				hint: `add user "${userName}" or point the context at an existing user (${[...users.keys()].join(', ') || 'none defined'})`,
			});
		}
		let cluster = clusterCache.get(clusterName);
		if (!cluster) {
			cluster = toCluster(rawCluster.file, clusterName, rawCluster.body);
			try {
				cluster.proxy = proxyFor(cluster, proxyEnv);
			} catch (error) {
				if (!(error instanceof ProxyError)) throw error;
				const fromFile = Boolean(cluster.proxyUrl);
				const at = fromFile ? lineOf(cluster.file, clusterName) : undefined;
				throw new ConfigError(at ? error.message.replace(` in ${cluster.file}:`, ` in ${cluster.file} line ${at}:`) : error.message, {
					file: fromFile ? cluster.file : undefined,
					line: at,
					hint: fromFile ? `fix proxy-url of cluster "${clusterName}" in ${cluster.file}` : 'fix or unset the proxy variable',
				});
			}
			clusterCache.set(clusterName, cluster);
		}
		let user = userCache.get(userName);
		if (!user) {
			user = toUser(rawUser.file, userName, rawUser.body);
			userCache.set(userName, user);
		}
		const info: ContextInfo = {
			name,
			cluster: clusterName,
			server: cluster.server,
			user: userName,
			namespace: str(ctx.body.namespace) ?? 'default',
			file: ctx.file,
		};
		infos.push(info);
		entries.set(name, {info, cluster, user});
	}
	return {files: readFiles, contexts: infos, currentContext, entries};
}
