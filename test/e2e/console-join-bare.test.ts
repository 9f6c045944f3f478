import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {keys, press, selectRow, startSim, type Sim} from './workflow-helpers.js';

// J on a cluster without Calico Enterprise: the console asks for the manifests and the pull secret
// (as i does), instead of naming command-line flags the user did not pass.

const repo = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-join-bare-'));
let sim: Sim;
let c: ConsoleScreen | undefined;

beforeAll(async () => {
	sim = await startSim(path.join(dir, 'kubeconfig'), ['--managed', '0', '--standalone', '0', '--bare', '1']);
}, 60_000);

afterAll(async () => {
	c?.kill('SIGKILL');
	await c?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('J on a bare cluster', () => {
	test('asks for the manifests and the pull secret, then the preflight passes and the plan installs first', async () => {
		c = startConsole(['--kubeconfig', sim.kubeconfig, '--request-timeout', '5s'], {cols: 140, rows: 40, cwd: dir, env: {XDG_STATE_HOME: path.join(dir, 'state')}});
		const con = c;
		await con.waitFor(t => /bare-1\s+not-installed/.test(t) && /mgmt\s+management/.test(t), 'the fleet', 30_000);
		await selectRow(con, 'bare-1');
		await press(con, 'J');
		await con.waitFor(t => t.includes('Management cluster'), 'the management question');
		con.write(keys.enter);
		await con.waitFor(t => t.includes('Release manifests (directory or URL) to install bare-1'), 'the manifests asked');
		con.write(`${path.join(repo, 'demo/manifests')}\r`);
		await con.waitFor(t => t.includes('Pull secret (dockerconfigjson file)'), 'the pull secret asked');
		con.write(`${path.join(repo, 'demo/pull-secret.json')}\r`);
		await con.waitFor(t => t.includes('All checks passed'), 'the preflight', 30_000);
		expect(con.text()).not.toMatch(/--manifests|--pull-secret/);
		con.write('y');
		await con.waitFor(t => t.includes('y or enter runs it') && t.includes('Install the Tigera operator'), 'the confirmation, installing first');
		con.write(keys.escape);
		await con.waitFor(t => t.includes('─ Fleet'), 'esc leaves, nothing changed');
	}, 150_000);
});
