import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {keys, press, selectRow, startSim, type Sim} from './workflow-helpers.js';

// m with a LoadBalancer: the address managed clusters dial is the load balancer's ingress and port
// 9449, known only once the Service exists; the console must not offer (and write) a node port address.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-lb-'));
let sim: Sim;
let c: ConsoleScreen | undefined;

beforeAll(async () => {
	sim = await startSim(path.join(dir, 'kubeconfig'), ['--managed', '0', '--standalone', '1', '--bare', '0']);
}, 60_000);

afterAll(async () => {
	c?.kill('SIGKILL');
	await c?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('make management with a LoadBalancer', () => {
	test("asks no node-port address, says the ingress is waited for, and writes ingress:9449", async () => {
		c = startConsole(['--kubeconfig', sim.kubeconfig, '--request-timeout', '5s'], {cols: 140, rows: 40, cwd: dir, env: {XDG_STATE_HOME: path.join(dir, 'state')}});
		const con = c;
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
});
