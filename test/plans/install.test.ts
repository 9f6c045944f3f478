import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/mcm/plans/index.js';
import {preflight} from '../../source/mcm/preflight.js';
import {runPlan} from '../../source/mcm/runner.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {demoLicense, demoManifests, demoPullSecret, expectResumesAfter, newStore, planEnv, quietCtx, runAndCancelAfter, runChecked, snapshot, states, type PlanTestEnv} from './env.js';

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 0, standalone: 1, bare: 16});
	env = planEnv(fleet);
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

async function addStorage(context: string) {
	await env.client(context).request({method: 'POST', path: '/apis/storage.k8s.io/v1/storageclasses', body: {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'tigera-elasticsearch'}, provisioner: 'kubernetes.io/no-provisioner'}});
}

const install = (context: string, role: 'management' | 'managed' | 'standalone' = 'management', manifests = demoManifests) =>
	buildPlan('install', {context, role, manifests, pullSecret: demoPullSecret, license: role === 'managed' ? undefined : demoLicense}, env);

describe('install', () => {
	it('installs a management cluster end to end: every TigerStatus Available, license and policies in place', async () => {
		await addStorage('bare-1');
		const run = await runChecked(install('bare-1'));
		expect(states(run)).toEqual([
			'storage:done', 'operator:done', 'prometheus-operator:done', 'pull-secret:done', 'custom-resources:done',
			'wait-apiserver:done', 'license:done', 'wait-all:done', 'policies:done',
		]);
		expect(fleet.tigeraStatus('bare-1', 'apiserver')).toBe('True');
		expect(fleet.tigeraStatus('bare-1', 'manager')).toBe('True');
		expect(fleet.get('bare-1', 'projectcalico.org/v3', 'LicenseKey', 'default')).toBeDefined();
		const secret = fleet.get('bare-1', 'v1', 'Secret', 'tigera-pull-secret', 'tigera-operator') as {type?: string; data?: Record<string, string>};
		expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
		expect(Buffer.from(secret.data!['.dockerconfigjson']!, 'base64').toString()).toBe(fs.readFileSync(demoPullSecret, 'utf8'));
		expect(fleet.get('bare-1', 'projectcalico.org/v3', 'Tier', 'allow-tigera')).toBeDefined();
	});

	it('installs a managed cluster without Manager, LogStorage, storage check or license', async () => {
		const run = await runChecked(install('bare-2', 'managed'));
		expect(states(run)).toEqual(['operator:done', 'prometheus-operator:done', 'pull-secret:done', 'custom-resources:done', 'wait-apiserver:done', 'policies:done']);
		expect(fleet.get('bare-2', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('bare-2', 'operator.tigera.io/v1', 'LogStorage', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('bare-2', 'projectcalico.org/v3', 'NetworkPolicy', 'allow-tigera.guardian-access', 'calico-system')).toBeDefined();
		expect(run.steps.find(s => s.id === 'custom-resources')?.kubectl).toBe(
			`yq 'select(.kind != "Manager" and .kind != "LogStorage")' ${path.join(demoManifests, 'custom-resources.yaml')} | kubectl --context bare-2 apply --server-side --field-manager=calico-mcm -f -`,
		);
	});

	it('skips the Prometheus operator when one >= v0.30.0 is present', async () => {
		const client = env.client('bare-3');
		await client.request({method: 'POST', path: '/api/v1/namespaces', body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'monitoring'}}});
		await client.request({
			method: 'POST',
			path: '/apis/apps/v1/namespaces/monitoring/deployments',
			body: {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'prometheus-operator', namespace: 'monitoring'}, spec: {selector: {matchLabels: {app: 'po'}}, template: {metadata: {labels: {app: 'po'}}, spec: {containers: [{name: 'po', image: 'quay.io/prometheus-operator/prometheus-operator:v0.68.0'}]}}}},
		});
		const run = await runChecked(install('bare-3', 'managed'));
		const step = run.steps.find(s => s.id === 'prometheus-operator')!;
		expect(step.state).toBe('skipped');
		expect(step.detail).toBe('using the existing Prometheus operator v0.68.0 (monitoring/prometheus-operator)');
		expect(fleet.get('bare-3', 'apps/v1', 'Deployment', 'calico-prometheus-operator', 'tigera-prometheus')).toBeUndefined();
		expect(run.state).toBe('done');
	});

	it('creates the tigera-elasticsearch StorageClass from the default class\'s provisioner when it is missing', async () => {
		expect(fleet.get('bare-15', 'storage.k8s.io/v1', 'StorageClass', 'tigera-elasticsearch')).toBeUndefined();
		const defaultClass = fleet.store('bare-15').list(fleet.store('bare-15').lookup('storage.k8s.io', 'v1', 'storageclasses')!)
			.find(sc => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true') as unknown as {provisioner: string};
		const plan = install('bare-15');
		const first = await runAndCancelAfter(plan, 0);
		expect(first.steps[0]).toMatchObject({id: 'storage', state: 'done'});
		expect(first.steps[0]!.detail).toContain(defaultClass.provisioner);
		const created = fleet.get('bare-15', 'storage.k8s.io/v1', 'StorageClass', 'tigera-elasticsearch') as unknown as {provisioner: string; reclaimPolicy: string};
		expect(created).toMatchObject({provisioner: defaultClass.provisioner, reclaimPolicy: 'Retain'});
	});

	it('fails the storage step with the fix when there is no default StorageClass to copy, and creates nothing', async () => {
		const store = fleet.store('bare-16');
		const classes = store.lookup('storage.k8s.io', 'v1', 'storageclasses')!;
		for (const sc of store.list(classes)) store.delete(classes, undefined, sc.metadata.name);
		const run = await runAndCancelAfter(install('bare-16'), 0);
		expect(run.steps[0]).toMatchObject({id: 'storage', state: 'failed'});
		expect(run.steps[0]!.error).toContain('no default StorageClass');
		expect(run.steps[0]!.hint).toContain('Configure storage');
		expect(store.list(classes)).toEqual([]);
		expect(run.steps.slice(1).every(s => s.state === 'pending')).toBe(true);
	});

	it('a second run of a finished install runs no step', async () => {
		const {plan, runs} = await import('./env.js').then(m => m.instrument(install('bare-1')));
		const run = await runPlan(plan, {sink: newStore().getState()});
		expect(run.state).toBe('done');
		expect(runs).toEqual([]);
	});

	it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('interrupted after step %i, a new run resumes and redoes nothing', async k => {
		const context = `bare-${k + 4}`;
		await addStorage(context);
		const {first, second, reran} = await expectResumesAfter(() => install(context), k);
		expect(first.steps.slice(k + 1).every(s => s.state === 'pending')).toBe(true);
		expect(second.state).toBe('done');
		expect(second.steps.every(s => s.state === 'done')).toBe(true);
		expect(reran).toEqual([]);
	});

	it('broken YAML in the 5th document fails preflight naming file, document and line, and changes nothing', async () => {
		const dir = fs.mkdtempSync(path.join(env.cwd, 'manifests-'));
		for (const f of fs.readdirSync(demoManifests)) fs.copyFileSync(path.join(demoManifests, f), path.join(dir, f));
		const file = path.join(dir, 'custom-resources.yaml');
		const text = fs.readFileSync(file, 'utf8');
		const docs = text.split(/^---$/m);
		// Break the 5th document: a key with a stray colon.
		const lines = text.split('\n');
		let seen = 0;
		let brokenLine = 0;
		for (let i = 0; i < lines.length; i++) {
			if (/^kind: /.test(lines[i]!) && ++seen === 5) {
				lines[i] = `${lines[i]}: broken`;
				brokenLine = i + 1;
				break;
			}
		}
		expect(docs.length).toBeGreaterThan(5);
		fs.writeFileSync(file, lines.join('\n'));
		const before = snapshot(fleet, 'bare-13');
		const checked = await preflight(install('bare-13', 'management', dir), quietCtx());
		expect(checked.ok).toBe(false);
		const item = checked.items.find(i => i.label === 'manifest custom-resources.yaml')!;
		expect(item.message).toMatch(new RegExp(`custom-resources\\.yaml: document 5 \\(line ${brokenLine}\\): `));
		expect(snapshot(fleet, 'bare-13')).toBe(before);
	});

	const copyManifests = () => {
		const dir = fs.mkdtempSync(path.join(env.cwd, 'manifests-'));
		for (const f of fs.readdirSync(demoManifests)) fs.copyFileSync(path.join(demoManifests, f), path.join(dir, f));
		return dir;
	};

	it('an unknown kind in custom-resources.yaml fails preflight naming the document, before anything is installed', async () => {
		const dir = copyManifests();
		const file = path.join(dir, 'custom-resources.yaml');
		fs.appendFileSync(file, '\n---\napiVersion: operator.tigera.io/v1\nkind: Compliances\nmetadata:\n  name: tigera-secure\n');
		const documents = fs.readFileSync(file, 'utf8').split(/^---$/m).filter(d => /^kind:/m.test(d)).length;
		const before = snapshot(fleet, 'bare-15');
		const checked = await preflight(install('bare-15', 'management', dir), quietCtx());
		expect(checked.ok).toBe(false);
		const item = checked.items.find(i => i.label === 'kinds on bare-15')!;
		expect(item.ok).toBe(false);
		expect(item.message).toMatch(new RegExp(`custom-resources\\.yaml document ${documents} \\(line \\d+, Compliances tigera-secure\\): bare-15 does not serve Compliances in operator\\.tigera\\.io/v1, and no CustomResourceDefinition of this plan defines it`));
		expect(item.message).not.toMatch(/Installation|APIServer|NetworkPolicy/);
		expect(snapshot(fleet, 'bare-15')).toBe(before);
		// The same set without the bad document passes the check: the operator's CRDs and the Calico API server count.
		const good = await preflight(install('bare-15', 'management'), quietCtx());
		expect(good.items.find(i => i.label === 'kinds on bare-15')).toMatchObject({ok: true});
	});

	it('an empty custom-resources.yaml fails preflight instead of waiting for an API server that cannot come', async () => {
		const dir = copyManifests();
		fs.writeFileSync(path.join(dir, 'custom-resources.yaml'), '# emptied by mistake\n---\n');
		const before = snapshot(fleet, 'bare-16');
		const checked = await preflight(install('bare-16', 'management', dir), quietCtx());
		expect(checked.ok).toBe(false);
		expect(checked.items.find(i => i.label === 'manifest custom-resources.yaml')).toMatchObject({
			ok: false,
			message: `${path.join(dir, 'custom-resources.yaml')} has no objects (empty, or only comments)`,
		});
		expect(snapshot(fleet, 'bare-16')).toBe(before);
	});

	it('an unreadable pull secret or a missing license fails preflight with the fix', async () => {
		const p = buildPlan('install', {context: 'bare-14', role: 'standalone', manifests: demoManifests, pullSecret: path.join(env.cwd, 'missing.json')}, env);
		const checked = await preflight(p, quietCtx());
		expect(checked.ok).toBe(false);
		expect(checked.items.find(i => i.label === 'pull secret')?.message).toBe(`${path.join(env.cwd, 'missing.json')}: cannot read: no such file or directory`);
		expect(checked.items.find(i => i.label === 'license')).toMatchObject({ok: false, fix: 'pass --license FILE (the license.yaml Tigera sent you)'});
	});

	it('refuses to install a managed cluster over a management one', async () => {
		const checked = await preflight(install('standalone-1', 'managed'), quietCtx());
		expect(checked.items.find(i => i.label === 'standalone-1 role')?.ok).toBe(true);
		await runChecked(buildPlan('make-management', {context: 'standalone-1'}, env));
		const again = await preflight(install('standalone-1', 'managed'), quietCtx());
		expect(again.items.find(i => i.label === 'standalone-1 role')).toMatchObject({ok: false, fix: 'a management cluster cannot be installed as managed: run `calico-mcm run unmake-management --context standalone-1` first'});
	});
});
