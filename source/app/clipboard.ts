import {execFileSync} from 'node:child_process';

// `c` in the token window sends the token to the user's terminal as an OSC 52 clipboard request.
// Whether it lands on a clipboard is up to the terminal, and inside tmux up to tmux's set-clipboard
// option: `on` passes a program's request on; `external` (the default) and `off` drop it. So the
// console says what it sent and, inside tmux, what set-clipboard lets through; it never claims a copy.

/** OSC 52: the terminal the user sits at (through SSH and tmux) puts the text on its clipboard. */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

/** tmux's set-clipboard, asked of the tmux server we run under; undefined when tmux does not answer. */
export function tmuxSetClipboard(env: NodeJS.ProcessEnv = process.env): string | undefined {
	try {
		return execFileSync('tmux', ['show', '-gv', 'set-clipboard'], {env, timeout: 2000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** What to tell the user after sending `what` (e.g. "the token (912 characters)") by OSC 52. */
export function clipboardReport(
	what: string,
	env: NodeJS.ProcessEnv = process.env,
	askTmux: (env: NodeJS.ProcessEnv) => string | undefined = tmuxSetClipboard,
	/** The other way to get it, named when tmux drops the request. */
	instead = 'w writes the token to a file',
): {text: string; bad: boolean} {
	const sent = `sent ${what} to your terminal as an OSC 52 clipboard request; nothing was written to the log`;
	if (!env.TMUX) return {text: `${sent}. Your terminal puts it on the clipboard if it allows OSC 52 (most do; some ask first, some need it enabled).`, bad: false};
	const setting = askTmux(env);
	if (setting === 'on') return {text: `${sent}. tmux (set-clipboard on) passes it to your terminal, which puts it on the clipboard if it allows OSC 52.`, bad: false};
	if (setting === undefined) return {text: `${sent}, inside tmux, but \`tmux show -gv set-clipboard\` did not answer: unless set-clipboard is on, tmux drops it. ${instead} instead.`, bad: true};
	return {text: `${sent}, but tmux's set-clipboard is ${setting}: tmux drops a program's clipboard request, so it is not on your clipboard. Run \`tmux set -g set-clipboard on\` and press c again, or ${instead}.`, bad: true};
}
