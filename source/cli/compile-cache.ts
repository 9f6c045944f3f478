import fs from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

// V8's compiled code for the program, kept from one run to the next where Node can (22.1 and later:
// module.enableCompileCache). Measured on Node 26, the console's first frame then costs ~45 ms less
// CPU: the ~700 KB it loads are not parsed and compiled again. Node 20 has no such cache for ES
// modules, so there nothing is done.
//
// Never stale: Node keeps a directory per Node version and checks each entry against the contents
// of the file it was made from, and the bundle's chunk files carry a hash of their contents in their
// names. Never shared: Node's default directory is one in the system's temporary directory for every
// user; this one is the user's own ($XDG_CACHE_HOME/calico-mcm/v8, else ~/.cache/calico-mcm/v8, mode
// 0700), and is not used if it is anyone else's or open to others.

type CompileCache = (directory: string) => unknown;

/** Where the cache goes: the user's own cache directory. */
export function compileCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
	return path.join(base, 'calico-mcm', 'v8');
}

/** Whether a cache file or directory is the user's own and open to no one else: what every cache here (this one, code-cache.ts, tls-session-file.ts, chain-verdict-file.ts, certificate-facts-file.ts, managed-hint-file.ts) requires. */
export function ownAndPrivate(stat: fs.Stats): boolean {
	return (!process.getuid || stat.uid === process.getuid()) && (process.platform === 'win32' || (stat.mode & 0o077) === 0);
}

/** A directory that is the user's own and open to no one else (throws when it does not exist). */
export function privateDirectory(directory: string): boolean {
	const stat = fs.statSync(directory);
	return stat.isDirectory() && ownAndPrivate(stat);
}

/** A cache file's bytes, if it and its directory are the user's own and open to no one else; undefined otherwise or when it cannot be read. */
export function readPrivateFile(file: string): Buffer | undefined {
	try {
		if (!privateDirectory(path.dirname(file))) return undefined;
		const stat = fs.statSync(file);
		if (!stat.isFile() || !ownAndPrivate(stat)) return undefined;
		return fs.readFileSync(file);
	} catch {
		return undefined;
	}
}

/**
 * Writes a cache file whole (a temporary file, 0600, renamed into place) in a directory of the user's
 * own (made 0700 if missing); false, with nothing left behind, where it is not private or the write fails.
 * `content` is called once the directory is known to be private: it may read the file being replaced.
 */
export function writePrivateFile(file: string, content: () => string): boolean {
	const directory = path.dirname(file);
	const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.tmp`);
	try {
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		if (!privateDirectory(directory)) return false;
		fs.writeFileSync(temporary, content(), {mode: 0o600, flag: 'wx'});
		fs.renameSync(temporary, file);
		return true;
	} catch {
		fs.rmSync(temporary, {force: true});
		return false;
	}
}

/** A cache file of lines (chain-verdict-file.ts, certificate-facts-file.ts): its lines, none when it cannot be used. */
export function readPrivateLines(file: string): string[] {
	return readPrivateFile(file)?.toString('utf8').split('\n').filter(line => line !== '') ?? [];
}

/**
 * Writes `lines` after those the file holds (another run's too, read again now), each once, the
 * newest last, at most `max` of them: the oldest go first.
 */
export function addPrivateLines(file: string, lines: Iterable<string>, max: number): boolean {
	return writePrivateFile(file, () => {
		const kept = new Set(readPrivateLines(file));
		for (const line of lines) {
			kept.delete(line);
			kept.add(line);
		}
		return `${[...kept].slice(-max).join('\n')}\n`;
	});
}

/** Turns the cache on (`enable`: Node's, null where it has none), unless Node cannot, the user set NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE, or the directory is not private. */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env, enable: CompileCache | null | undefined = (module as {enableCompileCache?: CompileCache}).enableCompileCache): string | undefined {
	if (!enable || env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return undefined;
	const directory = compileCacheDirectory(env);
	try {
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		if (!privateDirectory(directory)) return undefined;
		enable(directory);
		return directory;
	} catch {
		// A cache that cannot be made only costs the compile it would have saved.
		return undefined;
	}
}
