import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';

// A filter regex that backtracks catastrophically in JavaScript's RegExp (`(a+)+b` on a long row,
// `(\w+-?)+staging` on a GKE-style context name) must never freeze the console: q and signals still
// work promptly and the terminal is restored. The rows come from a kubeconfig whose servers refuse
// connections: the fleet pane lists them (unreachable) at once, no simulator needed.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-regex-'));
const kubeconfig = path.join(dir, 'kubeconfig');
const gke = 'gke_my-production-project-123456_europe-west1-b_payments-cluster-primary-blue-green-canary';
const long = `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-${'a'.repeat(40)}`;
const contexts = [gke, long, 'prod-1'];
fs.writeFileSync(
	kubeconfig,
	[
		'apiVersion: v1',
		'kind: Config',
		'clusters:',
		// Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
		...contexts.flatMap(c => [`- name: ${c}`, '  cluster:', '    server: https://127.0.0.1:9']),
		'users:',
		'- name: u',
		'  user: {}',
		'contexts:',
		...contexts.flatMap(c => [`- name: ${c}`, '  context:', `    cluster: ${c}`, '    user: u']),
		`current-context: ${contexts[0]}`,
		'',
	].join('\n'),
	{mode: 0o600},
);

const running: ConsoleScreen[] = [];
afterEach(async () => {
	for (const c of running.splice(0)) {
		c.kill('SIGKILL');
		await c.exited;
	}
});
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

async function consoleWithRows(): Promise<ConsoleScreen> {
	const c = startConsole(['--kubeconfig', kubeconfig, '--request-timeout', '2s'], {cols: 200, rows: 30, env: {XDG_STATE_HOME: dir}});
	running.push(c);
	await c.waitFor(t => t.includes('Fleet 3') && t.includes('gke_my-production'), 'three rows');
	return c;
}

/** Resolves with the exit, or with 'still running' when the console has not exited within `ms`. */
function exitWithin(c: ConsoleScreen, ms: number): Promise<{exitCode: number} | 'still running'> {
	return Promise.race([c.exited, new Promise<'still running'>(r => setTimeout(() => r('still running'), ms))]);
}

describe('a catastrophic filter regex does not block the console', () => {
	test('~(\\w+-?)+staging on a GKE-style context name: the filter applies and q quits at once', async () => {
		const c = await consoleWithRows();
		c.write('/');
		c.write('~(\\w+-?)+staging');
		await c.waitFor(t => t.includes('Fleet 0/3'), 'no row matches');
		c.write('\r');
		await c.waitFor(t => t.includes('filter:~'), 'the kept filter');
		c.write('\u001B');
		await c.waitFor(t => t.includes('Fleet 3 '), 'the filter cleared');
		c.write('/');
		c.write('~(\\w+-?)+canary\r');
		await c.waitFor(t => t.includes('Fleet 1/3') && t.includes('gke_my-production'), 'the GKE row matches');
		c.write('q');
		const exit = await exitWithin(c, 5000);
		expect(exit).toEqual(expect.objectContaining({exitCode: 0}));
		expect(c.bufferType()).toBe('normal');
	});

	test('~^(a+)+b on a long row: SIGTERM still ends the console and restores the terminal', async () => {
		const c = await consoleWithRows();
		c.write('/');
		c.write('~^(a+)+b');
		await c.waitFor(t => t.includes('Fleet 0/3'), 'no row matches');
		c.kill('SIGTERM');
		const exit = await exitWithin(c, 5000);
		expect(exit).toEqual(expect.objectContaining({exitCode: 143}));
		expect(c.bufferType()).toBe('normal');
		expect(c.output()).toContain('\u001B[?1049l');
	});

	test('a pattern RE2 cannot run in linear time is refused with a message, not run', async () => {
		const c = await consoleWithRows();
		c.write('/');
		c.write('~(a)\\1');
		await c.waitFor(t => /bad regex: backreferences \(`\\1`\) are not supported/.test(t), 'the refusal');
		c.write('\u0003');
		expect(await exitWithin(c, 5000)).toEqual(expect.objectContaining({exitCode: 0}));
	});
});
