import {beforeAll, describe, expect, test} from 'vitest';
import type {ConsoleScreen} from './console-screen.js';
import {simFixture} from './workflow-helpers.js';

// Faults injected into a simulator running in its own process (`calico-mcm sim`), seen on the
// console's screen: one cluster down does not stop the others from updating.

const sim = simFixture('faults', ['--managed', '3', '--standalone', '1', '--bare', '0']);
const control = (line: string) => sim.control(line);
let console_: ConsoleScreen;

/** The fleet row of one cluster on the screen. */
function row(name: string): string {
	return console_.screen().find(l => l.slice(3).startsWith(`${name} `)) ?? '';
}

const rowMatches = (name: string, re: RegExp) => () => re.test(row(name));

beforeAll(async () => {
	console_ = sim.console(['--request-timeout', '2s', '--cert-refresh', '1s'], {cols: 120, rows: 32});
	await console_.waitFor(t => t.includes('5 healthy'), 'five healthy clusters', 30_000);
}, 60_000);

const wait = (check: () => boolean, what: string) => console_.waitFor(() => check(), what, 20_000);

describe('faults on screen', () => {
	test('api-down shows the cluster unreachable while the others keep updating; api-up brings it back', async () => {
		await control('api-down managed-2');
		await wait(rowMatches('managed-2', /unreachable \d+s/), 'managed-2 unreachable');
		expect(console_.screen().at(-2)).toMatch(/✕ 1 unreachable/);
		expect(row('managed-2')).toMatch(/ECONNREFUSED|refused|unreachable/);

		await control('degrade managed-1 apiserver the apiserver pods crash');
		await wait(rowMatches('managed-1', /True \d+\w\s+ok \d+\w\s.*\sapiserver/), 'managed-1 degraded while managed-2 is down');
		expect(row('managed-2')).toMatch(/unreachable/);

		await control('recover managed-1 apiserver');
		await control('api-up managed-2');
		await wait(rowMatches('managed-2', /True \d+\w\s+ok \d+\w\s.*\s\d+\/\d+/), 'managed-2 back');
		await wait(rowMatches('managed-1', /True \d+\w\s+ok \d+\w\s.*\s(\d+)\/\1/), 'managed-1 recovered');
		expect(console_.screen().at(-2)).toContain('5 healthy');
	});

	test('tunnel-down flips the connection to False on screen; tunnel-up to True', async () => {
		await control('tunnel-down managed-3');
		await wait(rowMatches('managed-3', /False \d+s/), 'managed-3 disconnected');
		expect(console_.screen().at(-2)).toMatch(/○ 1 disconnected/);
		await control('tunnel-up managed-3');
		await wait(rowMatches('managed-3', /True \d+s/), 'managed-3 connected again');
	});

	test('cert-expire: CERT warns at < 30 days, is critical at < 7, and an expired certificate drops the tunnel', async () => {
		await wait(rowMatches('managed-1', / ok 2y /), 'managed-1 certificate ok');
		const header = console_.screen().find(l => l.includes('NAME') && l.includes('CERT')) ?? '';
		expect(header).toMatch(/CONNECTED\s+API\s+CERT\s+AGE/);
		await control('cert-expire managed-1 20');
		await wait(rowMatches('managed-1', / warn 19d /), 'managed-1 warning');
		await control('cert-expire managed-2 3');
		await wait(rowMatches('managed-2', / crit 2d /), 'managed-2 critical');
		expect(row('managed-2').slice(1, 2)).toBe('▲');
		await control('cert-expire managed-3 -1');
		await wait(rowMatches('managed-3', /False \d+s .* expired /), 'managed-3 expired and disconnected');
		for (const name of ['managed-1', 'managed-2', 'managed-3']) await control(`cert-expire ${name} 400`);
		await wait(rowMatches('managed-3', /True \d+s .* ok 1y /), 'managed-3 renewed and connected');
	});
});
