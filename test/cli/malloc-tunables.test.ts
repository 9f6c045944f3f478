import {spawnSync} from 'node:child_process';
import process from 'node:process';
import {afterEach, expect, test} from 'vitest';
import {forgetMallocTunables, mallocTunables, mallocTunablesMark, reexecWithMallocTunables} from '../../source/cli/malloc-tunables.js';
import {cliPath} from '../helpers/cli.js';

type Call = {file: string; args: string[]; env: NodeJS.ProcessEnv};
const hasExecve = typeof (process as unknown as {execve?: unknown}).execve === 'function';

/** Stands in for process.execve (it would replace the test runner), recording what it was asked to run. */
function stubExecve(): Call[] {
	const calls: Call[] = [];
	Object.defineProperty(process, 'execve', {
		configurable: true,
		writable: true,
		value: (file: string, args: string[], env: NodeJS.ProcessEnv) => void calls.push({file, args, env}),
	});
	return calls;
}

const original = Object.getOwnPropertyDescriptor(process, 'execve');
afterEach(() => {
	if (original) Object.defineProperty(process, 'execve', original);
	else delete (process as unknown as {execve?: unknown}).execve;
});

test.runIf(process.platform === 'linux')('the console starts again as the same command, with the tunables added to its environment', () => {
	const calls = stubExecve();
	reexecWithMallocTunables({PATH: '/bin', KUBECONFIG: '/k'});
	expect(calls).toEqual([
		{
			file: process.execPath,
			args: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
			env: {PATH: '/bin', KUBECONFIG: '/k', GLIBC_TUNABLES: mallocTunables, [mallocTunablesMark]: '1'},
		},
	]);
});

test('a process that runs with GLIBC_TUNABLES already (the user\'s own, or started here) is not started again', () => {
	const calls = stubExecve();
	reexecWithMallocTunables({GLIBC_TUNABLES: 'glibc.malloc.arena_max=4'});
	expect(calls).toEqual([]);
});

test('on a Node without process.execve the console runs on as it is', () => {
	delete (process as unknown as {execve?: unknown}).execve;
	expect(() => reexecWithMallocTunables({})).not.toThrow();
});

test('the re-executed console gives what it starts the user\'s environment, and leaves a user\'s own tunables alone', () => {
	const ours: NodeJS.ProcessEnv = {PATH: '/bin', GLIBC_TUNABLES: mallocTunables, [mallocTunablesMark]: '1'};
	forgetMallocTunables(ours);
	expect(ours).toEqual({PATH: '/bin'});
	// As glibc leaves the variable once it has read it: cut at the first `:`.
	const read: NodeJS.ProcessEnv = {PATH: '/bin', GLIBC_TUNABLES: mallocTunables.split(':')[0], [mallocTunablesMark]: '1'};
	forgetMallocTunables(read);
	expect(read).toEqual({PATH: '/bin'});
	const users: NodeJS.ProcessEnv = {GLIBC_TUNABLES: 'glibc.malloc.arena_max=4'};
	forgetMallocTunables(users);
	expect(users).toEqual({GLIBC_TUNABLES: 'glibc.malloc.arena_max=4'});
});

test.runIf(hasExecve && process.platform === 'linux')('through the re-execution the console keeps its arguments, output and exit status', () => {
	const bad = spawnSync(process.execPath, [cliPath, '--no-such-flag'], {encoding: 'utf8', env: {...process.env, GLIBC_TUNABLES: undefined}});
	expect(bad.status).toBe(2);
	expect(bad.stderr).toContain('unknown flag --no-such-flag');
	const version = spawnSync(process.execPath, [cliPath, '--version'], {encoding: 'utf8', env: {...process.env, GLIBC_TUNABLES: undefined}});
	expect(version.status).toBe(0);
	expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
});
