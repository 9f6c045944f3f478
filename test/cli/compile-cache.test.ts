import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, expect, test} from 'vitest';
import {compileCacheDirectory, enableCompileCache} from '../../source/cli/compile-cache.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-compile-cache-'));
afterAll(() => fs.rmSync(root, {recursive: true, force: true}));

function enabler() {
	const calls: string[] = [];
	return {calls, enable: (directory: string) => void calls.push(directory)};
}

test('the cache goes to the user\'s own cache directory, made private (0700)', () => {
	const env = {XDG_CACHE_HOME: path.join(root, 'a')};
	const {calls, enable} = enabler();
	const directory = enableCompileCache(env, enable);
	expect(directory).toBe(path.join(root, 'a', 'calico-mcm', 'v8'));
	expect(calls).toEqual([directory]);
	if (process.platform !== 'win32') expect(fs.statSync(directory!).mode & 0o777).toBe(0o700);
	expect(compileCacheDirectory({HOME: '/h'} as NodeJS.ProcessEnv).endsWith(path.join('.cache', 'calico-mcm', 'v8'))).toBe(true);
});

test.skipIf(process.platform === 'win32')('a cache directory others can read or write is not used', () => {
	const directory = path.join(root, 'b', 'calico-mcm', 'v8');
	fs.mkdirSync(directory, {recursive: true, mode: 0o755});
	fs.chmodSync(directory, 0o755);
	const {calls, enable} = enabler();
	expect(enableCompileCache({XDG_CACHE_HOME: path.join(root, 'b')}, enable)).toBeUndefined();
	expect(calls).toEqual([]);
});

test('nothing is done where Node has no compile cache (Node 20), or the user chose one or none', () => {
	expect(enableCompileCache({XDG_CACHE_HOME: path.join(root, 'c')}, null)).toBeUndefined();
	expect(fs.existsSync(path.join(root, 'c'))).toBe(false);
	const {calls, enable} = enabler();
	expect(enableCompileCache({XDG_CACHE_HOME: path.join(root, 'd'), NODE_COMPILE_CACHE: '/elsewhere'}, enable)).toBeUndefined();
	expect(enableCompileCache({XDG_CACHE_HOME: path.join(root, 'd'), NODE_DISABLE_COMPILE_CACHE: '1'}, enable)).toBeUndefined();
	expect(calls).toEqual([]);
});
