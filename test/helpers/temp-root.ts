import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temporary directory for the whole run, set as TMPDIR before any worker starts, so every
 * kubeconfig, plugin script, console working directory and simulator directory the tests make lands
 * in it (os.tmpdir() reads TMPDIR), and all of it goes at the end. Without it each `npm test` left
 * ~200 directories in /tmp, some holding the fixtures' client keys and tokens. Both projects run
 * this set-up; the second reuses the first's directory.
 */
export function setup(): () => void {
	if (process.env.CALICO_MCM_TEST_TMPDIR) return () => {};
	const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'calico-mcm-tests-'));
	process.env.CALICO_MCM_TEST_TMPDIR = root;
	process.env.TMPDIR = root;
	return () => fs.rmSync(root, {recursive: true, force: true});
}
