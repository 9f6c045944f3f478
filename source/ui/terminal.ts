// The terminal around the console: alternate screen and hidden cursor on start, both undone on
// every way out (quit, ctrl-c, an uncaught error, SIGTERM, SIGHUP, SIGINT, process exit), exactly
// once. ink 6 has no alternate-screen option, so this is done here.

export const enterSequence = '\u001B[?1049h\u001B[H\u001B[2J\u001B[?25l';
export const leaveSequence = '\u001B[?25h\u001B[?1049l';

type Writable = {write: (chunk: string) => unknown; isTTY?: boolean};

export type TerminalSession = {
	/** Leave the alternate screen and show the cursor (idempotent). */
	restore: () => void;
	readonly active: boolean;
};

export function enterAlternateScreen(stdout: Writable): TerminalSession {
	let active = false;
	const write = (s: string) => {
		try {
			stdout.write(s);
		} catch {
			// The terminal may be gone (SIGHUP): nothing left to restore.
		}
	};
	if (stdout.isTTY) {
		write(enterSequence);
		active = true;
	}
	return {
		restore() {
			if (!active) return;
			active = false;
			write(leaveSequence);
		},
		get active() {
			return active;
		},
	};
}

export type ExitReason = {kind: 'signal'; signal: NodeJS.Signals} | {kind: 'error'; error: unknown};

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = {SIGHUP: 1, SIGINT: 2, SIGTERM: 15};

/** Exit code for a signal, as shells report it (128 + n). */
export function signalExitCode(signal: NodeJS.Signals): number {
	return 128 + (signalNumbers[signal] ?? 1);
}

/**
 * Calls `onExit` once for the first signal or uncaught error, and `restore` synchronously on process
 * exit whatever happens. Returns a function that removes every handler.
 */
export function guardExit(options: {restore: () => void; onExit: (reason: ExitReason) => void; proc?: NodeJS.Process}): () => void {
	const proc = options.proc ?? process;
	let fired = false;
	const fire = (reason: ExitReason) => {
		options.restore();
		if (fired) return;
		fired = true;
		options.onExit(reason);
	};
	const onSignal = (signal: NodeJS.Signals) => fire({kind: 'signal', signal});
	const onError = (error: unknown) => fire({kind: 'error', error});
	const onProcessExit = () => options.restore();
	const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
	for (const s of signals) proc.on(s, onSignal);
	proc.on('uncaughtException', onError);
	proc.on('unhandledRejection', onError);
	proc.on('exit', onProcessExit);
	return () => {
		for (const s of signals) proc.off(s, onSignal);
		proc.off('uncaughtException', onError);
		proc.off('unhandledRejection', onError);
		proc.off('exit', onProcessExit);
	};
}
