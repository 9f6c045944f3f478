import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import process from 'node:process';
import vm from 'node:vm';
import zlib from 'node:zlib';
import {codeCacheWarmEvent} from './code-cache-warm.js';
import {compileCacheDirectory, privateDirectory} from './compile-cache.js';

// The published program is one CommonJS file (scripts/bundle.mjs) that the bin runs through here with
// V8's code cache: the code V8 compiled for the console's first frame, kept from one run to the next,
// so that a start does not parse and compile the ~700 KB it needs again. Node 20 has no compile cache
// at all for ES modules (module.enableCompileCache is Node >= 22.1, and it keeps only what is compiled
// before a module runs, not the functions compiled lazily while the first frame is drawn).
//
// Never a correctness risk: an entry is used only if its name matches the program's file (whose name
// carries a hash of its contents), this Node's version and architecture, and the CRC-32 of the program
// written in it matches the file as it is now (V8 compares only the source's length); its code is
// checked against a CRC-32 written with it (V8 checks only a header, not the code, in release builds:
// a damaged entry would crash it); and V8 itself refuses data made by another V8 or with other flags.
// Anything that does not pass is ignored and made again. zlib.crc32 is Node >= 20.15: older Nodes
// keep no cache. Never shared: kept in the user's own cache directory ($XDG_CACHE_HOME/
// calico-mcm/code, else ~/.cache/calico-mcm/code), 0700 and owned by the user, each file 0600 and
// written whole (a temporary file renamed into place); not used at all if the directory is anyone
// else's or open to others.

/** Where the entries go: the user's own cache directory, beside Node's compile cache (compile-cache.ts). */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(path.dirname(compileCacheDirectory(env)), 'code');
}

/** The entry's file name: the program file's name (with its content hash), this Node, and which part of the program warmed it. */
export function codeCacheEntry(program: string, key: string): string {
	return `${path.basename(program)}.${process.version}.${process.arch}.${key}.v8`;
}

const crc32 = (zlib as {crc32?: (data: Uint8Array) => number}).crc32;

/** An entry: the CRC-32 of the program it was made from, the CRC-32 of the code, the code. */
const headerBytes = 8;

/** The entry's code, if the directory is private, the entry whole and made from this program (`programCrc`); undefined otherwise. */
export function readCodeCache(directory: string, entry: string, programCrc: number): Buffer | undefined {
	try {
		if (!crc32 || !privateDirectory(directory)) return undefined;
		const file = fs.readFileSync(path.join(directory, entry));
		if (file.length <= headerBytes || file.readUInt32BE(0) !== programCrc) return undefined;
		const data = file.subarray(headerBytes);
		return crc32(data) === file.readUInt32BE(4) ? data : undefined;
	} catch {
		return undefined;
	}
}

/** Writes the entry (0600, whole or not at all) and removes the entries of other builds of the program. */
export function writeCodeCache(directory: string, entry: string, data: Uint8Array, program: string, programCrc: number): boolean {
	const temporary = path.join(directory, `.${entry}.${process.pid}.tmp`);
	try {
		if (!crc32) return false;
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		if (!privateDirectory(directory)) return false;
		const header = Buffer.alloc(headerBytes);
		header.writeUInt32BE(programCrc, 0);
		header.writeUInt32BE(crc32(data), 4);
		fs.writeFileSync(temporary, Buffer.concat([header, data]), {mode: 0o600, flag: 'wx'});
		fs.renameSync(temporary, path.join(directory, entry));
		const mine = `${path.basename(program)}.`;
		for (const name of fs.readdirSync(directory)) {
			if (name.endsWith('.v8') && !name.startsWith(mine)) fs.rmSync(path.join(directory, name), {force: true});
		}
		return true;
	} catch {
		// A cache that cannot be written only costs the compile it would have saved.
		fs.rmSync(temporary, {force: true});
		return false;
	}
}

/** What happened to the cache in this run: used, made (absent, damaged or refused by V8), or off. */
export type CodeCacheState = 'used' | 'made' | 'off';


export type RunOptions = {
	/** Which part of the program this run warms (its own entry): the console, or a command's name. */
	key: string;
	directory?: string;
	env?: NodeJS.ProcessEnv;
	/** When the code is written if it was not used: on the program's codeCacheWarm() (the console), or when the process exits with 0. */
	saveOn: 'warm' | 'exit';
};

/**
 * Runs a CommonJS program file in this context, with the cached code of its last run where there is
 * some. Off when the user set NODE_DISABLE_COMPILE_CACHE (Node's own switch for its cache).
 */
export function runProgram(program: string, options: RunOptions): CodeCacheState {
	const env = options.env ?? process.env;
	const off = env.NODE_DISABLE_COMPILE_CACHE !== undefined || !crc32;
	const directory = options.directory ?? codeCacheDirectory(env);
	const entry = codeCacheEntry(program, options.key);
	const bytes = fs.readFileSync(program);
	const programCrc = off ? 0 : crc32!(bytes);
	const cachedData = off ? undefined : readCodeCache(directory, entry, programCrc);
	// Its #! line (cli.tsx's) kept as a comment, and the wrapper CommonJS modules get on that first line: its stack traces keep their positions.
	const source = bytes.toString('utf8').replace(/^#!/, '//');
	const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
		filename: program,
		cachedData,
		// An import() the bundle keeps (a package it leaves external) resolves as it would in a module.
		importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
	});
	const state: CodeCacheState = off ? 'off' : cachedData && !script.cachedDataRejected ? 'used' : 'made';
	if (state === 'made') {
		let saved = false;
		const save = (): void => {
			if (saved) return;
			saved = true;
			writeCodeCache(directory, entry, script.createCachedData(), program, programCrc);
		};
		if (options.saveOn === 'warm') process.once(codeCacheWarmEvent, save);
		else process.once('exit', code => code === 0 && save());
	}
	const module = {exports: {}};
	(script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(program), module, program, path.dirname(program));
	return state;
}
