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
// cluster, plan, steps done and start time, and any one of them, or all, resumes (it used to resume
// only the one shown last, leaving the others half-done in runs.json).

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
			expect(run.note).toBe(`an interrupted grant on ${cluster}, started 2026-11-30T09:0${i}:00Z (0/1 steps done) — press r to choose one or all 3`);
		}
		expect(new Set(runs.map(r => r.batch)).size).toBe(1);
		const choices = control.interruptedChoices();
		expect(choices.map(c => c.label)).toEqual(clusters.map((c, i) => `grant on ${c} · 0/1 steps done · started 2026-11-30T09:0${i}:00Z`));

		// One chosen: only it runs, and only it leaves runs.json.
		const second = choices.find(c => c.cluster === 'managed-2')!;
		expect(control.resume([second.runId])).toBe('resuming grant on managed-2: steps the cluster already has are kept');
		await waitFor(() => expect(store.getState().runs[second.runId]!.state).toBe('done'));
		expect(fleet.get('managed-2', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'resumer-admin')).toBeDefined();
		for (const cluster of ['managed-1', 'managed-3']) expect(fleet.get(cluster, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'resumer-admin')).toBeUndefined();
		expect(interrupted.list().map(r => r.cluster)).toEqual(['managed-1', 'managed-3']);
		expect(control.interruptedChoices().map(c => c.cluster)).toEqual(['managed-1', 'managed-3']);

		// Then all the others.
		expect(control.resume(control.interruptedChoices().map(c => c.runId))).toBe('resuming 2 interrupted runs: steps the cluster already has are kept');
		await waitFor(() => expect(Object.values(store.getState().runs).map(r => r.state)).toEqual(['done', 'done', 'done']));
		for (const cluster of clusters) expect(fleet.get(cluster, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'resumer-admin')).toBeDefined();
		expect(interrupted.list()).toEqual([]);
		expect(control.interruptedChoices()).toEqual([]);
		control.dispose();
	});

	test('r on a batch of them retries every one still interrupted', async () => {
		const interrupted = new InterruptedRuns(dir);
		for (const [i, cluster] of ['managed-1', 'managed-2'].entries()) {
			interrupted.record({runId: `grant:${cluster}:again${i}`, plan: 'grant', cluster, options: {context: cluster, user: 'again'}, source: 'kc', cwd: dir, startedAt: Date.UTC(2026, 10, 30, 10, i)});
		}
		const store = createAppStore();
		const control = new RunController({store, readOnly: false, source: 'kc', cwd: dir, interrupted, env});
		expect(await control.offerInterrupted(() => true, new AbortController().signal)).toBe(2);
		expect(control.retry()).toBe('resuming grant on 2 clusters: steps the cluster already has are kept');
		await waitFor(() => expect(Object.values(store.getState().runs).map(r => r.state)).toEqual(['done', 'done']));
		expect(interrupted.list()).toEqual([]);
		control.dispose();
	});
});
