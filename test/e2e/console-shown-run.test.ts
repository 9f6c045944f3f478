import path from 'node:path';
import {describe, expect, test} from 'vitest';
import type {ConsoleScreen} from './console-screen.js';
import {answer, fleetRow, keys, press, selectRow, simFixture} from './workflow-helpers.js';

// Issue 13 item 10: with a join waiting on one cluster and a grant started on another, esc cancelled
// the join (the steps pane had jumped back to it when the grant ended), and r then had nothing to
// retry (the pane had jumped to the finished grant). esc, r and s act on the run the steps pane
// shows; it stays put, the status bar names it, esc asks first, and r resumes a cancelled run.

const sim = simFixture('shown-run', ['--managed', '2', '--standalone', '1', '--bare', '0']);

const statusBar = (con: ConsoleScreen) => con.screen().filter(l => l.trim()).at(-1) ?? '';

describe('the run the steps pane shows', () => {
	test('a join waits, a grant runs elsewhere: esc asks about the run shown, cancels that one, and r resumes it', async () => {
		const con = sim.console(['--request-timeout', '3s'], {cols: 150, rows: 40, env: {XDG_STATE_HOME: path.join(sim.dir, 'state')}});
		await con.waitFor(t => /standalone-1\s+standalone\s+v3/.test(t) && /managed-2\s+managed\s+v3\S*\s+(mgmt\s+)?True/.test(t), 'the fleet', 30_000);

		// The join on standalone-1 waits: its tunnel cannot come up.
		await sim.control('tunnel-down standalone-1');
		await selectRow(con, 'standalone-1');
		await press(con, 'J');
		await con.waitFor(t => t.includes('Management cluster'), 'the join prompt');
		await answer(con, keys.enter, 'All checks passed', 30_000);
		await answer(con, keys.enter, 'y or enter runs it');
		await answer(con, 'y', /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d+\. Wait until mgmt reports standalone-1 connected/, 30_000);

		// A grant on managed-2, started while the join waits, runs to its end.
		await selectRow(con, 'managed-2');
		await press(con, 'g');
		await con.waitFor(t => t.includes('User (service account'), 'the grant prompt');
		await answer(con, keys.enter, '› tigera-network-admin');
		await answer(con, keys.enter, 'All checks passed', 30_000);
		await answer(con, keys.enter, 'y or enter runs it');
		await answer(con, 'y', /Steps ─ Grant default\/mcm-user tigera-network-admin on managed-2 @ managed-2 ─ done/, 30_000);

		// The pane stays on the grant the user started (it used to jump back to the running join), and
		// the status bar names it; esc has nothing to cancel there and says where the running one is.
		await new Promise(r => setTimeout(r, 500));
		expect(con.text()).toMatch(/Steps ─ Grant default\/mcm-user tigera-network-admin on managed-2 @ managed-2 ─ done .*─ 1 more running/);
		await con.waitFor(() => statusBar(con).includes('steps: grant on managed-2 done'), 'the status bar naming the grant (after the start message)');
		await answer(con, keys.escape, 'grant on managed-2 is not running: nothing to cancel ([ and ] show the 1 running)');
		expect(con.text()).not.toMatch(/cancel .*\? y\/n/);

		// [ shows the join; esc asks about it by name, n leaves it running.
		await answer(con, '[', /Steps ─ Join standalone-1 to mgmt .*@ standalone-1 ─ running/);
		await con.waitFor(() => statusBar(con).includes('steps: join on standalone-1 running  esc: cancel'), 'the status bar naming the join');
		await answer(con, keys.escape, 'cancel join on standalone-1? y/n');
		await answer(con, 'n', 'not cancelled: join on standalone-1 goes on');
		expect(con.text()).toMatch(/Steps ─ Join standalone-1 to mgmt .*@ standalone-1 ─ running/);

		// esc, y: the join is cancelled, and the pane keeps showing it.
		await answer(con, keys.escape, 'cancel join on standalone-1? y/n');
		await answer(con, 'y', /Steps ─ Join standalone-1 to mgmt .*@ standalone-1 ─ cancelled/);
		expect(con.text()).toMatch(/⊘ \d+\. Wait until mgmt reports standalone-1 connected.*cancelled/);
		await con.waitFor(() => statusBar(con).includes('steps: join on standalone-1 cancelled  r: resume'), 'the status bar offering r');

		// r resumes the cancelled join at the step it stopped at, and it finishes once the tunnel is up.
		await sim.control('tunnel-up standalone-1');
		await answer(con, 'r', /resuming join on standalone-1 from step \d+: steps the cluster already has are kept/);
		await con.waitFor(t => /Steps ─ Join standalone-1 to mgmt .*@ standalone-1 ─ done/.test(t), 'the join done', 60_000);
		await con.waitFor(() => /standalone-1\s+managed\s+v3\S*\s+(mgmt\s+)?True/.test(fleetRow(con, 'standalone-1')), 'standalone-1 managed and connected', 30_000);
	}, 240_000);
});
