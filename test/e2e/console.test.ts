import {afterEach, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';

// The console on the embedded demo fleet, in a pseudo-terminal, read off a terminal emulator.

const running: ConsoleScreen[] = [];
afterEach(async () => {
	for (const c of running.splice(0)) {
		c.kill('SIGKILL');
		await c.exited;
	}
});

function demo(cols = 100, rows = 30, extra: string[] = []): ConsoleScreen {
	const c = startConsole(['--demo', '--speed', '0', ...extra], {cols, rows});
	running.push(c);
	return c;
}

const fleetReady = (t: string) => ['mgmt', 'managed-1', 'managed-2', 'managed-3', 'standalone-1', 'bare-1'].every(n => t.includes(` ${n} `)) && t.includes('6 healthy');

describe('console on the demo fleet', () => {
	test('starts in the alternate screen, shows the fleet, and q restores the terminal', async () => {
		const c = demo();
		await c.waitFor(fleetReady, 'six healthy clusters');
		expect(c.bufferType()).toBe('alternate');
		const screen = c.screen();
		// The frame never fills the last row (ink clears the screen on every update when it does).
		expect(screen.at(-1)).toBe('');
		expect(screen.at(-2)).toContain('6 clusters');
		expect(c.text()).toMatch(/managed-1\s+managed\s+v3\.\d+\.\d+\s+True \d+s\s+\d+\/\d+/);
		c.write('q');
		const {exitCode} = await c.exited;
		expect(exitCode).toBe(0);
		expect(c.bufferType()).toBe('normal');
		expect(c.output().endsWith('\u001B[?1049l')).toBe(true);
		expect(c.output()).toContain('\u001B[?25h');
	});

	test('navigate, filter, sort and help by keys', async () => {
		const c = demo();
		await c.waitFor(fleetReady, 'six healthy clusters');
		c.write('jj');
		await c.waitFor(t => /TigerStatus ─ managed-2 managed/.test(t), 'the TigerStatus pane on managed-2');
		await c.waitFor(t => /10\/10 available/.test(t) && /● apiserver\s+True\s+False\s+False/.test(t), "managed-2's components");

		c.write('/');
		c.write('mana');
		c.write('ged');
		// The fleet pane only (up to the TigerStatus title): the log below may name mgmt in any order.
		const fleetPane = (t: string) => t.split(/─ TigerStatus/)[0]!;
		await c.waitFor(t => t.includes('Fleet 3/6') && !fleetPane(t).includes(' mgmt '), 'three managed clusters');
		c.write('\r');
		await c.waitFor(t => t.includes('filter:managed'), 'the kept filter');
		c.write('\u001B');
		await c.waitFor(t => t.includes('Fleet 6 ') && fleetPane(t).includes(' mgmt '), 'the filter cleared');

		c.write('N');
		const rows = () => c.screen().filter(l => /^[ ›◆][●◐▲○✕] /.test(l)).map(l => l.slice(3).trim().split(/\s+/)[0]);
		const reversed = ['standalone-1', 'mgmt', 'managed-3', 'managed-2', 'managed-1', 'bare-1'];
		await c.waitFor(t => t.includes('sort:name↓') && rows().join() === reversed.join(), 'reverse name sort');

		c.write('?');
		await c.waitFor(t => t.includes('─ Help') && t.includes('ctrl-c'), 'the help overlay');
		c.write('\u001B');
		await c.waitFor(t => t.includes('Fleet 6'), 'the help closed');
		c.write('\u0003');
		expect((await c.exited).exitCode).toBe(0);
		expect(c.bufferType()).toBe('normal');
	});

	test('re-lays out on resize: stacked at 100 columns, two by two at 180', async () => {
		const c = demo(100, 30);
		await c.waitFor(fleetReady, 'six healthy clusters');
		expect(c.screen()[0]).toMatch(/^─ Fleet 6/);
		expect(c.screen()[0]).not.toContain('TigerStatus');
		// A frame may arrive in several reads: wait for its first and last lines.
		const framed = (t: string, first: (line: string) => boolean) => {
			const l = t.split('\n');
			return first(l[0]) && l.at(-2)!.includes('6 clusters') && l.at(-1) === '';
		};
		c.resize(180, 50);
		await c.waitFor(t => framed(t, l => /^─ Fleet 6.*│─ TigerStatus/.test(l)), 'fleet and TigerStatus side by side');
		c.resize(80, 24);
		await c.waitFor(t => framed(t, l => l.startsWith('─ Fleet 6') && !l.includes('TigerStatus')), 'stacked again');
		for (const line of c.screen()) expect(line.length).toBeLessThanOrEqual(80);
	});

	test.each([
		['SIGTERM', 143],
		['SIGHUP', 129],
	])('%s restores the terminal and exits with %i', async (signal, code) => {
		const c = demo();
		await c.waitFor(fleetReady, 'six healthy clusters');
		c.kill(signal);
		const {exitCode} = await c.exited;
		expect(exitCode).toBe(code);
		expect(c.bufferType()).toBe('normal');
		expect(c.output()).toContain('\u001B[?1049l');
	});

	test('--ascii draws the screen in plain ASCII', async () => {
		const c = demo(100, 30, ['--ascii']);
		await c.waitFor(t => t.includes('6 healthy'), 'the fleet');
		// eslint-disable-next-line no-control-regex
		expect(c.text()).toMatch(/^[\u0000-\u007F]*$/);
		expect(c.text()).toContain('+ managed-1');
	});

	test("o follows the selected cluster's tigera-operator pod log, o again returns to the console log", async () => {
		const c = demo(100, 40);
		await c.waitFor(fleetReady, 'six healthy clusters');
		c.write('jjjj'); // mgmt
		await c.waitFor(t => /TigerStatus ─ mgmt management/.test(t), 'mgmt selected');
		c.write('o');
		await c.waitFor(t => /─ Log ─ tigera-operator @ mgmt ─ following tigera-operator-\S+/.test(t), 'the operator log followed');
		const logPane = () => {
			const s = c.screen();
			const start = s.findIndex(l => l.startsWith('─ Log'));
			return s.slice(start + 1, -2).filter(l => l.trim() !== '');
		};
		await c.waitFor(() => logPane().length > 0 && !logPane()[0].startsWith('Waiting'), 'operator log lines');
		c.write('o');
		await c.waitFor(t => t.includes('─ Log ─ console'), 'back to the console log');
	});

	test('--read-only shows the badge', async () => {
		const c = demo(100, 30, ['--read-only']);
		await c.waitFor(t => t.includes('READ-ONLY'), 'the read-only badge');
	});
});
