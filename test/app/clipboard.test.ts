import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {clipboardReport, osc52, tmuxSetClipboard} from '../../source/app/clipboard.js';

// c (OSC 52) must not claim a copy it cannot know: it says what it sent and, inside tmux, whether
// set-clipboard lets a program's request through (issue 13).

/** A `tmux` on PATH that answers `show -gv set-clipboard` with `value`, as the real one does. */
function fakeTmux(value: string): NodeJS.ProcessEnv {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-tmux-'));
	fs.writeFileSync(path.join(dir, 'tmux'), `#!/bin/sh\n[ "$1 $2 $3" = "show -gv set-clipboard" ] && echo ${value} && exit 0\nexit 1\n`, {mode: 0o755});
	return {...process.env, PATH: `${dir}:${process.env.PATH}`, TMUX: '/tmp/tmux-1000/default,1,0'};
}

describe('the token window copy (OSC 52)', () => {
	it('sends the text base64 in one OSC 52 sequence', () => {
		expect(osc52('tok')).toBe('\u001B]52;c;dG9r\u0007');
	});

	it('outside tmux: says it was sent as a request, not that it was copied', () => {
		const r = clipboardReport('the token (912 characters)', {PATH: process.env.PATH});
		expect(r.bad).toBe(false);
		expect(r.text).toMatch(/^sent the token \(912 characters\) to your terminal as an OSC 52 clipboard request; nothing was written to the log\. Your terminal puts it on the clipboard if it allows OSC 52/);
		expect(r.text).not.toMatch(/copied/);
	});

	it("inside tmux: asks tmux's set-clipboard; external and off drop it, and the fix is named", () => {
		expect(tmuxSetClipboard(fakeTmux('external'))).toBe('external');
		const dropped = clipboardReport('the token (912 characters)', fakeTmux('external'));
		expect(dropped.bad).toBe(true);
		expect(dropped.text).toContain("tmux's set-clipboard is external: tmux drops a program's clipboard request, so it is not on your clipboard. Run `tmux set -g set-clipboard on`");
		expect(clipboardReport('x', fakeTmux('off')).text).toContain("set-clipboard is off");
		const on = clipboardReport('x', fakeTmux('on'));
		expect(on).toMatchObject({bad: false});
		expect(on.text).toContain('tmux (set-clipboard on) passes it to your terminal');
		const silent = clipboardReport('x', {PATH: '/nonexistent', TMUX: '/tmp/x,1,0'});
		expect(silent).toMatchObject({bad: true});
		expect(silent.text).toContain('`tmux show -gv set-clipboard` did not answer');
	});

	it('names the other way to get what was sent: the token file, or the kubectl that prints the YAML', () => {
		expect(clipboardReport('the token (912 characters)', fakeTmux('external')).text).toContain('or w writes the token to a file.');
		const yaml = clipboardReport('the YAML of ManagedCluster m1 (19 lines, secrets masked)', fakeTmux('off'), undefined, '`kubectl --context mgmt get managedclusters m1 -o yaml` prints it');
		expect(yaml.text).toMatch(/^sent the YAML of ManagedCluster m1 \(19 lines, secrets masked\) to your terminal as an OSC 52 clipboard request; .*set-clipboard is off.*, or `kubectl --context mgmt get managedclusters m1 -o yaml` prints it\.$/);
		expect(yaml.text).not.toContain('token');
	});
});
