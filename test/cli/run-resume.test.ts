// `calico-mcm run interrupted` / `calico-mcm run resume CLUSTER|all` through the built CLI
// (dist/cli.js) against a fleet in this process: the runs a console left unfinished are listed with
// their cluster, plan, steps done and start, and any one of them, or all, resumes (issue 14 item 5).
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {InterruptedRuns} from '../../source/mcm/interrupted-runs.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {repo} from '../plans/env.js';

const cli = path.join(repo, 'dist/cli.js');
let fleet: TestFleet;
let state: string;

type Result = {code: number; stdout: string; stderr: string};

function run(args: string[]): Promise<Result> {
	return new Promise(resolve => {
		const child = execFile(process.execPath, [cli, 'run', ...args, '--kubeconfig', fleet.kubeconfigPath], {cwd: fleet.dir, timeout: 60_000, env: {...process.env, CI: 'true', XDG_STATE_HOME: state}}, (error, stdout, stderr) => {
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
		child.stdin?.end();
	});
}

const binding = (cluster: string) => fleet.get(cluster, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'resumed-admin');

beforeAll(async () => {
	if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` first`);
	fleet = await startTestFleet({managed: 3, standalone: 0, bare: 0});
	state = path.join(fleet.dir, 'state');
	// What a console on this kubeconfig left behind when it quit mid-run (and one of another kubeconfig).
	const runs = new InterruptedRuns(path.join(state, 'calico-mcm'));
	for (const [i, cluster] of ['managed-1', 'managed-2', 'managed-3'].entries()) {
		runs.record({runId: `grant:${cluster}:q${i}`, plan: 'grant', cluster, options: {context: cluster, user: 'resumed'}, source: fleet.kubeconfigPath, cwd: fleet.dir, startedAt: Date.UTC(2026, 10, 30, 8, i)});
	}
	runs.record({runId: 'grant:elsewhere', plan: 'grant', cluster: 'managed-1', options: {context: 'managed-1'}, source: '/home/sre/.kube/other', cwd: fleet.dir, startedAt: Date.UTC(2026, 10, 30, 7)});
});
afterAll(async () => {
	await fleet?.stop();
});

describe('interrupted runs from the command line', () => {
	it('lists every one with cluster, plan, steps done now and start; resumes one, then all', async () => {
		const listed = await run(['interrupted']);
		expect(listed.code, listed.stderr).toBe(0);
		expect(listed.stdout).toMatch(/^CLUSTER +PLAN +STEPS DONE +STARTED$/m);
		for (const [i, cluster] of ['managed-1', 'managed-2', 'managed-3'].entries()) expect(listed.stdout).toMatch(new RegExp(`^${cluster} +grant +0/1 +2026-11-30T08:0${i}:00Z$`, 'm'));
		expect(listed.stdout).toContain('(1 more recorded for another kubeconfig: /home/sre/.kube/other)');

		const refused = await run(['resume', 'managed-2']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('refusing to resume grant on managed-2 without confirmation (stdin is not a terminal)');
		expect(binding('managed-2')).toBeUndefined();

		const unknown = await run(['resume', 'managed-9', '--yes']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('no interrupted run on managed-9');
		expect(unknown.stderr).toContain('interrupted: grant on managed-1, grant on managed-2, grant on managed-3');

		const one = await run(['resume', 'managed-2', '--yes']);
		expect(one.code, one.stderr).toBe(0);
		expect(one.stdout).toContain('Resuming Grant default/resumed tigera-network-admin on managed-2 (interrupted; started 2026-11-30T08:01:00Z)');
		expect(binding('managed-2')).toBeDefined();
		expect(binding('managed-1')).toBeUndefined();
		expect(binding('managed-3')).toBeUndefined();
		const after = await run(['interrupted']);
		expect(after.stdout).not.toMatch(/^managed-2 /m);
		expect(after.stdout).toMatch(/^managed-1 +grant/m);

		const all = await run(['resume', 'all', '--yes']);
		expect(all.code, all.stderr).toBe(0);
		expect(binding('managed-1')).toBeDefined();
		expect(binding('managed-3')).toBeDefined();
		const none = await run(['interrupted']);
		expect(none.stdout).toContain(`No interrupted runs for ${fleet.kubeconfigPath}.`);
		// The other kubeconfig's run is left alone.
		expect(new InterruptedRuns(path.join(state, 'calico-mcm')).list().map(r => r.runId)).toEqual(['grant:elsewhere']);
	}, 120_000);
});
