import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {RunController} from '../../source/app/run-controller.js';
import {InterruptedRuns} from '../../source/mcm/interrupted-runs.js';
import type {Plan} from '../../source/mcm/step.js';
import {createAppStore} from '../../source/store/store.js';
import {waitFor} from '../ui/fixtures.js';

// The RunController drives the console's runs: a batch goes at most 3 at a time, esc cancels the queued
// ones too, and every run under way is recorded (0600, no secrets) until it ends.

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) fs.rmSync(d, {recursive: true, force: true});
});

function gatedPlan(cluster: string, gate: {open: boolean}, live: {now: number; max: number}): Plan {
	return {
		id: 'join',
		title: `Join ${cluster}`,
		cluster,
		contexts: [cluster],
		confirm: '?',
		preflight: async () => [],
		outputs: () => [],
		steps: [
			{
				id: 'wait',
				title: 'Wait for the tunnel',
				kubectl: 'kubectl wait',
				context: cluster,
				check: async () => 'todo',
				async run(ctx) {
					live.now += 1;
					live.max = Math.max(live.max, live.now);
					try {
						while (!gate.open) {
							if (ctx.signal.aborted) throw new Error('aborted');
							await new Promise(r => setTimeout(r, 5));
						}
					} finally {
						live.now -= 1;
					}
				},
			},
		],
	};
}

function setup() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-control-'));
	dirs.push(dir);
	const store = createAppStore();
	const interrupted = new InterruptedRuns(dir);
	const control = new RunController({store, readOnly: false, source: '/k/config', cwd: dir, interrupted, env: {client: () => { throw new Error('unused'); }}});
	return {store, interrupted, control, dir};
}

describe('RunController', () => {
	test('a batch of five runs at most three at once, records each while under way, and forgets it when done', async () => {
		const {store, interrupted, control} = setup();
		const gate = {open: false};
		const live = {now: 0, max: 0};
		const clusters = ['c1', 'c2', 'c3', 'c4', 'c5'];
		control.startBatch(clusters.map(c => ({request: {id: 'join', options: {context: c, management: 'mgmt'}}, plan: gatedPlan(c, gate, live)})));
		await waitFor(() => expect(live.now).toBe(3));
		const runs = Object.values(store.getState().runs);
		expect(runs).toHaveLength(5);
		expect(new Set(runs.map(r => r.batch)).size).toBe(1);
		expect(fs.statSync(interrupted.file).mode & 0o777).toBe(0o600);
		expect(interrupted.list().map(e => e.cluster).sort()).toEqual(['c1', 'c2', 'c3']);
		gate.open = true;
		await waitFor(() => expect(Object.values(store.getState().runs).every(r => r.state === 'done')).toBe(true));
		expect(live.max).toBe(3);
		expect(fs.existsSync(interrupted.file)).toBe(false);
	});

	test('cancel stops the running ones (step cancelled) and the queued ones; retry runs them again', async () => {
		const {store, control} = setup();
		const gate = {open: false};
		const live = {now: 0, max: 0};
		control.startBatch(['c1', 'c2', 'c3', 'c4'].map(c => ({request: {id: 'join', options: {context: c, management: 'mgmt'}}, plan: gatedPlan(c, gate, live)})));
		await waitFor(() => expect(live.now).toBe(3));
		expect(control.cancel()).toBe('cancelling join on 4 clusters: r resumes it');
		await waitFor(() => expect(Object.values(store.getState().runs).map(r => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']));
		const steps = Object.values(store.getState().runs).map(r => r.steps[0]!.state);
		expect(steps.filter(s => s === 'cancelled')).toHaveLength(3);
		expect(steps.filter(s => s === 'pending')).toHaveLength(1);
		gate.open = true;
		expect(control.retry()).toMatch(/resuming join on 4 clusters/);
		await waitFor(() => expect(Object.values(store.getState().runs).every(r => r.state === 'done')).toBe(true));
	});

	test('esc, r and s act on the run the steps pane shows, which stays put while other runs start and end (issue 13 item 10)', async () => {
		const {store, control} = setup();
		const gate = {open: false};
		const live = {now: 0, max: 0};
		// A join whose first step is already done and whose second waits for a tunnel.
		const join = gatedPlan('managed-2', gate, live);
		join.steps.unshift({id: 'apply', title: 'Apply the ManagedCluster', kubectl: 'kubectl apply', context: 'managed-2', check: async () => 'done', run: async () => undefined});
		const joinId = control.start({id: 'join', options: {context: 'managed-2', management: 'mgmt'}}, join);
		await waitFor(() => expect(live.now).toBe(1));
		expect(store.getState().shownRun).toBe(joinId);
		// A grant on another cluster, started and finished meanwhile: shown, and it stays shown once done.
		const grant: Plan = {...gatedPlan('managed-1', {open: true}, {now: 0, max: 0}), id: 'grant', title: 'Grant on managed-1'};
		const grantId = control.start({id: 'grant', options: {context: 'managed-1', user: 'u', role: 'r'}} as never, grant);
		await waitFor(() => expect(store.getState().runs[grantId]?.state).toBe('done'));
		expect(control.label()).toBe('grant on managed-1');
		expect(control.cancelQuestion()).toEqual({message: 'grant on managed-1 is not running: nothing to cancel ([ and ] show the 1 running)'});
		expect(control.retry()).toBe('grant on managed-1 is done: nothing to retry');
		expect(store.getState().runs[joinId]?.state).toBe('running');

		expect(control.showOther(-1)).toBe('showing join on managed-2, running (1 of 2)');
		const asked = control.cancelQuestion();
		expect(asked).toEqual({question: 'cancel join on managed-2? y/n', runId: joinId});
		// The answer cancels the run it named, even if another is shown by then.
		control.showOther(1);
		expect(control.cancel((asked as {runId: string}).runId)).toBe('cancelling join on managed-2: r resumes it');
		await waitFor(() => expect(store.getState().runs[joinId]?.state).toBe('cancelled'));
		expect(store.getState().runs[grantId]?.state).toBe('done');

		control.showOther(-1);
		gate.open = true;
		expect(control.retry()).toBe('resuming join on managed-2 from step 2: steps the cluster already has are kept');
		await waitFor(() => expect(store.getState().runs[joinId]?.state).toBe('done'));
		expect(store.getState().runs[joinId]?.steps.map(s => `${s.state} ${s.detail ?? ''}`)).toEqual(['done already done', 'done ']);
	});

	test('a damaged state file reads as no interrupted runs', () => {
		const {interrupted} = setup();
		fs.writeFileSync(interrupted.file, '{not json');
		expect(interrupted.list()).toEqual([]);
	});
});
