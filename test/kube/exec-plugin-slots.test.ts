// How many exec plugins run at once, process-wide: a cold start over many contexts forks at most
// maxConcurrentPlugins plugins together (not one per context), and plugins that need the terminal
// for a login take it one at a time, whatever the contexts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {ExecCredentialProvider, maxConcurrentPlugins, type ExecConfig} from '../../source/kube/exec-credentials.js';
import type {TerminalLender} from '../../source/kube/terminal.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exec-slots-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

// Logs "start <ms>" and "end <ms>" for each run, then holds: until AWAIT runs have logged their start
// (or 10 s passed), then 400 ms more, and answers with a token. Waiting for the others to start keeps
// a run from ending before the last allowed one has started, which on a loaded machine (a Node start
// can take longer than a fixed hold) made the runs seen at once fewer than the limit allows.
const plugin = path.join(dir, 'slow-plugin');
fs.writeFileSync(
	plugin,
	`#!/usr/bin/env node
const fs = require('node:fs');
fs.appendFileSync(process.env.LOG, 'start ' + Date.now() + '\\n');
const until = Date.now() + 10000;
const started = () => fs.readFileSync(process.env.LOG, 'utf8').split('\\n').filter(l => l.startsWith('start ')).length;
const hold = () => {
	if (started() < Number(process.env.AWAIT || 1) && Date.now() < until) return setTimeout(hold, 20);
	setTimeout(() => {
		fs.appendFileSync(process.env.LOG, 'end ' + Date.now() + '\\n');
		process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: 'tok'}}));
	}, 400);
};
hold();
`,
	{mode: 0o755},
);

/** The most plugin runs that were going on at the same moment, from the log. */
function mostAtOnce(log: string): number {
	const events = fs
		.readFileSync(log, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => line.split(' ') as ['start' | 'end', string])
		.sort((a, b) => Number(a[1]) - Number(b[1]) || (a[0] === 'end' ? -1 : 1));
	let now = 0;
	let most = 0;
	for (const [kind] of events) most = Math.max(most, (now += kind === 'start' ? 1 : -1));
	return most;
}

function providers(count: number, log: string, interactiveMode: ExecConfig['interactiveMode'], terminal?: TerminalLender, awaitStarts = 1): ExecCredentialProvider[] {
	const config: ExecConfig = {command: plugin, displayCommand: 'slow-plugin', args: [], env: [{name: 'LOG', value: log}, {name: 'AWAIT', value: String(awaitStarts)}], apiVersion: 'client.authentication.k8s.io/v1', provideClusterInfo: false, interactiveMode};
	return Array.from({length: count}, (_, i) => new ExecCredentialProvider(config, {context: `ctx-${i}`, terminal, pluginTimeoutMs: 20_000}));
}

describe('exec plugins across contexts', () => {
	it(`runs at most ${maxConcurrentPlugins} plugins at once on a cold start of many contexts, and every context gets its credential`, async () => {
		const log = path.join(dir, 'detached.log');
		// Each run holds until the limit's worth have started: more than the limit at once shows as more.
		const all = providers(maxConcurrentPlugins + 3, log, 'Never', undefined, maxConcurrentPlugins);
		const credentials = await Promise.all(all.map(p => p.get()));
		expect(credentials.map(c => c.token)).toEqual(Array(all.length).fill('tok'));
		expect(mostAtOnce(log)).toBe(maxConcurrentPlugins);
	}, 30_000);

	it('lends the terminal to one login at a time', async () => {
		const log = path.join(dir, 'terminal.log');
		const lent: string[] = [];
		const terminal: TerminalLender = {available: true, lend: (why, use) => (lent.push(why), use())};
		const all = providers(3, log, 'Always', terminal);
		await Promise.all(all.map(p => p.get()));
		expect(lent).toHaveLength(3);
		expect(mostAtOnce(log)).toBe(1);
	}, 30_000);
});
