// The console's side of lending the terminal to an exec plugin's login prompt (see
// source/kube/terminal.ts): the UI stops reading keys and drawing, the alternate screen is left so the
// prompt appears on the user's normal screen, and afterwards the console comes back as it was (same
// selection, filter and panes; the fleet kept updating meanwhile and is redrawn whole).

import type {TerminalLender} from '../kube/terminal.js';

export type TerminalOwner = {
	/** stdin and stdout are a terminal. */
	available: boolean;
	/** Stop reading keys and drawing, leave the alternate screen. */
	release(): Promise<void>;
	/** Back to the alternate screen, redraw, read keys again. */
	reclaim(): void;
	/** Write on the user's normal screen. */
	write(text: string): void;
};

export function consoleTerminal(owner: TerminalOwner): TerminalLender {
	return {
		get available() {
			return owner.available;
		},
		async lend(why, use) {
			await owner.release();
			owner.write(`\ncalico-mcm: ${why}\n`);
			try {
				return await use();
			} finally {
				owner.reclaim();
			}
		},
	};
}
