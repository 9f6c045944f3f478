import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {TlsSessionCache} from '../kube/tls-sessions.js';
import {compileCacheDirectory, ownAndPrivate, privateDirectory} from './compile-cache.js';

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

/** The cache with what the file holds (nothing if it is absent, unreadable or not private); undefined when turned off. */
export function loadTlsSessions(env: NodeJS.ProcessEnv = process.env, file = tlsSessionFile(env)): TlsSessionCache | undefined {
	if (env.CALICO_MCM_NO_TLS_SESSIONS !== undefined) return undefined;
	const cache = new TlsSessionCache();
	cache.merge(readSessions(file));
	return cache;
}

/** Writes the cache's live sessions (with those another run wrote meanwhile), when it gained any. */
export function saveTlsSessions(cache: TlsSessionCache | undefined, file: string = tlsSessionFile()): boolean {
	if (!cache?.changed) return false;
	const directory = path.dirname(file);
	const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.tmp`);
	try {
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		if (!privateDirectory(directory)) return false;
		cache.merge(readSessions(file));
		const document: FileFormat = {version: 1, sessions: cache.live()};
		fs.writeFileSync(temporary, JSON.stringify(document), {mode: 0o600, flag: 'wx'});
		fs.renameSync(temporary, file);
		cache.changed = false;
		return true;
	} catch {
		fs.rmSync(temporary, {force: true});
		return false;
	}
}

function readSessions(file: string): FileFormat['sessions'] {
	try {
		if (!privateDirectory(path.dirname(file))) return [];
		const stat = fs.statSync(file);
		if (!stat.isFile() || !ownAndPrivate(stat)) return [];
		const document = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FileFormat>;
		if (document.version !== 1 || !Array.isArray(document.sessions)) return [];
		return document.sessions.filter(row => Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string' && typeof row[2] === 'number');
	} catch {
		return [];
	}
}
