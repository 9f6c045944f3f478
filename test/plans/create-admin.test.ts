import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/mcm/plans/index.js';
import {RunController} from '../../source/app/run-controller.js';
import {runPlan} from '../../source/mcm/runner.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {expectResumesAfter, instrument, newStore, planEnv, runChecked, states, writeCounter, type PlanTestEnv} from './env.js';

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 1, standalone: 0, bare: 0});
	env = planEnv(fleet);
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

const plan = (user: string, extra: Record<string, unknown> = {}) => buildPlan('create-admin', {context: 'mgmt', user, ...extra}, env);

describe('create-admin', () => {
	it('creates the service account, the binding and a TokenRequest token in a 0600 file, masked', async () => {
		const p = plan('admin-a');
		const run = await runChecked(p);
		expect(states(run)).toEqual(['service-account:done', 'cluster-role-binding:done', 'token:done']);
		expect(fleet.get('mgmt', 'v1', 'ServiceAccount', 'admin-a', 'default')).toBeDefined();
		const crb = fleet.get('mgmt', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'admin-a-admin');
		expect(crb).toMatchObject({roleRef: {name: 'tigera-network-admin'}, subjects: [{kind: 'ServiceAccount', name: 'admin-a', namespace: 'default'}]});
		const file = path.join(env.cwd, 'mgmt-admin-a.token');
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		const token = fs.readFileSync(file, 'utf8').trim();
		// The token is a real one: the cluster authenticates it as the service account.
		expect(fleet.tokens('mgmt').authenticate(token)?.user).toBe('system:serviceaccount:default:admin-a');
		const outputs = p.outputs();
		expect(outputs.find(o => o.label === 'login token')?.value).not.toContain(token.slice(10));
		expect(JSON.stringify(run)).not.toContain(token);
		// --show-token shows it.
		const shown = plan('admin-a', {showToken: true});
		await runPlan(shown, {sink: newStore().getState()});
		expect(shown.outputs().find(o => o.label === 'login token')?.value).toBe(token);
	});

	it('a second run changes nothing on the server and runs no step', async () => {
		const counter = writeCounter(fleet, ['mgmt']);
		const {plan: again, runs} = instrument(plan('admin-a'));
		const run = await runPlan(again, {sink: newStore().getState()});
		counter.stop();
		expect(run.state).toBe('done');
		expect(runs).toEqual([]);
		expect(counter.events('mgmt')).toEqual([]);
	});

	it.each([0, 1, 2])('interrupted after step %i, resumes without redoing anything', async k => {
		const {first, second, reran} = await expectResumesAfter(() => plan(`resume-${k}`), k);
		expect(first.steps.slice(k + 1).every(s => s.state === 'pending')).toBe(true);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
		expect(second.steps.slice(0, k + 1).every(s => s.state === 'done')).toBe(true);
	});

	it('fails a step clearly when the API server goes down, and a retry after it is back succeeds', async () => {
		const store = newStore();
		let down: Promise<void> | undefined;
		let runId = '';
		// The API server goes down as soon as the first step is done (before the next one starts).
		store.subscribe(state => {
			if (!down && state.runs[runId]?.steps.find(s => s.id === 'service-account')?.state === 'done') down = fleet.apiDown('mgmt');
		});
		const {plan: p, runs} = instrument(plan('fault-user'));
		const control = new RunController({store, env, readOnly: false, source: 'test', cwd: env.cwd});
		runId = control.start({id: 'create-admin', options: {context: 'mgmt', user: 'fault-user'}}, p);
		let result = (await control.finished(runId))!;
		if (result.state === 'done') throw new Error('the fault did not hit');
		const failed = result.steps.find(s => s.state === 'failed')!;
		expect(failed.id).toBe('cluster-role-binding');
		expect(failed.error).toMatch(/ECONNREFUSED|refused|unreachable|cannot reach|socket/i);
		expect(failed.hint).toContain('kubectl --context mgmt get --raw /readyz');
		expect(result.steps.find(s => s.id === 'token')?.state).toBe('pending');
		await down;
		await fleet.apiUp('mgmt');
		control.retry();
		result = (await control.finished(runId))!;
		expect(states(result)).toEqual(['service-account:done', 'cluster-role-binding:done', 'token:done']);
		expect(store.getState().runs[runId]?.state).toBe('done');
		// The service account was made once.
		expect(runs.filter(id => id === 'service-account')).toHaveLength(1);
	});

	it('refuses the mutating steps in read-only mode and names the first one', async () => {
		const run = await runChecked(plan('ro-user'), {readOnly: true});
		expect(run.state).toBe('failed');
		const failed = run.steps.find(s => s.state === 'failed')!;
		expect(failed.id).toBe('service-account');
		expect(failed.error).toBe('refused in read-only mode: "Create the service account default/ro-user" would change mgmt (kubectl --context mgmt create serviceaccount ro-user -n default)');
		expect(fleet.get('mgmt', 'v1', 'ServiceAccount', 'ro-user', 'default')).toBeUndefined();
	});
});
