import path from 'node:path';
import process from 'node:process';
import type {FleetConfig} from '../kube/kubeconfig.js';
import {TlsSessionCache} from '../kube/tls-sessions.js';
import {compileCacheDirectory, readPrivateFile, writePrivateFile} from './compile-cache.js';

// Where `status` keeps its TLS sessions between runs (kube/tls-sessions.ts says what they are bound
// to): $XDG_CACHE_HOME/calico-mcm/tls/sessions.json, else ~/.cache/..., beside the code cache. They are
// secrets, so as the code cache: the directory 0700 and the user's own, the file 0600 and written whole
// (a temporary file renamed into place); a directory that is anyone else's or open to others is not
// used at all. Anything unreadable (damaged, another format, a session OpenSSL would not parse) is
// ignored: it only costs the full handshakes it would have saved. Another run writing at the same
// time: the sessions read back just before writing are kept beside this run's, the newer winning.
// CALICO_MCM_NO_TLS_SESSIONS (any value) turns the cache off.

/** The file of the sessions. */
export function tlsSessionFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(path.dirname(compileCacheDirectory(env)), 'tls', 'sessions.json');
}

type FileFormat = {version: 1; sessions: Array<[key: string, session: string, expiresAt: number]>};

/**
 * The cache with what the file holds (nothing if it is absent, unreadable or not private); undefined
 * when turned off. With `servers` (the kubeconfig's `host:port`s), only the sessions of those servers:
 * the file is shared by every kubeconfig and every simulator ever run, up to 8,192 sessions (~5 MB),
 * and decoding and keeping all of them cost a 1,001-cluster console ~50-150 ms of CPU at each start
 * for sessions it cannot use. The others stay in the file (saveTlsSessions keeps them).
 */
export function loadTlsSessions(env: NodeJS.ProcessEnv = process.env, file = tlsSessionFile(env), servers?: ReadonlySet<string>): TlsSessionCache | undefined {
	if (env.CALICO_MCM_NO_TLS_SESSIONS !== undefined) return undefined;
	const cache = new TlsSessionCache();
	cache.merge(readSessions(file, servers));
	return cache;
}

/** The `host:port` of each of the kubeconfig's servers: what a session's key starts with (kube/client.ts). */
export function sessionServers(config: FleetConfig): Set<string> {
	const servers = new Set<string>();
	for (const entry of config.entries.values()) {
		try {
			servers.add(new URL(entry.cluster.server).host);
		} catch {
			// not a URL: that context's client fails on its own
		}
	}
	return servers;
}

/** Writes the cache's live sessions (with those another run wrote meanwhile), when it gained any. */
export function saveTlsSessions(cache: TlsSessionCache | undefined, file: string = tlsSessionFile()): boolean {
	if (!cache?.changed) return false;
	// The file's sessions and this run's, this run's winning, without keeping the file's in the cache.
	const written = writePrivateFile(file, () => {
		const merged = new TlsSessionCache();
		merged.merge(cache.live());
		merged.merge(readSessions(file));
		return format(merged.live());
	});
	if (written) cache.changed = false;
	return written;
}

type Row = FileFormat['sessions'][number];

const head = '{"version":1,"sessions":[\n';

/**
 * The file as JSON with one session to a line, so that a reader can pass over the sessions of other
 * servers without decoding them (readLines); still one JSON document for any other reader.
 */
function format(rows: Row[]): string {
	return `${head}${rows.map(row => JSON.stringify(row)).join(',\n')}\n]}`;
}

const validRow = (row: unknown): row is Row => Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string' && typeof row[2] === 'number';

function readSessions(file: string, servers?: ReadonlySet<string>): Row[] {
	const bytes = readPrivateFile(file);
	if (!bytes) return [];
	try {
		if (servers && bytes.toString('latin1', 0, head.length) === head) return readLines(bytes, servers);
		const document = JSON.parse(bytes.toString('utf8')) as Partial<FileFormat>;
		if (document.version !== 1 || !Array.isArray(document.sessions)) return [];
		return document.sessions.filter(validRow);
	} catch {
		return [];
	}
}

/** `\u0000` as JSON writes the NUL that ends a key's address (kube/client.ts sessionKey). */
const addressEnd = Buffer.from('\\u0000', 'latin1');

/**
 * The sessions of `servers` from a file in format()'s lines: a line is decoded only when the address
 * its key starts with is one of them. A line that does not parse is passed over.
 */
function readLines(bytes: Buffer, servers: ReadonlySet<string>): Row[] {
	const rows: Row[] = [];
	for (let at = head.length; at < bytes.length; ) {
		let end = bytes.indexOf(0x0a, at);
		if (end < 0) end = bytes.length;
		// ["host:port\u0000...", "base64", expiresAt],
		if (bytes[at] === 0x5b && bytes[at + 1] === 0x22) {
			const cut = bytes.indexOf(addressEnd, at + 2);
			if (cut > 0 && cut < end && servers.has(bytes.toString('latin1', at + 2, cut))) {
				try {
					const row: unknown = JSON.parse(bytes.toString('utf8', at, bytes[end - 1] === 0x2c ? end - 1 : end));
					if (validRow(row)) rows.push(row);
				} catch {
					// a damaged line: that session's handshake is a full one
				}
			}
		}
		at = end + 1;
	}
	return rows;
}
