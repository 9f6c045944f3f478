import {describe, expect, test} from 'vitest';
import {fleetRow, simFixture} from './workflow-helpers.js';

// What the fleet shows must be true within seconds: a hung API server, one that answers again, the
// last-known values of one that does not, and a tunnel that was already down at start.

const requestTimeoutS = 3;
// managed-2's tunnel is down before the console starts: the first sight of it is a state, not a transition.
const sim = simFixture('live', ['--managed', '2', '--standalone', '1', '--bare', '0'], s => s.control('tunnel-down managed-2'));

describe('live state that is true', () => {
	test('hung API → unreachable within the request timeout + 2 s, last values marked stale with their age, back within 3 s; a tunnel down at start is logged as a state', async () => {
		const con = sim.console(['--request-timeout', `${requestTimeoutS}s`], {cols: 130, rows: 40});
		await con.waitFor(() => /managed-1\s+managed\s+v3\S+\s+mgmt\s+True \d+s\s.*\s10\/10/.test(fleetRow(con, 'managed-1')) && /managed-2\s+managed\s+v3\S+\s+mgmt\s+False/.test(fleetRow(con, 'managed-2')), 'the fleet, managed-2 disconnected', 30_000);

		// 4. The tunnel was down before the console started: said as a state, with its time.
		await con.waitFor(t => /managed-2\s+tunnel down since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/.test(t), 'the tunnel logged as down since its transition', 10_000);
		expect(con.text()).not.toMatch(/managed-2\s+connection True -> False/);

		// 1. A hung server: the row turns unreachable within the request timeout + 2 s (plus a
		// little for the screen on a loaded machine), not after the watchdog's 75 s.
		await sim.control('api-hang managed-1');
		const hungAt = Date.now();
		await con.waitFor(() => /unreachable/.test(fleetRow(con, 'managed-1')), 'managed-1 unreachable', 60_000);
		const noticed = Date.now() - hungAt;
		expect(noticed).toBeLessThan((requestTimeoutS + 2 + 2) * 1000);

		// 3. The last TigerStatus stays, marked stale with its age.
		expect(fleetRow(con, 'managed-1')).toMatch(/10\/10, \d+s ago/);

		// 2. It answers again: reachable within 3 s (plus the screen's moment).
		await sim.control('api-up managed-1');
		const upAt = Date.now();
		await con.waitFor(() => /managed-1\s+managed\s+v3\S+\s+mgmt\s+True \d+s\s+ok \d+s\s.*\s10\/10(?!,)/.test(fleetRow(con, 'managed-1')), 'managed-1 reachable again', 60_000);
		const back = Date.now() - upAt;
		expect(back).toBeLessThan(3000 + 1500);
		console.log(`hung → unreachable on screen: ${noticed} ms (request timeout ${requestTimeoutS} s); up → reachable: ${back} ms`);
	}, 120_000);
});
