import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {answer, exitAfter, fleetRow, keys, press, selectRow, startSim, type Sim} from './workflow-helpers.js';

// Issue 14 item 5: after three interrupted joins, the next start lists every one (cluster, plan,
// steps done, when) and r lets the user resume any one of them, or all: it used to resume only the
// one shown, leaving the others half-installed in runs.json.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-resume-choice-'));
const stateHome = path.join(dir, 'state');
const stateFile = path.join(stateHome, 'calico-mcm', 'runs.json');
const clusters = ['standalone-1', 'standalone-2', 'standalone-3'];
let sim: Sim;
let c: ConsoleScreen | undefined;

function open(): ConsoleScreen {
	c = startConsole(['--kubeconfig', sim.kubeconfig, '--request-timeout', '10s'], {cols: 140, rows: 44, cwd: dir, env: {XDG_STATE_HOME: stateHome}});
	return c;
}

const recorded = () => (fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as {runs: Array<{plan: string; cluster: string}>}).runs.map(r => `${r.plan} ${r.cluster}`).sort() : []);

beforeAll(async () => {
	sim = await startSim(path.join(dir, 'kubeconfig'), ['--managed', '0', '--standalone', '3', '--bare', '0']);
}, 60_000);

afterAll(async () => {
	c?.kill('SIGKILL');
	await c?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('interrupted runs of an earlier session', () => {
	test('three interrupted joins are listed; r resumes the one chosen, then all the rest', async () => {
		const con = open();
		await con.waitFor(() => /standalone-3\s+standalone\s+v3/.test(fleetRow(con, 'standalone-3')), 'the fleet', 30_000);
		for (const name of clusters) await sim.control(`tunnel-down ${name}`);
		await selectRow(con, 'standalone-1');
		await press(con, ' ', ' ', ' ');
		await press(con, 'J');
		await con.waitFor(t => t.includes('Join standalone-1, standalone-2, standalone-3 as managed'), 'the join prompt');
		await answer(con, keys.enter, 'All checks passed', 30_000);
		await answer(con, keys.enter, 'On 3 clusters (3 at a time)');
		await answer(con, 'y', /Steps ─ join on 3 clusters/);
		// All three wait for a tunnel that is down; the user quits.
		await con.waitFor(t => clusters.every(n => new RegExp(`${n} +\\d+/\\d+ .*Wait until mgmt reports ${n} connected`).test(t)), 'three joins waiting', 60_000);
		await press(con, 'q');
		await con.waitFor(t => t.includes('A plan is running: quit anyway?'), 'the quit question');
		await exitAfter(con, 'y');
		expect(recorded()).toEqual(clusters.map(n => `join ${n}`));

		// The next start lists each (cluster, plan, steps done, when) and says r chooses.
		const again = open();
		await again.waitFor(t => /an interrupted join on standalone-\d, started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+\/\d+ steps done\) — press r to choose one or all 3/.test(t), 'the offer', 30_000);
		// The steps pane has a row for each, with its steps done.
		await again.waitFor(t => clusters.every(n => new RegExp(`${n} +\\d+/\\d+ .*cancelled`).test(t)), 'a row per interrupted join', 30_000);
		// r: a list of the three and "all"; standalone-2 alone is chosen (its tunnel is back).
		await sim.control('tunnel-up standalone-2');
		await answer(again, 'r', 'Which interrupted run?');
		expect(again.text()).toMatch(/› all 3: join on standalone-1, join on standalone-2, join on standalone-3/);
		for (const n of clusters) expect(again.text()).toMatch(new RegExp(`join on ${n} · \\d+/\\d+ steps done · started \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ`));
		await press(again, keys.down, keys.down);
		await again.waitFor(t => /› join on standalone-2 ·/.test(t), 'standalone-2 chosen');
		await answer(again, keys.enter, 'All checks passed', 30_000);
		expect(again.text()).toMatch(/✓ standalone-2: join: \d+\/\d+ steps done on the cluster now; the rest runs/);
		expect(again.text()).not.toMatch(/standalone-1: join: \d/);
		await answer(again, keys.enter, 'y or enter runs it');
		await answer(again, 'y', /─ Fleet/);
		await again.waitFor(() => /standalone-2\s+managed\s+v3\S*\s+(?:\S+\s+)?True/.test(fleetRow(again, 'standalone-2')), 'standalone-2 joined', 60_000);
		await again.waitFor(() => recorded().length === 2, 'standalone-2 forgotten', 30_000);
		expect(recorded()).toEqual(['join standalone-1', 'join standalone-3']);
		// The others did not move.
		expect(fleetRow(again, 'standalone-1')).toMatch(/standalone-1\s+(standalone|managed\s+v3\S*\s+(?:\S+\s+)?False)/);

		// r again: the two left, and all of them.
		await sim.control('tunnel-up standalone-1');
		await sim.control('tunnel-up standalone-3');
		await answer(again, 'r', 'Which interrupted run?');
		expect(again.text()).toMatch(/› all 2: join on standalone-1, join on standalone-3/);
		expect(again.text()).not.toMatch(/join on standalone-2 ·/);
		await answer(again, keys.enter, 'All checks passed', 30_000);
		await answer(again, keys.enter, 'y or enter runs it');
		await answer(again, 'y', /─ Fleet/);
		for (const n of ['standalone-1', 'standalone-3']) {
			await again.waitFor(() => new RegExp(`${n}\\s+managed\\s+v3\\S*\\s+(?:\\S+\\s+)?True`).test(fleetRow(again, n)), `${n} joined`, 60_000);
		}
		await again.waitFor(() => !fs.existsSync(stateFile), 'runs.json gone', 30_000);
		await again.waitFor(t => /Steps ─ join on 3 clusters ─ 3 done/.test(t), 'the batch done', 30_000);
		await exitAfter(again, 'q');
	}, 300_000);
});
