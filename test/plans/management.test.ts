import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {buildPlan} from '../../source/mcm/plans/index.js';
import {preflight} from '../../source/mcm/preflight.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {expectResumesAfter, planEnv, quietCtx, runChecked, snapshot, states, type PlanTestEnv} from './env.js';

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 1, standalone: 10, bare: 0});
	env = planEnv(fleet);
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

describe('make-management', () => {
	it('exposes the manager with the names of the version, suggests the address from a node and the node port, and creates the ManagementCluster', async () => {
		const plan = buildPlan('make-management', {context: 'standalone-1'}, env);
		const run = await runChecked(plan);
		expect(states(run)).toEqual(['mcm-service:done', 'address:done', 'management-cluster:done', 'wait-manager:done']);
		const service = fleet.get('standalone-1', 'v1', 'Service', 'calico-manager-mcm', 'calico-system') as unknown as {spec: {type: string; ports: Array<{nodePort: number}>; selector: unknown}};
		expect(service.spec).toMatchObject({type: 'NodePort', selector: {'k8s-app': 'calico-manager'}});
		const nodes = fleet.store('standalone-1').list(fleet.store('standalone-1').lookupKind('v1', 'Node')!);
		const external = (nodes[0]!.status as {addresses: Array<{type: string; address: string}>}).addresses.find(a => a.type === 'ExternalIP')!.address;
		const address = `${external}:${service.spec.ports[0]!.nodePort}`;
		expect(fleet.get('standalone-1', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')).toMatchObject({spec: {address}});
		expect(run.steps[1]!.detail).toContain(`${address} (ExternalIP of node`);
		expect(run.steps[0]!.kubectl).toContain("kubectl --context standalone-1 apply --server-side --field-manager=calico-mcm -f - <<'EOF'\napiVersion: v1\nkind: Service\nmetadata:\n  name: calico-manager-mcm\n  namespace: calico-system");
		expect(plan.outputs()).toEqual([{label: 'management cluster address', value: address}]);
	});

	it('uses --address as given and a LoadBalancer when asked', async () => {
		const run = await runChecked(buildPlan('make-management', {context: 'standalone-2', address: 'mgmt.example.com:9449', service: 'loadbalancer'}, env));
		expect(run.state).toBe('done');
		expect(fleet.get('standalone-2', 'v1', 'Service', 'calico-manager-mcm', 'calico-system')).toMatchObject({spec: {type: 'LoadBalancer'}});
		expect(fleet.get('standalone-2', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')).toMatchObject({spec: {address: 'mgmt.example.com:9449'}});
	});

	it("with a LoadBalancer, waits for the cloud's ingress and writes ingress:9449; no ingress is a clear timeout, and r resumes", async () => {
		const plan = () => buildPlan('make-management', {context: 'standalone-10', service: 'loadbalancer'}, {...env, waitTimeoutMs: 1500});
		expect(plan().confirm).toContain("the load balancer's ingress (IP or hostname) and port 9449");
		expect(plan().steps[1]!.title).toBe("Wait for the load balancer's ingress (IP or hostname); managed clusters dial it on port 9449");
		expect(await fleet.control('lb-withhold standalone-10')).toBe('ok lb-withhold standalone-10');
		const stuck = await runChecked(plan());
		expect(states(stuck)).toEqual(['mcm-service:done', 'address:failed', 'management-cluster:pending', 'wait-manager:pending']);
		expect(stuck.steps[1]!.error).toMatch(/^no ingress was assigned to LoadBalancer service calico-system\/calico-manager-mcm on standalone-10 within 2s/);
		expect(stuck.steps[1]!.hint).toContain('EXTERNAL-IP <pending>');
		expect(fleet.get('standalone-10', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')).toBeUndefined();

		await fleet.control('lb-assign standalone-10');
		const run = await runChecked(plan());
		expect(run.state).toBe('done');
		const service = fleet.get('standalone-10', 'v1', 'Service', 'calico-manager-mcm', 'calico-system') as unknown as {status: {loadBalancer: {ingress: Array<{ip: string}>}}};
		const address = `${service.status.loadBalancer.ingress[0]!.ip}:9449`;
		expect(fleet.get('standalone-10', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')).toMatchObject({spec: {address}});
		expect(run.steps[1]!.detail).toBe(`${address} (the load balancer's ingress and port 9449)`);
	});

	it.each([0, 1, 2, 3])('interrupted after step %i, resumes and redoes nothing', async k => {
		const {second, reran} = await expectResumesAfter(() => buildPlan('make-management', {context: `standalone-${k + 3}`}, env), k);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
	});

	it('a bad address or a managed cluster fails preflight and changes nothing', async () => {
		const before = snapshot(fleet, 'standalone-7');
		const bad = await preflight(buildPlan('make-management', {context: 'standalone-7', address: 'https://mgmt:30449'}, env), quietCtx());
		expect(bad.ok).toBe(false);
		expect(bad.items.find(i => i.label === 'management cluster address')?.message).toBe('"https://mgmt:30449": it must not have a scheme (write host:port, without https://)');
		const managed = await preflight(buildPlan('make-management', {context: 'managed-1'}, env), quietCtx());
		expect(managed.items.find(i => i.label === 'managed-1 role')).toMatchObject({ok: false, message: 'managed-1 is a managed cluster'});
		expect(snapshot(fleet, 'standalone-7')).toBe(before);
	});
});

describe('add-managed', () => {
	it('creates the ManagedCluster, saves the installation manifest 0600, and checks its address', async () => {
		const plan = buildPlan('add-managed', {context: 'mgmt', name: 'edge-1'}, env);
		const run = await runChecked(plan);
		expect(states(run)).toEqual(['managed-cluster:done', 'verify-address:done']);
		const file = path.join(env.cwd, 'edge-1.yaml');
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		const docs = yaml.loadAll(fs.readFileSync(file, 'utf8')) as Array<{kind: string; spec?: {managementClusterAddr?: string}}>;
		const address = (fleet.get('mgmt', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')?.spec as {address: string}).address;
		expect(docs.find(d => d.kind === 'ManagementClusterConnection')?.spec?.managementClusterAddr).toBe(address);
		expect(run.steps[1]!.detail).toBe(`${address} matches`);
		expect(JSON.stringify(run)).not.toContain('BEGIN');
	});

	it('with no --output, saves the manifest in the 0700 secrets directory and shows its full path; the working directory stays empty', async () => {
		const secretsDir = path.join(fleet.dir, 'state', 'calico-mcm', 'secrets');
		const plan = buildPlan('add-managed', {context: 'mgmt', name: 'edge-2'}, {...env, secretsDir});
		const run = await runChecked(plan);
		const file = path.join(secretsDir, 'edge-2.yaml');
		expect(fs.statSync(secretsDir).mode & 0o777).toBe(0o700);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.existsSync(path.join(env.cwd, 'edge-2.yaml'))).toBe(false);
		expect(run.steps[0]!.detail).toContain(file);
		expect(plan.outputs()).toEqual([{label: 'installation manifest', value: file}]);
		// A path the user gives is theirs, relative to the working directory.
		const chosen = buildPlan('add-managed', {context: 'mgmt', name: 'edge-3', output: 'here.yaml'}, {...env, secretsDir});
		// Named only once it is written (issue 14: a path never written was printed after an early failure).
		expect(chosen.outputs()).toEqual([]);
		await runChecked(chosen);
		expect(fs.statSync(path.join(env.cwd, 'here.yaml')).mode & 0o777).toBe(0o600);
		expect(chosen.outputs()).toEqual([{label: 'installation manifest', value: 'here.yaml'}]);
	});

	it('explains and offers --recreate when the ManagedCluster exists without its manifest; --recreate makes a new one', async () => {
		fs.rmSync(path.join(env.cwd, 'edge-1.yaml'));
		const checked = await preflight(buildPlan('add-managed', {context: 'mgmt', name: 'edge-1'}, env), quietCtx());
		expect(checked.ok).toBe(false);
		const item = checked.items.find(i => i.label === 'ManagedCluster edge-1')!;
		expect(item.message).toContain('exists already on mgmt');
		expect(item.message).toContain('the API returns it only at creation');
		expect(item.fix).toContain('--recreate');
		const uid = fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', 'edge-1')?.metadata.uid;
		const run = await runChecked(buildPlan('add-managed', {context: 'mgmt', name: 'edge-1', recreate: true}, env));
		expect(run.state).toBe('done');
		expect(fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', 'edge-1')?.metadata.uid).not.toBe(uid);
		expect(fs.existsSync(path.join(env.cwd, 'edge-1.yaml'))).toBe(true);
	});

	it.each([0, 1])('interrupted after step %i, resumes and redoes nothing', async k => {
		const {second, reran} = await expectResumesAfter(() => buildPlan('add-managed', {context: 'mgmt', name: `resume-${k}`}, env), k);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
	});

	it('an invalid name, or a cluster that is not a management cluster, fails preflight and changes nothing', async () => {
		const before = snapshot(fleet, 'mgmt');
		const checked = await preflight(buildPlan('add-managed', {context: 'mgmt', name: 'My_Cluster'}, env), quietCtx());
		expect(checked.items.find(i => i.label === 'managed cluster name')).toMatchObject({ok: false, fix: 'choose a name of lower-case letters, digits and "-", e.g. prod-eu-1'});
		const standalone = await preflight(buildPlan('add-managed', {context: 'standalone-8', name: 'x'}, env), quietCtx());
		expect(standalone.items.find(i => i.label === 'standalone-8 role')?.fix).toBe('make it a management cluster first: calico-mcm run make-management --context standalone-8');
		expect(snapshot(fleet, 'mgmt')).toBe(before);
	});
});

describe('grant', () => {
	it('binds the user to the role, and a run again redoes nothing', async () => {
		const run = await runChecked(buildPlan('grant', {context: 'managed-1', user: 'ops', role: 'tigera-network-admin'}, env));
		expect(states(run)).toEqual(['cluster-role-binding:done']);
		expect(fleet.get('managed-1', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'ops-admin')).toMatchObject({roleRef: {name: 'tigera-network-admin'}});
		const {second, reran} = await expectResumesAfter(() => buildPlan('grant', {context: 'managed-1', user: 'ops2'}, env), 0);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
	});

	it('names the missing permission when the context cannot create bindings', async () => {
		// A kubeconfig whose user is a service account with no rights at all.
		await env.client('standalone-9').request({method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'nobody'}}});
		const token = fleet.tokens('standalone-9').issue('default', 'nobody', 3600).token;
		const config = yaml.load(fs.readFileSync(fleet.kubeconfigPath, 'utf8')) as {users: Array<{name: string; user: {token: string}}>; contexts: Array<{name: string; context: {user: string}}>};
		const userName = config.contexts.find(c => c.name === 'standalone-9')!.context.user;
		config.users.find(u => u.name === userName)!.user.token = token;
		const file = path.join(env.cwd, 'nobody.kubeconfig');
		fs.writeFileSync(file, yaml.dump(config), {mode: 0o600});
		const clients = createClients(loadKubeconfig({kubeconfig: file, env: {}, contexts: ['standalone-9']}), {requestTimeoutMs: 5000});
		try {
			const plan = buildPlan('grant', {context: 'standalone-9'}, {client: c => clients.get(c)!});
			const before = snapshot(fleet, 'standalone-9');
			const checked = await preflight(plan, quietCtx());
			expect(checked.ok).toBe(false);
			const item = checked.items.find(i => i.label === 'permissions on standalone-9')!;
			expect(item.message).toBe('context standalone-9 cannot create clusterrolebindings.rbac.authorization.k8s.io; cannot get clusterrolebindings.rbac.authorization.k8s.io');
			expect(item.fix).toContain('kubectl --context standalone-9 auth can-i create clusterrolebindings.rbac.authorization.k8s.io');
			expect(snapshot(fleet, 'standalone-9')).toBe(before);
		} finally {
			for (const c of clients.values()) c.close();
		}
	});
});

describe('unmake-management', () => {
	it('refuses while managed clusters are registered unless --force', async () => {
		const checked = await preflight(buildPlan('unmake-management', {context: 'mgmt'}, env), quietCtx());
		const item = checked.items.find(i => i.label === 'managed clusters')!;
		expect(item.ok).toBe(false);
		expect(item.message).toMatch(/still registered on mgmt \(.*managed-1.*\)/);
		expect(item.fix).toContain('--force');
	});

	it('turns a management cluster back to standalone, and resumes after an interrupt', async () => {
		const plan = buildPlan('unmake-management', {context: 'standalone-1'}, env);
		expect(plan.destructive).toBe(true);
		const run = await runChecked(plan);
		expect(states(run)).toEqual(['delete-management-cluster:done', 'delete-mcm-service:done']);
		expect(fleet.get('standalone-1', 'operator.tigera.io/v1', 'ManagementCluster', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('standalone-1', 'v1', 'Service', 'calico-manager-mcm', 'calico-system')).toBeUndefined();
		const {second, reran} = await expectResumesAfter(() => buildPlan('unmake-management', {context: 'standalone-3'}, env), 0);
		expect(second.state).toBe('done');
		expect(reran).toEqual([]);
		expect(fleet.get('standalone-3', 'v1', 'Service', 'calico-manager-mcm', 'calico-system')).toBeUndefined();
	});
});
