import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/mcm/plans/index.js';
import {preflight} from '../../source/mcm/preflight.js';
import {runPlan} from '../../source/mcm/runner.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {demoManifests, demoPullSecret, expectResumesAfter, newStore, planEnv, quietCtx, runChecked, snapshot, states, type PlanTestEnv} from './env.js';

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 2, standalone: 12, bare: 1});
	env = planEnv(fleet);
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

describe('join', () => {
	it('installs a bare cluster as managed, joins it, and it connects from both ends', async () => {
		const plan = buildPlan('join', {context: 'bare-1', management: 'mgmt', manifests: demoManifests, pullSecret: demoPullSecret}, env);
		const run = await runChecked(plan);
		expect(run.state).toBe('done');
		expect(states(run)).toEqual([
			'install-operator:done', 'install-prometheus-operator:done', 'install-pull-secret:done', 'install-custom-resources:done', 'install-wait-apiserver:done',
			'managed-cluster:done', 'verify-address:done', 'apply-manifest:done', 'remove-manager:done', 'remove-logstorage:done',
			'wait-connected:done', 'wait-components:done', 'policies:done', 'grant:done',
		]);
		expect(fleet.connected('bare-1')).toBe('True');
		expect(fleet.tigeraStatus('bare-1', 'management-cluster-connection')).toBe('True');
		expect(fleet.get('bare-1', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'mcm-user-admin')).toBeDefined();
		expect(fs.statSync(path.join(env.cwd, 'bare-1.yaml')).mode & 0o777).toBe(0o600);
	});

	it('converts a standalone cluster: Manager and LogStorage removed, connected', async () => {
		expect(fleet.get('standalone-1', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeDefined();
		const run = await runChecked(buildPlan('join', {context: 'standalone-1', management: 'mgmt', name: 'site-a'}, env));
		expect(run.state).toBe('done');
		expect(run.steps.find(s => s.id === 'remove-manager')?.detail).toBe('deleted Manager tigera-secure');
		expect(run.steps.find(s => s.id === 'policies')).toMatchObject({state: 'skipped', detail: 'no --manifests given: apply tigera-policies-managed.yaml yourself'});
		expect(fleet.get('standalone-1', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('standalone-1', 'operator.tigera.io/v1', 'LogStorage', 'tigera-secure')).toBeUndefined();
		expect(fleet.connected('site-a')).toBe('True');
	});

	it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('interrupted after step %i, resumes and redoes nothing', async k => {
		const context = `standalone-${k + 2}`;
		const {second, reran} = await expectResumesAfter(() => buildPlan('join', {context, management: 'mgmt'}, env), k);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
		expect(fleet.connected(context)).toBe('True');
	});

	it('refuses to join a management cluster as managed, and a cluster to itself', async () => {
		const before = snapshot(fleet, 'mgmt');
		const checked = await preflight(buildPlan('join', {context: 'mgmt', management: 'mgmt'}, env), quietCtx());
		expect(checked.items).toEqual([{label: 'clusters', ok: false, message: 'mgmt cannot join itself', fix: 'pass the management cluster with --management'}]);
		await runChecked(buildPlan('make-management', {context: 'standalone-12'}, env));
		const other = await preflight(buildPlan('join', {context: 'standalone-12', management: 'mgmt'}, env), quietCtx());
		expect(other.items.find(i => i.label === 'standalone-12 role')).toMatchObject({ok: false, message: 'standalone-12 is a management cluster and cannot be joined as managed'});
		expect(snapshot(fleet, 'mgmt')).toBe(before);
	});

	it('a cancel while waiting for the tunnel leaves the step cancelled, and a re-run after the tunnel is back finishes', async () => {
		await fleet.tunnelDown('managed-1');
		await runChecked(buildPlan('unmanage', {context: 'managed-1', management: 'mgmt'}, env));
		const controller = new AbortController();
		const plan = buildPlan('join', {context: 'managed-1', management: 'mgmt'}, env);
		const store = newStore();
		const running = runPlan(plan, {sink: store.getState(), signal: controller.signal});
		// Cancel once the wait has started.
		for (let i = 0; i < 500 && store.getState().runs[store.getState().runOrder[0]!]?.steps.find(s => s.id === 'wait-connected')?.state !== 'running'; i++) await new Promise(r => setTimeout(r, 10));
		controller.abort();
		const first = await running;
		expect(first.state).toBe('cancelled');
		expect(first.steps.find(s => s.id === 'wait-connected')?.state).toBe('cancelled');
		expect(first.steps.find(s => s.id === 'wait-components')?.state).toBe('pending');
		await fleet.tunnelUp('managed-1');
		const second = await runPlan(buildPlan('join', {context: 'managed-1', management: 'mgmt'}, env), {sink: newStore().getState()});
		expect(second.state).toBe('done');
		expect(fleet.connected('managed-1')).toBe('True');
	});
});

describe('unmanage', () => {
	it('deletes the connection, its secret and the ManagedCluster, restores Manager and LogStorage, and waits until every component is Available; a second run does nothing', async () => {
		// A managed cluster has no Manager and no LogStorage (the join removed them).
		expect(fleet.get('managed-2', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('managed-2', 'operator.tigera.io/v1', 'LogStorage', 'tigera-secure')).toBeUndefined();
		const plan = buildPlan('unmanage', {context: 'managed-2', management: 'mgmt'}, env);
		expect(plan.destructive).toBe(true);
		const run = await runChecked(plan);
		expect(run.steps.at(-1)!.error).toBeUndefined();
		expect(states(run)).toEqual(['delete-connection:done', 'delete-connection-secret:done', 'storage:done', 'restore-logstorage:done', 'restore-manager:done', 'delete-managed-cluster:done', 'wait-all:done']);
		expect(fleet.get('managed-2', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeDefined();
		expect(fleet.get('managed-2', 'operator.tigera.io/v1', 'LogStorage', 'tigera-secure')).toMatchObject({spec: {nodes: {count: 1}}});
		const statuses = fleet.store('managed-2').list(fleet.store('managed-2').lookupKind('operator.tigera.io/v1', 'TigeraStatus')!);
		expect(statuses.map(s => s.metadata.name)).toEqual(expect.arrayContaining(['manager', 'log-storage']));
		for (const s of statuses) expect({name: s.metadata.name, available: (s.status as {conditions: Array<{type: string; status: string}>}).conditions.find(c => c.type === 'Available')?.status}).toEqual({name: s.metadata.name, available: 'True'});
		expect(fleet.get('managed-2', 'operator.tigera.io/v1', 'ManagementClusterConnection', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('managed-2', 'v1', 'Secret', 'tigera-managed-cluster-connection', 'tigera-operator')).toBeUndefined();
		expect(fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', 'managed-2')).toBeUndefined();
		const {second, reran} = await expectResumesAfter(() => buildPlan('unmanage', {context: 'managed-2', management: 'mgmt'}, env), 2);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
	});
});
