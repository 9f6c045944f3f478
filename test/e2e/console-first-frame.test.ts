import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {startConsole} from './console-screen.js';

// The first frame comes before the kubeconfig's contents are read (issue 10: a kubeconfig of a
// thousand contexts took a few hundred ms of YAML before the screen showed anything), and a
// kubeconfig that turns out to be unusable still ends in its plain error, on the normal screen.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-first-frame-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

function kubeconfig(name: string, contexts: string[], user = 'u'): string {
	const file = path.join(dir, name);
	const lines = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: "https://127.0.0.1:1"', 'users:', '- name: u', '  user:', '    token: t', 'contexts:'];
	for (const c of contexts) lines.push(`- name: ${c}`, '  context:', '    cluster: c', `    user: ${user}`);
	fs.writeFileSync(file, `${lines.join('\n')}\n`, {mode: 0o600});
	return file;
}

/** The first frame the console drew: its first synchronized-update block. */
function firstFrame(output: string): string {
	const start = output.indexOf('\u001B[?2026h');
	const end = output.indexOf('\u001B[?2026l', start);
	return start < 0 || end < 0 ? '' : output.slice(start, end);
}

describe('console first frame', () => {
	test('the screen is drawn before the contexts are read; then the contexts are watched', async () => {
		const file = kubeconfig('three.yaml', ['one', 'two', 'three']);
		const c = startConsole(['--kubeconfig', file], {env: {HOME: dir}});
		try {
			// The rows, not the log line: three unreachable servers push "watching 3 contexts" out of the log pane at once.
			await c.waitFor(t => /Fleet 3\b/.test(t) && ['one', 'two', 'three'].every(n => new RegExp(`^.{3}${n} `, 'm').test(t)), 'the three contexts as rows');
			const first = firstFrame(c.output());
			expect(first).toContain('Fleet 0');
			expect(first).toContain('reading the kubeconfig contexts');
			expect(first).not.toContain('watching 3 contexts');
		} finally {
			c.kill();
			await c.exited;
		}
	}, 30_000);

	test('a kubeconfig whose context names a missing user: the screen is left and the error printed, exit 2', async () => {
		const file = kubeconfig('bad-user.yaml', ['a'], 'nobody');
		const c = startConsole(['--kubeconfig', file], {env: {HOME: dir}});
		const {exitCode} = await c.exited;
		expect(exitCode).toBe(2);
		// The fix line is short and on the screen; the error line names the file twice and wraps where the
		// temporary directory's path is long, so it is looked for in what was printed.
		await c.waitFor(t => t.includes('fix: add user "nobody"'), 'the error on the normal screen');
		expect(c.bufferType()).toBe('normal');
		expect(c.output()).toContain('refers to user "nobody"');
	}, 30_000);

	test('an unknown --context is refused before the screen changes', async () => {
		const file = kubeconfig('known.yaml', ['a']);
		const c = startConsole(['--kubeconfig', file, '--context', 'typo'], {env: {HOME: dir}});
		const {exitCode} = await c.exited;
		expect(exitCode).toBe(2);
		await c.waitFor(t => t.includes('unknown context "typo"'), 'the error');
		expect(c.output()).not.toContain('\u001B[?1049h');
	}, 30_000);
});
