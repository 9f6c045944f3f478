import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {createInterface} from 'node:readline';
import {cliPath, type ConsoleScreen} from './console-screen.js';

// A simulator in its own process (speed 0) driven by control lines, and screen helpers for the
// workflow tests, which use keys only.

export type Sim = {kubeconfig: string; control: (line: string) => Promise<void>; stop: () => Promise<void>};

export async function startSim(kubeconfig: string, args: string[]): Promise<Sim> {
	const sim: ChildProcessWithoutNullStreams = spawn(process.execPath, [cliPath, 'sim', ...args, '--speed', '0', '--kubeconfig-out', kubeconfig], {stdio: 'pipe'});
	const answers: string[] = [];
	const lines = createInterface({input: sim.stdout});
	await new Promise<void>((resolve, reject) => {
		lines.on('line', line => {
			if (line.startsWith('ready ')) resolve();
			else answers.push(line);
		});
		sim.on('exit', code => reject(new Error(`sim exited with ${code}`)));
	});
	return {
		kubeconfig,
		async control(line) {
			const before = answers.length;
			sim.stdin.write(`${line}\n`);
			const start = Date.now();
			while (answers.length === before) {
				if (Date.now() - start > 10_000) throw new Error(`no answer to "${line}"`);
				await new Promise(r => setTimeout(r, 20));
			}
			if (!answers.at(-1)!.startsWith('ok ')) throw new Error(`sim refused "${line}": ${answers.at(-1)}`);
		},
		async stop() {
			if (sim.exitCode !== null) return;
			const exited = new Promise(r => sim.on('exit', r));
			sim.kill('SIGTERM');
			await exited;
		},
	};
}

export const keys = {enter: '\r', escape: '\u001B', down: '\u001B[B', up: '\u001B[A', backspace: '\u007F'};

/** The fleet row of one cluster (after the cursor/mark column). */
export function fleetRow(c: ConsoleScreen, name: string): string {
	return c.screen().find(l => new RegExp(`^.{0,4}${name} `).test(l)) ?? '';
}

/** Moves the fleet cursor onto a cluster by keys (j/k), reading where it is from the screen. */
export async function selectRow(c: ConsoleScreen, name: string): Promise<void> {
	// The fleet pane has the focus for j/k to move its cursor (a started plan focuses the steps pane).
	c.write('1');
	await new Promise(r => setTimeout(r, 60));
	for (let i = 0; i < 40; i++) {
		const rows = c.screen();
		const cursor = rows.findIndex(l => l.startsWith('›'));
		const target = rows.findIndex(l => new RegExp(`^.{0,4}${name} `).test(l));
		if (cursor === -1 || target === -1) throw new Error(`no cursor or no row ${name} on screen:\n${rows.join('\n')}`);
		if (cursor === target) return;
		c.write(target > cursor ? 'j' : 'k');
		await c.waitFor(() => c.screen().findIndex(l => l.startsWith('›')) !== cursor, 'the cursor to move', 5_000);
	}
	throw new Error(`could not reach ${name}`);
}

/** Types keys one at a time with a pause, as a person does (ink reads each as its own key press). */
export async function press(c: ConsoleScreen, ...sequence: string[]): Promise<void> {
	for (const k of sequence) {
		c.write(k);
		await new Promise(r => setTimeout(r, k === keys.escape ? 120 : 40));
	}
}

/** Presses a key that moves a prompt on, once, and waits for what comes next. */
export async function answer(c: ConsoleScreen, key: string, expected: string | RegExp, timeoutMs = 20_000): Promise<void> {
	c.write(key);
	await c.waitFor(text => (typeof expected === 'string' ? text.includes(expected) : expected.test(text)), String(expected), timeoutMs);
}

/** Presses a key that should end the console, once, and waits for the exit. */
export async function exitAfter(c: ConsoleScreen, key: string, timeoutMs = 20_000): Promise<void> {
	c.write(key);
	const timeout = new Promise<'timeout'>(r => setTimeout(() => r('timeout'), timeoutMs));
	if ((await Promise.race([c.exited, timeout])) === 'timeout') throw new Error(`the console did not exit after ${JSON.stringify(key)}; screen:\n${c.text()}`);
}

/** Types into a prompt that has just appeared: keys typed at once are kept for it. */
export async function typeInto(c: ConsoleScreen, ...sequence: string[]): Promise<void> {
	await press(c, ...sequence);
}
