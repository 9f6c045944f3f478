import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import zlib from 'node:zlib';
import {afterAll, expect, test} from 'vitest';
import {codeCacheDirectory, codeCacheEntry, readCodeCache, runProgram} from '../../source/cli/code-cache.js';
import {codeCacheWarm} from '../../source/cli/code-cache-warm.js';
import {cliPath} from '../helpers/cli.js';
import {startConsole} from '../e2e/console-screen.js';

// The bundle's bin runs its one program file through V8's code cache (code-cache.ts). What a user
// would notice if it went wrong: a program that behaves differently, or crashes, on a stale or damaged
// cache, or a cache file others can read.

// Each run here is a new process's first compile of its program, as the bin's is: V8's in-memory cache
// of compiled scripts (which would answer a second compile of the same source in this process without
// looking at the cached data) is off in this file's own process.
v8.setFlagsFromString('--no-compilation-cache');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-code-cache-'));
afterAll(() => fs.rmSync(root, {recursive: true, force: true}));

let programs = 0;
/** A CommonJS program that records that it ran, and what its module scope saw, in globalThis.ran. */
function program(name: string, body = ''): string {
	const dir = path.join(root, `p${programs++}`);
	fs.mkdirSync(dir, {recursive: true});
	const file = path.join(dir, name);
	fs.writeFileSync(file, `#!/usr/bin/env node\n"use strict";${body}\nfunction twice(x) { return 2 * x; }\nglobalThis.ran = {value: twice(21), file: __filename, dir: __dirname, exports: module.exports === exports, strict: this === exports};\n`);
	return file;
}

const ran = () => (globalThis as {ran?: unknown}).ran;
const mode = (file: string) => fs.statSync(file).mode & 0o777;

test('the first run compiles and keeps the code once the program says it is warm (0600 in a 0700 directory); the next run uses it and runs the same', () => {
	const directory = path.join(root, 'a', 'calico-mcm', 'code');
	const file = program('program-AAAA.cjs');
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('made');
	expect(ran()).toEqual({value: 42, file, dir: path.dirname(file), exports: true, strict: true});
	const entry = path.join(directory, codeCacheEntry(file, 'console'));
	expect(fs.existsSync(entry)).toBe(false);
	codeCacheWarm();
	expect(fs.existsSync(entry)).toBe(true);
	if (process.platform !== 'win32') {
		expect(mode(entry)).toBe(0o600);
		expect(mode(directory)).toBe(0o700);
	}
	(globalThis as {ran?: unknown}).ran = undefined;
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('used');
	expect(ran()).toEqual({value: 42, file, dir: path.dirname(file), exports: true, strict: true});
	// Nothing more is written on a run that used the cache.
	const written = fs.statSync(entry).mtimeMs;
	codeCacheWarm();
	expect(fs.statSync(entry).mtimeMs).toBe(written);
});

test('a damaged or truncated entry is never given to V8: it is ignored, the program runs, and the entry is made again', () => {
	const directory = path.join(root, 'b');
	const file = program('program-BBBB.cjs');
	runProgram(file, {key: 'console', directory, saveOn: 'warm'});
	codeCacheWarm();
	const entry = path.join(directory, codeCacheEntry(file, 'console'));
	const good = fs.readFileSync(entry);
	// One bit flipped in the code (V8 itself would not notice, and could crash), then cut short, then empty.
	const flipped = Buffer.from(good);
	flipped[Math.floor(flipped.length / 2)]! ^= 0x10;
	for (const bad of [flipped, good.subarray(0, good.length - 100), Buffer.alloc(0)]) {
		fs.writeFileSync(entry, bad);
		expect(readCodeCache(directory, codeCacheEntry(file, 'console'), good.readUInt32BE(0))).toBeUndefined();
		(globalThis as {ran?: unknown}).ran = undefined;
		expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('made');
		expect((ran() as {value: number}).value).toBe(42);
		codeCacheWarm();
		expect(readCodeCache(directory, codeCacheEntry(file, 'console'), good.readUInt32BE(0))).toBeDefined();
		expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('used');
	}
});

test('an entry made from other code under the same file name (an edit in place, even of the same length, which V8 alone would take) is made again; entries of other builds are removed', () => {
	const directory = path.join(root, 'c');
	const file = program('program-CCCC.cjs');
	runProgram(file, {key: 'console', directory, saveOn: 'warm'});
	codeCacheWarm();
	const entry = path.join(directory, codeCacheEntry(file, 'console'));
	const before = fs.readFileSync(entry);
	fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('2 * x', '3 * x'));
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('made');
	expect((ran() as {value: number}).value).toBe(63);
	codeCacheWarm();
	expect(fs.readFileSync(entry).equals(before)).toBe(false);
	// An entry whose code V8 refuses (another V8, other flags: here, not V8's at all) is made again too.
	const refused = Buffer.from(fs.readFileSync(entry));
	refused.fill(7, 8);
	refused.writeUInt32BE(zlib.crc32(refused.subarray(8)), 4);
	fs.writeFileSync(entry, refused);
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('made');
	expect((ran() as {value: number}).value).toBe(63);
	codeCacheWarm();
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('used');
	expect((ran() as {value: number}).value).toBe(63);
	// A new build (another name) replaces the old build's entries when it writes its own.
	fs.writeFileSync(path.join(directory, 'program-OLD.cjs.v20.0.0.x64.console.v8'), 'old');
	const next = program('program-DDDD.cjs');
	runProgram(next, {key: 'console', directory, saveOn: 'warm'});
	codeCacheWarm();
	expect(fs.readdirSync(directory)).toEqual([codeCacheEntry(next, 'console')]);
});

test.skipIf(process.platform === 'win32')('a cache directory others can read or write is neither read nor written', () => {
	const directory = path.join(root, 'd');
	const file = program('program-EEEE.cjs');
	runProgram(file, {key: 'console', directory, saveOn: 'warm'});
	codeCacheWarm();
	fs.chmodSync(directory, 0o755);
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm'})).toBe('made');
	fs.rmSync(path.join(directory, codeCacheEntry(file, 'console')));
	codeCacheWarm();
	expect(fs.readdirSync(directory)).toEqual([]);
});

test('NODE_DISABLE_COMPILE_CACHE turns it off; the entries go beside Node\'s compile cache in the user\'s cache directory', () => {
	const directory = path.join(root, 'e');
	const file = program('program-FFFF.cjs');
	expect(runProgram(file, {key: 'console', directory, saveOn: 'warm', env: {NODE_DISABLE_COMPILE_CACHE: '1'} as NodeJS.ProcessEnv})).toBe('off');
	codeCacheWarm();
	expect(fs.existsSync(directory)).toBe(false);
	expect(codeCacheDirectory({XDG_CACHE_HOME: '/x/cache'})).toBe(path.join('/x/cache', 'calico-mcm', 'code'));
});

test('the built bin keeps a command\'s code when it exits with 0, and the next run gives the same answer', () => {
	const cache = path.join(root, 'bin');
	const env: NodeJS.ProcessEnv = {...process.env, XDG_CACHE_HOME: cache};
	delete env.NODE_DISABLE_COMPILE_CACHE;
	const first = spawnSync(process.execPath, [cliPath, 'version'], {env, encoding: 'utf8'});
	expect(first.status).toBe(0);
	const directory = path.join(cache, 'calico-mcm', 'code');
	const entries = fs.readdirSync(directory);
	expect(entries).toHaveLength(1);
	expect(entries[0]).toMatch(new RegExp(`^program-\\w+\\.cjs\\.${process.version.replaceAll('.', '\\.')}\\.${process.arch}\\.version\\.v8$`));
	const second = spawnSync(process.execPath, [cliPath, 'version'], {env, encoding: 'utf8'});
	expect(second.stdout).toBe(first.stdout);
	// A command that fails keeps nothing (a typo is not a command worth a cache entry).
	expect(spawnSync(process.execPath, [cliPath, 'no-such-command'], {env, encoding: 'utf8'}).status).toBe(2);
	expect(fs.readdirSync(directory)).toEqual(entries);
});

test('the console keeps its first frame\'s code even when stopped as soon as the frame is out, and its next start uses it', async () => {
	const home = path.join(root, 'console');
	const cache = path.join(home, 'cache');
	fs.mkdirSync(home, {recursive: true});
	const kubeconfig = path.join(home, 'kubeconfig');
	fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "https://127.0.0.1:1"\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n', {mode: 0o600});
	const directory = path.join(cache, 'calico-mcm', 'code');
	const start = async () => {
		const c = startConsole(['--kubeconfig', kubeconfig], {env: {HOME: home, XDG_CACHE_HOME: cache}});
		try {
			await c.waitFor(t => t.includes('Fleet'), 'the first frame');
		} finally {
			c.kill('SIGTERM');
			await c.exited;
		}
	};
	await start();
	const entries = fs.readdirSync(directory);
	expect(entries).toEqual([expect.stringMatching(/\.console\.v8$/)]);
	const made = fs.statSync(path.join(directory, entries[0]!)).mtimeMs;
	// Used, so not made again.
	await start();
	expect(fs.readdirSync(directory)).toEqual(entries);
	expect(fs.statSync(path.join(directory, entries[0]!)).mtimeMs).toBe(made);
}, 60_000);
