import {afterEach, describe, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';

// Keys as tmux send-keys, a paste or fast typing over SSH deliver them: several in one write. Each
// must count, in the filter, in a prompt that opens in the middle of the write, and in the help.

const running: ConsoleScreen[] = [];
afterEach(async () => {
	for (const c of running.splice(0)) {
		c.kill('SIGKILL');
		await c.exited;
	}
});

function demo(): ConsoleScreen {
	const c = startConsole(['--demo', '--speed', '0'], {cols: 110, rows: 34});
	running.push(c);
	return c;
}

const fleetReady = (t: string) => ['mgmt', 'managed-1', 'standalone-1', 'bare-1'].every(n => t.includes(` ${n} `)) && t.includes('6 healthy');
const ctrl = (letter: string) => String.fromCharCode(letter.charCodeAt(0) - 96);
const backspace = '\u007F';

describe('keys that arrive in one read', () => {
	test('the filter: text + enter, backspaces, ctrl-u, ctrl-w, ctrl-a, arrows, each in one write', async () => {
		const c = demo();
		await c.waitFor(fleetReady, 'the fleet');
		c.write('/standalone-1\r');
		await c.waitFor(t => t.includes('Fleet 1/6') && t.includes('filter:standalone-1') && t.includes('?: help'), 'the filter kept and the prompt closed');

		c.write('/');
		await c.waitFor(t => t.includes('/standalone-1_'), 'the prompt open again');
		c.write(backspace.repeat(3));
		await c.waitFor(t => t.includes('/standalon_'), 'three backspaces, three characters');
		c.write(backspace.repeat(10));
		await c.waitFor(t => t.includes('Fleet 6 ') && t.includes('─ /_'), 'ten backspaces, ten characters');

		c.write(`managed-2${ctrl('u')}`);
		await c.waitFor(t => t.includes('─ /_') && t.includes('Fleet 6 '), 'ctrl-u clears the line (and inserts no u)');
		c.write(`mgmt managed${ctrl('w')}`);
		await c.waitFor(t => t.includes('/mgmt _'), 'ctrl-w deletes the word before the cursor');
		c.write(`${backspace}${ctrl('a')}!`);
		await c.waitFor(t => t.includes('/!|mgmt') && t.includes('Fleet 5/6') && !/\n.{0,4}mgmt /.test(t), 'ctrl-a then ! inserts at the start: everything but mgmt');
		c.write(`${ctrl('e')}\u001B[D\u001B[D\u001B[3~`);
		await c.waitFor(t => t.includes('/!mg|t'), 'ctrl-e, left arrows and delete edit in the middle');
		c.write('\u001B[Fx\r');
		await c.waitFor(t => t.includes('filter:!mgtx') && t.includes('Fleet 6 '), 'end moves to the end; enter keeps it');
	});

	test('a prompt opened in the middle of a write gets the rest; preflight takes y; help and YAML scroll with g/G', async () => {
		const c = demo();
		await c.waitFor(fleetReady, 'the fleet');
		// The cursor starts on bare-1; g (grant) opens a prompt pre-filled with mcm-user.
		c.write(`g${ctrl('u')}alice\r${ctrl('w')}view\r`);
		await c.waitFor(t => t.includes('Preflight · Grant default/alice view on bare-1') && t.includes('All checks passed'), 'both answers taken, the preflight passed');
		c.write('y');
		await c.waitFor(t => t.includes('y or enter runs it'), 'y continues to the confirmation');
		c.write('\u001B');
		await c.waitFor(t => t.includes('─ Fleet'), 'esc leaves');

		c.write('?G');
		await c.waitFor(t => t.includes('marked cluster (space)') && !t.includes('this help (esc or ? closes it)'), 'G: the end of the help');
		c.write('g');
		await c.waitFor(t => t.includes('this help (esc or ? closes it)'), 'g: the top of the help');
		c.write(`${ctrl('f')}`);
		await c.waitFor(t => !t.includes('this help (esc or ? closes it)'), 'ctrl-f: a page down');
		c.write('\u001B[H');
		await c.waitFor(t => t.includes('this help (esc or ? closes it)'), 'Home: the top again');
	});
});
