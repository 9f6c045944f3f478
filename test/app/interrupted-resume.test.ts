import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {RunController} from '../../source/app/run-controller.js';
import {InterruptedRuns} from '../../source/mcm/interrupted-runs.js';
import {createAppStore} from '../../source/store/store.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {planEnv, type PlanTestEnv} from '../plans/env.js';
import {waitFor} from '../ui/fixtures.js';

// Three runs an earlier console left unfinished are all offered at the next start, each with its
// cluster, plan, steps done and start time, and r resumes every one of them (it used to resume only
// the one shown last, leaving the others half-done in runs.json).

let fleet: TestFleet;
let env: PlanTestEnv;
let dir: string;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 3, standalone: 0, bare: 0});
	env = planEnv(fleet);
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-resume-'));
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('interrupted runs of an earlier session', () => {
	test('all are listed, and r resumes all of them', async () => {
		const interrupted = new InterruptedRuns(dir);
		const clusters = ['managed-1', 'managed-2', 'managed-3'];
		for (const [i, cluster] of clusters.entries()) {
			interrupted.record({runId: `grant:${cluster}:old${i}`, plan: 'grant', cluster, options: {context: cluster, user: 'resumer'}, source: 'kc', cwd: dir, startedAt: Date.UTC(2026, 10, 30, 9, i)});
		}
		const store = createAppStore();
		const control = new RunController({store, readOnly: false, source: 'kc', cwd: dir, interrupted, env});
		const offered = await control.offerInterrupted(() => true, new AbortController().signal);
		expect(offered).toBe(3);
		const runs = Object.values(store.getState().runs);
		expect(runs.map(r => r.cluster).sort()).toEqual(clusters);
		for (const [i, cluster] of clusters.entries()) {
			const run = runs.find(r => r.cluster === cluster)!;
			expect(run.note).toBe(`an interrupted grant on ${cluster}, started 2026-11-30T09:0${i}:00Z (0/1 steps done) — press r to resume all 3`);
		}
		expect(new Set(runs.map(r => r.batch)).size).toBe(1);

		expect(control.retry()).toBe('retrying 3 runs: steps already done are skipped');
		await waitFor(() => expect(Object.values(store.getState().runs).map(r => r.state)).toEqual(['done', 'done', 'done']));
		for (const cluster of clusters) expect(fleet.get(cluster, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'resumer-admin')).toBeDefined();
		expect(interrupted.list()).toEqual([]);
		control.dispose();
	});
});
