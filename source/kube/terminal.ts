// The real terminal, lent to an exec credential plugin that needs a person (kubelogin's device code,
// `aws sso login`, a re-authentication prompt). The kube layer only asks for it; whoever owns the
// terminal implements the lending: the console (source/app/terminal-lender.ts) pauses its input and
// rendering and leaves the alternate screen; `status` and `run` lend it as it is.

import PQueue from 'p-queue';

export interface TerminalLender {
	/** Whether there is a terminal to lend (stdin and stderr are TTYs). */
	readonly available: boolean;
	/**
	 * Hand the terminal over, print `why` on it, run `use` (which spawns the plugin with the terminal
	 * as its stdin and stderr), and take the terminal back whatever happens.
	 */
	lend<T>(why: string, use: () => Promise<T>): Promise<T>;
}

/** A terminal with nothing drawn on it (status, run): lent as it is, after a line saying why. */
export function plainTerminal(stream: {isTTY?: boolean; write(text: string): unknown} = process.stderr, stdin: {isTTY?: boolean} = process.stdin): TerminalLender {
	return {
		available: Boolean(stream.isTTY && stdin.isTTY),
		async lend(why, use) {
			stream.write(`calico-mcm: ${why}\n`);
			return use();
		},
	};
}

const prompts = new PQueue({concurrency: 1});

/** One prompting plugin at a time, process-wide: two prompts on one terminal would garble both. */
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
	return prompts.add(fn);
}
