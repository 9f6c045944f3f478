import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {waitTigerStatusStep} from '../../source/mcm/plans/common.js';
import {runPlan} from '../../source/mcm/runner.js';
import type {Plan} from '../../source/mcm/step.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {newStore, planEnv, type PlanTestEnv} from './env.js';

// Progress text that does not lie (issue 13): a wait on a cluster that does not answer shows the
// real error while it keeps trying, and a finished step keeps no "waiting for ..." detail.

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 0, standalone: 1, bare: 0});
	env = planEnv(fleet, {requestTimeoutMs: 1000});
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

describe('a wait step', () => {
	it('shows the last real error while the API is down, and no stale detail once done', async () => {
		const client = env.client('standalone-1');
		await fleet.control('degrade standalone-1 compliance disk full');
		const step = waitTigerStatusStep({id: 'wait', title: 'Wait for compliance', context: 'standalone-1', client, names: ['compliance'], env});
		const plan: Plan = {id: 'grant', title: 'wait', cluster: 'standalone-1', contexts: ['standalone-1'], steps: [step], confirm: 'wait?', preflight: async () => [], outputs: () => []};
		const store = newStore();
		const details: string[] = [];
		const sink = {
			...store.getState(),
			updateStep(runId: string, stepId: string, patch: {detail?: string}) {
				if (patch.detail) details.push(patch.detail);
				store.getState().updateStep(runId, stepId, patch as never);
			},
		};
		const running = runPlan(plan, {sink});
		const detailNow = () => store.getState().runs[store.getState().runOrder[0]!]?.steps[0]?.detail ?? '';
		for (let i = 0; i < 300 && !/^waiting: compliance: Degraded/.test(detailNow()); i++) await new Promise(r => setTimeout(r, 20));
		expect(detailNow()).toMatch(/^waiting: compliance: Degraded \(.*disk full\)/);
		await fleet.control('api-down standalone-1');
		for (let i = 0; i < 400 && !/does not answer/.test(detailNow()); i++) await new Promise(r => setTimeout(r, 20));
		// The first failure may be the kept-alive connection the server dropped; the retries then meet a refused connection.
		expect(detailNow()).toMatch(/^standalone-1 does not answer: .+ \(retrying; gives up after 30s\)$/);
		for (let i = 0; i < 400 && !/ECONNREFUSED/.test(detailNow()); i++) await new Promise(r => setTimeout(r, 20));
		expect(detailNow()).toMatch(/^standalone-1 does not answer: .*ECONNREFUSED.* \(retrying; gives up after 30s\)$/);
		await fleet.control('api-up standalone-1');
		await fleet.control('recover standalone-1 compliance');
		const run = await running;
		expect(run.state).toBe('done');
		expect(run.steps[0]!.detail).toBeUndefined();
		expect(details.some(d => d.startsWith('waiting'))).toBe(true);
	}, 60_000);
});
