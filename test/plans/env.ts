// Shared set-up of the plan tests: a fleet at speed 0, clients built from its kubeconfig exactly as
// the CLI builds them, a store to run into, and a way to count the writes each server received.
import fs from 'node:fs';
import path from 'node:path';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {StepError} from '../../source/mcm/step.js';
import type {PlanEnv} from '../../source/mcm/plans/index.js';
import {createAppStore} from '../../source/store/store.js';
import type {StoreEvent} from '../../source/sim/types.js';
import type {TestFleet} from '../helpers/fleet.js';

export const repo = path.resolve(import.meta.dirname, '../..');
export const demoManifests = path.join(repo, 'demo/manifests');
export const demoLicense = path.join(repo, 'demo/license.yaml');
export const demoPullSecret = path.join(repo, 'demo/pull-secret.json');

export type PlanTestEnv = PlanEnv & {clients: Map<string, ClusterClient>; cwd: string; close(): void};

export function planEnv(fleet: TestFleet, options: {cwd?: string; waitTimeoutMs?: number; requestTimeoutMs?: number} = {}): PlanTestEnv {
	const config = loadKubeconfig({kubeconfig: fleet.kubeconfigPath, env: {}});
	const clients = createClients(config, {requestTimeoutMs: options.requestTimeoutMs ?? 5000});
	const cwd = options.cwd ?? fs.mkdtempSync(path.join(fleet.dir, 'cwd-'));
	return {
		clients,
		cwd,
		waitTimeoutMs: options.waitTimeoutMs ?? 20_000,
		client(context) {
			const client = clients.get(context);
			if (!client) throw new StepError(`no context "${context}"`, 'use a context of the fleet');
			return client;
		},
		close() {
			for (const c of clients.values()) c.close();
		},
	};
}

export function newStore() {
	return createAppStore();
}

/** Counts ADDED/MODIFIED/DELETED events per cluster (every write the server stored). */
export function writeCounter(fleet: TestFleet, clusters: string[]) {
	const counts = new Map<string, StoreEvent[]>();
	const unsubs = clusters.map(c => {
		counts.set(c, []);
		return fleet.store(c).subscribe(e => counts.get(c)!.push(e));
	});
	return {
		/** Events caused by anything but the simulated operator's own status/bookkeeping is hard to tell apart; tests compare kinds. */
		events: (c: string) => counts.get(c)!,
		reset: () => {
			for (const list of counts.values()) list.length = 0;
		},
		stop: () => unsubs.forEach(u => u()),
	};
}

/** Every object of every type of a cluster, as JSON (for before/after comparisons). */
export function snapshot(fleet: TestFleet, cluster: string): string {
	const store = fleet.store(cluster);
	const all: unknown[] = [];
	for (const type of store.types()) all.push(...store.list(type).map(o => ({type: `${type.group}/${type.resource}`, o})));
	return JSON.stringify(all);
}

import {runPlan, type RunSink} from '../../source/mcm/runner.js';
import type {Plan} from '../../source/mcm/step.js';
import type {RunProgress} from '../../source/mcm/types.js';
import {preflight} from '../../source/mcm/preflight.js';

/** Records which steps' run() was called (a re-run must not call run() for a step already done). */
export function instrument(plan: Plan): {plan: Plan; runs: string[]} {
	const runs: string[] = [];
	for (const step of plan.steps) {
		const run = step.run;
		step.run = async ctx => {
			runs.push(step.id);
			return run(ctx);
		};
	}
	return {plan, runs};
}

export const quietCtx = () => ({signal: new AbortController().signal, log: () => undefined});

/** Preflight must pass, then the plan runs to its end. */
export async function runChecked(plan: Plan, options: {readOnly?: boolean; sink?: RunSink; signal?: AbortSignal} = {}): Promise<RunProgress> {
	const checked = await preflight(plan, quietCtx());
	if (!checked.ok) throw new Error(`preflight failed: ${JSON.stringify(checked.items.filter(i => !i.ok))}`);
	return runPlan(plan, {sink: options.sink ?? newStore().getState(), readOnly: options.readOnly, signal: options.signal});
}

/** Run until step `index` has finished, then cancel (as a user pressing the cancel key would). */
export async function runAndCancelAfter(plan: Plan, index: number): Promise<RunProgress> {
	const controller = new AbortController();
	const store = newStore().getState();
	const target = plan.steps[index]!.id;
	const sink: RunSink = {
		...store,
		updateStep(runId, stepId, patch) {
			store.updateStep(runId, stepId, patch);
			if (stepId === target && (patch.state === 'done' || patch.state === 'skipped')) controller.abort();
		},
	};
	return runPlan(plan, {sink, signal: controller.signal});
}

export function states(run: RunProgress): string[] {
	return run.steps.map(s => `${s.id}:${s.state}`);
}

/**
 * Interrupt a fresh plan after step k, run a fresh copy again, and check that the second run resumes:
 * it ends done, nothing fails, and no mutating step that the first run finished is run again.
 */
export async function expectResumesAfter(build: () => Plan, k: number): Promise<{first: RunProgress; second: RunProgress; reran: string[]}> {
	const first = await runAndCancelAfter(build(), k);
	const firstPlan = build();
	const doneFirst = first.steps.slice(0, k + 1).map(s => s.id);
	if (first.state !== 'cancelled' && k < first.steps.length - 1) throw new Error(`first run did not stop after step ${k}: ${states(first).join(' ')} ${JSON.stringify(first.steps.find(s => s.error))}`);
	const {plan, runs} = instrument(firstPlan);
	const second = await runPlan(plan, {sink: newStore().getState()});
	const mutatingDone = plan.steps.filter(s => doneFirst.includes(s.id) && s.mutating !== false).map(s => s.id);
	const reran = runs.filter(id => mutatingDone.includes(id));
	return {first, second, reran};
}
