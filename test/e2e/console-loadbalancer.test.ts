import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {keys, press, selectRow, simFixture} from './workflow-helpers.js';

// m with a LoadBalancer: the address managed clusters dial is the load balancer's ingress and port
// 9449, known only once the Service exists; the console must not offer (and write) a node port address.

const sim = simFixture('lb', ['--managed', '0', '--standalone', '2', '--bare', '0']);

describe('make management with a LoadBalancer', () => {
	test("asks no node-port address, says the ingress is waited for, and writes ingress:9449", async () => {
		const con = sim.console(['--request-timeout', '5s'], {cols: 140, rows: 40, env: {XDG_STATE_HOME: path.join(sim.dir, 'state')}});
		await con.waitFor(t => /standalone-1\s+standalone\s+v3/.test(t), 'the fleet', 30_000);
		await selectRow(con, 'standalone-1');
		await press(con, 'm');
		await con.waitFor(t => t.includes('Expose the tunnel endpoint with a'), 'the service question');
		con.write(`${keys.down}${keys.enter}`);
		await con.waitFor(t => t.includes('✓ Expose the tunnel endpoint with a: LoadBalancer'), 'LoadBalancer chosen');
		expect(con.text()).toContain("empty: the load balancer's ingress (IP or hostname) and port 9449, once assigned");
		expect(con.text()).not.toMatch(/:30449/);
		con.write(keys.enter);
		await con.waitFor(t => t.includes('All checks passed'), 'the preflight', 30_000);
		con.write('y');
		await con.waitFor(t => t.includes('y or enter runs it'), 'the confirmation');
		expect(con.text()).toContain("The address managed clusters dial will be the load balancer's ingress (IP or hostname) and port 9449");
		expect(con.text()).toContain("Wait for the load balancer's ingress (IP or hostname); managed clusters dial it on port 9449");
		con.write('y');
		await con.waitFor(t => /Steps ─ Make standalone-1 a management cluster.*─ done/.test(t), 'the plan done', 60_000);
		await con.waitFor(t => /\d+\.\d+\.\d+\.\d+:9449 \(the load balancer's ingress and port 9449\)|address \d+\.\d+\.\d+\.\d+:9449/.test(t), 'the ingress address on the steps', 10_000);
		expect(con.text()).not.toMatch(/address \S+:30449/);
	}, 120_000);

	test('where no ingress is ever assigned, the wait ends at --timeout with a message naming the Service and the fix, and no ManagementCluster is written', async () => {
		await sim.control('lb-withhold standalone-2');
		const con = sim.console(['--request-timeout', '5s', '--timeout', '3s'], {cols: 140, rows: 40, env: {XDG_STATE_HOME: path.join(sim.dir, 'state-2')}});
		await con.waitFor(t => /standalone-2\s+standalone\s+v3/.test(t), 'the fleet', 30_000);
		await selectRow(con, 'standalone-2');
		await press(con, 'm');
		await con.waitFor(t => t.includes('Expose the tunnel endpoint with a'), 'the service question');
		con.write(`${keys.down}${keys.enter}`);
		await con.waitFor(t => t.includes('✓ Expose the tunnel endpoint with a: LoadBalancer'), 'LoadBalancer chosen');
		con.write(keys.enter);
		await con.waitFor(t => t.includes('All checks passed'), 'the preflight', 30_000);
		con.write('y');
		await con.waitFor(t => t.includes('y or enter runs it'), 'the confirmation');
		con.write('y');
		await con.waitFor(t => /no ingress was assigned to LoadBalancer service \S+ on standalone-2 within 3s/.test(t.replace(/\n/g, ' ')), 'the timeout message', 60_000);
		expect(con.text()).toMatch(/Steps ─ Make standalone-2 a management cluster.*─ failed/);
		expect(con.text()).toMatch(/EXTERNAL-IP <pending>|r retries the wait/);
		// The ManagementCluster comes after the wait: not written, so the row is still standalone.
		expect(con.text()).toMatch(/standalone-2\s+standalone\s/);
	}, 120_000);
});
