import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';

// The console as a user sees it: the real CLI in a pseudo-terminal, its byte stream fed to a
// headless xterm. `screen()` is the text on the emulator's screen right now.

const {Terminal} = xtermHeadless;

import {cliPath} from '../helpers/cli.js';

export {cliPath};

export type ConsoleScreen = {
	/** Every line of the visible screen, right-trimmed. */
	screen: () => string[];
	text: () => string;
	/** The runs of inverse-video text on the screen (highlights, the cursor row, a focused title). */
	inverseRuns: () => string[];
	/** All bytes the console wrote so far. */
	output: () => string;
	write: (data: string) => void;
	resize: (cols: number, rows: number) => void;
	/** The emulator's active buffer: 'alternate' while the console runs. */
	bufferType: () => 'normal' | 'alternate';
	waitFor: (check: (text: string) => boolean, what: string, timeoutMs?: number) => Promise<void>;
	exited: Promise<{exitCode: number; signal?: number}>;
	kill: (signal?: string) => void;
	pid: number;
};

export function startConsole(args: string[], options: {cols?: number; rows?: number; env?: Record<string, string>; cwd?: string} = {}): ConsoleScreen {
	const cols = options.cols ?? 120;
	const rows = options.rows ?? 40;
	const term = new Terminal({cols, rows, allowProposedApi: true, scrollback: 0});
	const env = {...process.env, CI: 'false', TERM: 'xterm-256color', ...options.env} as Record<string, string>;
	// ink prints only the final frame when CI (or CONTINUOUS_INTEGRATION) is set to anything but
	// 'false' or '0'.
	delete env.CONTINUOUS_INTEGRATION;
	// The console as users run it: with React's production build (cli.tsx picks it when NODE_ENV is
	// unset). vitest sets NODE_ENV=test, which gave every screen test React's development build, whose
	// different scheduling hid keys lost over tmux (ctrl-w right after enter, issue 13 item 3).
	delete env.NODE_ENV;
	// Its own working directory: plans save files (installation manifests, tokens) there, never in the repo.
	const cwd = options.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-console-'));
	const child = pty.spawn(process.execPath, [cliPath, ...args], {name: 'xterm-256color', cols, rows, cwd, env});
	let raw = '';
	let pending = Promise.resolve();
	child.onData(data => {
		raw += data;
		pending = pending.then(() => new Promise<void>(resolve => term.write(data, resolve)));
	});
	// Resolves once the program's last bytes are on the screen too: xterm parses asynchronously, and a
	// program that leaves at once (cli/quick-exit.ts) can be reported gone before its last write (the
	// terminal's restore) is parsed, which a user's terminal never shows.
	const exited = new Promise<{exitCode: number; signal?: number}>(resolve => child.onExit(e => void pending.then(() => resolve(e))));
	const screen = () => {
		const buffer = term.buffer.active;
		const out: string[] = [];
		for (let i = 0; i < term.rows; i++) out.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
		return out;
	};
	return {
		screen,
		text: () => screen().join('\n'),
		inverseRuns() {
			const buffer = term.buffer.active;
			const runs: string[] = [];
			for (let y = 0; y < term.rows; y++) {
				const line = buffer.getLine(buffer.viewportY + y);
				let run = '';
				for (let x = 0; x < term.cols; x++) {
					const cell = line?.getCell(x);
					if (cell?.isInverse()) run += cell.getChars() || ' ';
					else if (run) {
						runs.push(run);
						run = '';
					}
				}
				if (run) runs.push(run);
			}
			return runs;
		},
		output: () => raw,
		write: data => child.write(data),
		resize(c, r) {
			child.resize(c, r);
			term.resize(c, r);
		},
		bufferType: () => term.buffer.active.type,
		async waitFor(check, what, timeoutMs = 15_000) {
			const start = Date.now();
			for (;;) {
				await pending;
				const text = screen().join('\n');
				if (check(text)) return;
				if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
				await new Promise(r => setTimeout(r, 50));
			}
		},
		exited,
		kill: signal => {
			try {
				child.kill(signal);
			} catch {
				// already gone
			}
		},
		pid: child.pid,
	};
}
