import {EventEmitter} from 'node:events';
import {render} from 'ink';
import type {ReactElement} from 'react';
import {delay} from './fixtures.js';

// ink-testing-library renders at a fixed 100 columns; the console lays out for the terminal size,
// so this harness gives ink a stdout of any size. Frames are whole (debug mode), like the library's.

export class FakeStdout extends EventEmitter {
	frames: string[] = [];
	isTTY = false;
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string) => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};
}

export type Harness = {
	lastFrame: () => string;
	/** Sends keys one at a time (each a separate read, as a terminal does) and lets ink render. */
	press: (...keys: string[]) => Promise<void>;
	unmount: () => void;
	stdout: FakeStdout;
};

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	home: '\u001B[H',
	end: '\u001B[F',
	tab: '\t',
	shiftTab: '\u001B[Z',
	enter: '\r',
	escape: '\u001B',
	backspace: '\u007F',
	ctrlC: '\u0003',
	ctrlZ: '\u001A',
};

const mounted = new Set<() => void>();

/** `through`: what ink writes its frames to, given the fake terminal (a ScreenWriter on it); default the terminal itself. */
export async function renderAt(element: ReactElement, columns = 100, rows = 30, options: {through?: (stdout: FakeStdout) => unknown} = {}): Promise<Harness> {
	const stdout = new FakeStdout(columns, rows);
	const stdin = new FakeStdin();
	const instance = render(element, {
		stdout: (options.through?.(stdout) ?? stdout) as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		stderr: stdout as unknown as NodeJS.WriteStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	const unmount = () => {
		instance.unmount();
		instance.cleanup();
		mounted.delete(unmount);
	};
	mounted.add(unmount);
	await delay(10);
	return {
		stdout,
		lastFrame: () => stripAnsi(stdout.frames.at(-1) ?? ''),
		async press(...sequence) {
			for (const k of sequence) {
				stdin.write(k);
				// ink waits briefly after a lone ESC for the rest of a sequence.
				await delay(k === keys.escape ? 60 : 5);
			}
			await delay(10);
		},
		unmount,
	};
}

export function unmountAll(): void {
	for (const u of [...mounted]) u();
}

export function stripAnsi(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
}

/** The frame's lines (the trailing newline ink adds is not a line). */
export function lines(frame: string): string[] {
	const l = frame.split('\n');
	if (l.at(-1) === '') l.pop();
	return l;
}
