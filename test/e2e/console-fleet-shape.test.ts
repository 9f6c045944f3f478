import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {answer, exitAfter, fleetRow, keys, press, selectRow} from './workflow-helpers.js';

// The fleet as it is organised (issue 11), read from the screen: `t` groups each management cluster
// with its managed clusters and back, the flat list names each row's management cluster, version skew
// is flagged on the row, and J refuses a cluster newer than its management cluster before changing
// anything. The simulator runs in this process (per-cluster versions are an option of startFleet).

let fleet: Fleet;
let con: ConsoleScreen;
let state: string;

/** The row index of each named cluster on the screen (-1 when absent). */
function order(...names: string[]): number[] {
	const rows = con.screen();
	return names.map(name => rows.findIndex(l => new RegExp(`^.{0,6}${name} `).test(l)));
}

/** How far a row's name is indented (the cursor and mark columns included). */
function indentOf(name: string): number {
	const row = con.screen().find(l => new RegExp(`^.{0,6}${name} `).test(l)) ?? '';
	return row.indexOf(name);
}

beforeAll(async () => {
	fleet = await startFleet({managed: 2, standalone: 1, bare: 1, speed: 0, versions: {'managed-2': '3.23', 'standalone-1': '3.25'}});
	state = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-shape-'));
	con = startConsole(['--kubeconfig', fleet.kubeconfigPath], {cols: 150, rows: 36, env: {XDG_STATE_HOME: state}});
	// Both managed rows with their management cluster read: the first test reads managed-1's.
	await con.waitFor(() => /managed\s.*\smgmt\s/.test(fleetRow(con, 'managed-1')) && /managed\s.*\smgmt\s/.test(fleetRow(con, 'managed-2')) && /standalone\s/.test(fleetRow(con, 'standalone-1')), 'the fleet', 30_000);
}, 60_000);

afterAll(async () => {
	con?.kill();
	await fleet?.stop();
	if (state) fs.rmSync(state, {recursive: true, force: true});
});

describe('the fleet as it is organised', () => {
	it('t switches between the flat list (with a MANAGEMENT column) and the tree of management and managed clusters', async () => {
		expect(con.text()).toMatch(/MANAGEMENT/);
		expect(fleetRow(con, 'managed-1')).toMatch(/\smgmt\s/);
		const [bare, managed1, , mgmt] = order('bare-1', 'managed-1', 'managed-2', 'mgmt', 'standalone-1');
		expect(bare).toBeLessThan(managed1!); // flat: by name
		expect(managed1).toBeLessThan(mgmt!);

		await press(con, 't');
		await con.waitFor(() => !/MANAGEMENT/.test(con.text()), 'the tree (no MANAGEMENT column)', 10_000);
		const [top, m1, m2, standalone, bareRow] = order('mgmt', 'managed-1', 'managed-2', 'standalone-1', 'bare-1');
		// The management row, then its managed rows right under it, then the standalone and bare ones.
		expect(top).toBeGreaterThanOrEqual(0);
		expect([m1, m2]).toEqual([top! + 1, top! + 2]);
		expect(Math.min(standalone!, bareRow!)).toBeGreaterThan(m2!);
		expect(indentOf('managed-1')).toBeGreaterThan(indentOf('mgmt'));
		expect(indentOf('standalone-1')).toBe(indentOf('mgmt'));

		await press(con, 't');
		await con.waitFor(() => /MANAGEMENT/.test(con.text()), 'the flat list again', 10_000);
		expect(indentOf('managed-1')).toBe(indentOf('mgmt'));
	}, 40_000);

	it('flags a managed cluster whose version differs from its management cluster on its row', async () => {
		const row = (name: string) => con.screen().find(l => new RegExp(`^.{0,6}${name} `).test(l)) ?? '';
		await con.waitFor(() => /v3\.23\.0<v3\.24\.0/.test(row('managed-2')), 'managed-2 flagged older than mgmt', 15_000);
		expect(row('managed-1')).toMatch(/managed-1\s+managed\s+v3\.24\.0/);
		expect(row('managed-1')).not.toMatch(/v3\.\d+\.\d+[<>]/);
	}, 20_000);

	it('J refuses a cluster newer than its management cluster, naming both versions and the fix, and changes nothing', async () => {
		await selectRow(con, 'standalone-1');
		await press(con, 'J');
		await con.waitFor(text => text.includes('Management cluster'), 'the management prompt', 10_000);
		await answer(con, keys.enter, 'standalone-1 runs v3.25.0, newer than its management cluster mgmt (v3.24.0)', 30_000);
		expect(con.text()).toMatch(/upgrade mgmt to v3\.25\.0 first/);
		await press(con, keys.escape);
		await con.waitFor(() => !con.text().includes('newer than its management cluster'), 'the preflight closed', 10_000);
		expect(fleetRow(con, 'standalone-1')).toMatch(/standalone\s/);
		expect(fleetRow(con, 'standalone-1')).not.toMatch(/\smgmt\s/);
		await exitAfter(con, 'q');
	}, 60_000);
});
