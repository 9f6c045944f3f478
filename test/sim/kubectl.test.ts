// The real kubectl against one simulated cluster: it must work as against a real cluster.
import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {KubeObject, ResourceType} from '../../source/sim/types.js';
import {crdFiles, crdPath} from './crd-fixtures.js';
import {startSingleCluster, waitFor, type SingleCluster} from './single-cluster.js';

const kubectlPath = '/usr/bin/kubectl';
const hasKubectl = existsSync(kubectlPath);
if (!hasKubectl) console.warn(`SKIPPED: kubectl tests need ${kubectlPath}, which is not installed on this machine`);

type Result = {code: number; stdout: string; stderr: string};

let cluster: SingleCluster;
let cacheDir: string;

/** Runs kubectl with its own discovery cache per test, so no test sees another's stale types. */
function kubectl(args: string[], options: {kubeconfig?: string; stdin?: string} = {}): Promise<Result> {
	return new Promise((resolve) => {
		const child = execFile(kubectlPath, [`--kubeconfig=${options.kubeconfig ?? cluster.kubeconfigPath}`, '--request-timeout=10s', `--cache-dir=${cacheDir}`, ...args], {
			timeout: 30_000,
			env: {...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: ''},
		}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
		if (options.stdin !== undefined) child.stdin?.end(options.stdin);
	});
}

function typeOf(apiVersion: string, kind: string): ResourceType {
	const t = cluster.store.lookupKind(apiVersion, kind);
	if (!t) throw new Error(`no type ${apiVersion} ${kind}`);
	return t;
}

function conditions(available: string, progressing: string, degraded: string, message = ''): KubeObject['status'] {
	const at = new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
	return {conditions: [
		{type: 'Available', status: available, lastTransitionTime: at, reason: 'AllObjectsAvailable', message: ''},
		{type: 'Progressing', status: progressing, lastTransitionTime: at, reason: 'AllObjectsAvailable', message: ''},
		{type: 'Degraded', status: degraded, lastTransitionTime: at, reason: degraded === 'True' ? 'ResourceValidationError' : 'AllObjectsAvailable', message},
	]};
}

function putTigeraStatus(name: string, status: KubeObject['status']): void {
	const type = typeOf('operator.tigera.io/v1', 'TigeraStatus');
	const existing = cluster.store.get(type, undefined, name) ?? cluster.store.create(type, {apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name}, spec: {}});
	cluster.store.update(type, {...existing, status}, {subresource: 'status'});
}

const table = (text: string) => text.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));

describe.skipIf(!hasKubectl)('kubectl against the simulator', () => {
	beforeAll(async () => {
		cluster = await startSingleCluster('kubectl-test');
		cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
		const result = await kubectlSetup();
		expect(result.code, result.stderr).toBe(0);
	});

	async function kubectlSetup(): Promise<Result> {
		return kubectl(['apply', '-f', crdPath(crdFiles.tigeraStatus), '-f', crdPath(crdFiles.managedCluster), '-f', crdPath(crdFiles.managementCluster)]);
	}

	beforeEach(() => {
		rmSync(cacheDir, {recursive: true, force: true});
		cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
	});

	afterAll(async () => {
		rmSync(cacheDir, {recursive: true, force: true});
		await cluster?.stop();
	});

	it('get tigerastatus prints the CRD\'s columns as on a cluster', async () => {
		putTigeraStatus('apiserver', conditions('True', 'False', 'False'));
		putTigeraStatus('management-cluster-connection', conditions('False', 'False', 'True', 'tunnel down'));
		const result = await kubectl(['get', 'tigerastatus']);
		expect(result.code, result.stderr).toBe(0);
		const rows = table(result.stdout);
		expect(rows[0]).toEqual(['NAME', 'AVAILABLE', 'PROGRESSING', 'DEGRADED', 'SINCE', 'MESSAGE']);
		expect(rows[1]).toEqual(['apiserver', 'True', 'False', 'False', '30m']);
		expect(rows[2]).toEqual(['management-cluster-connection', 'False', 'False', 'True', '30m', 'tunnel down']);
	});

	it('get managedclusters lists ManagedCluster objects with their columns', async () => {
		const type = typeOf('projectcalico.org/v3', 'ManagedCluster');
		cluster.store.create(type, {apiVersion: 'projectcalico.org/v3', kind: 'ManagedCluster', metadata: {name: 'listed'}, spec: {}});
		const result = await kubectl(['get', 'managedclusters']);
		expect(result.code, result.stderr).toBe(0);
		const rows = table(result.stdout);
		expect(rows[0][0]).toBe('NAME');
		expect(rows.map((r) => r[0])).toContain('listed');
	});

	it('create -f returns what the create response holds, printed with -o jsonpath', async () => {
		const remove = cluster.store.addAdmission({
			createResponse: (type, stored) => type.kind === 'ManagedCluster'
				? {...stored, spec: {...(stored.spec as object), installationManifest: `manifest-for-${stored.metadata.name}`}}
				: stored,
		});
		try {
			const file = join(cluster.dir, 'managed.yaml');
			writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: ManagedCluster\nmetadata:\n  name: app-1\nspec:\n  operatorNamespace: tigera-operator\n');
			const created = await kubectl(['create', '-f', file, '-o', 'jsonpath={.spec.installationManifest}']);
			expect(created.code, created.stderr).toBe(0);
			expect(created.stdout).toBe('manifest-for-app-1');
			const again = await kubectl(['get', 'managedcluster', 'app-1', '-o', 'jsonpath={.spec.installationManifest}']);
			expect(again.stdout).toBe('');
			const duplicate = await kubectl(['create', '-f', file]);
			expect(duplicate.code).not.toBe(0);
			expect(duplicate.stderr).toContain('managedclusters.projectcalico.org "app-1" already exists');
		} finally {
			remove();
		}
	});

	it('apply -f (client-side) creates, then configures with the last-applied configuration', async () => {
		const manifest = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n${data}`;
		const first = await kubectl(['apply', '-f', '-'], {stdin: manifest('  a: "1"\n  b: "2"\n')});
		expect(first.code, first.stderr).toBe(0);
		expect(first.stdout.trim()).toBe('configmap/applied created');
		const second = await kubectl(['apply', '-f', '-'], {stdin: manifest('  a: "changed"\n')});
		expect(second.code, second.stderr).toBe(0);
		expect(second.stdout.trim()).toBe('configmap/applied configured');
		const data = await kubectl(['get', 'configmap', 'applied', '-o', 'jsonpath={.data}']);
		expect(JSON.parse(data.stdout)).toEqual({a: 'changed'});
		const unchanged = await kubectl(['apply', '-f', '-'], {stdin: manifest('  a: "changed"\n')});
		expect(unchanged.stdout.trim()).toBe('configmap/applied unchanged');
	});

	it('apply --server-side applies, refuses a conflicting manager and accepts --force-conflicts', async () => {
		const manifest = (value: string) => `apiVersion: operator.tigera.io/v1\nkind: ManagementCluster\nmetadata:\n  name: tigera-secure\nspec:\n  address: ${value}\n`;
		const applied = await kubectl(['apply', '--server-side', '-f', '-'], {stdin: manifest('mgmt.example.com:30449')});
		expect(applied.code, applied.stderr).toBe(0);
		expect(applied.stdout.trim()).toBe('managementcluster.operator.tigera.io/tigera-secure serverside-applied');
		const conflict = await kubectl(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], {stdin: manifest('other.example.com:1')});
		expect(conflict.code).not.toBe(0);
		expect(conflict.stderr).toContain('conflict with "kubectl"');
		expect(conflict.stderr).toContain('.spec.address');
		const forced = await kubectl(['apply', '--server-side', '--field-manager=someone-else', '--force-conflicts', '-f', '-'], {stdin: manifest('other.example.com:1')});
		expect(forced.code, forced.stderr).toBe(0);
		const address = await kubectl(['get', 'managementcluster', 'tigera-secure', '-o', 'jsonpath={.spec.address}']);
		expect(address.stdout).toBe('other.example.com:1');
	});

	it('get -w prints the table, then a row per change', async () => {
		putTigeraStatus('watched', conditions('False', 'True', 'False'));
		const child = spawn(kubectlPath, [`--kubeconfig=${cluster.kubeconfigPath}`, `--cache-dir=${cacheDir}`, 'get', 'tigerastatus', 'watched', '-w'], {
			env: {...process.env, KUBECACHEDIR: cacheDir, KUBECONFIG: ''},
		});
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
		});
		child.stderr.on('data', (chunk: Buffer) => {
			out += chunk.toString();
		});
		try {
			await waitFor(() => /watched\s+False\s+True\s+False/.test(out), 15_000, 'the first row');
			putTigeraStatus('watched', conditions('True', 'False', 'False'));
			await waitFor(() => /watched\s+True\s+False\s+False/.test(out), 15_000, 'the changed row');
			expect(table(out)[0]).toEqual(['NAME', 'AVAILABLE', 'PROGRESSING', 'DEGRADED', 'SINCE', 'MESSAGE']);
		} finally {
			child.kill();
		}
	});

	it('create sa, create clusterrolebinding, create token and auth can-i work with the issued token', async () => {
		await kubectl(['create', 'clusterrole', 'tigera-network-admin', '--verb=get,list,watch', '--resource=tigerastatuses.operator.tigera.io']);
		const sa = await kubectl(['create', 'sa', 'mcm-user']);
		expect(sa.stdout.trim(), sa.stderr).toBe('serviceaccount/mcm-user created');
		const crb = await kubectl(['create', 'clusterrolebinding', 'mcm-user-admin', '--clusterrole=tigera-network-admin', '--serviceaccount=default:mcm-user']);
		expect(crb.stdout.trim(), crb.stderr).toBe('clusterrolebinding.rbac.authorization.k8s.io/mcm-user-admin created');
		const token = await kubectl(['create', 'token', 'mcm-user', '--duration=1h']);
		expect(token.code, token.stderr).toBe(0);
		expect(token.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
		const asUser = cluster.writeKubeconfig(token.stdout.trim(), 'mcm-user.kubeconfig');
		const yes = await kubectl(['auth', 'can-i', 'list', 'tigerastatuses.operator.tigera.io'], {kubeconfig: asUser});
		expect(yes.stdout.trim()).toBe('yes');
		expect(yes.code).toBe(0);
		const no = await kubectl(['auth', 'can-i', 'delete', 'tigerastatuses.operator.tigera.io'], {kubeconfig: asUser});
		expect(no.stdout.trim()).toBe('no');
		expect(no.code).not.toBe(0);
		const listed = await kubectl(['get', 'tigerastatus'], {kubeconfig: asUser});
		expect(listed.code, listed.stderr).toBe(0);
		const forbidden = await kubectl(['get', 'secrets'], {kubeconfig: asUser});
		expect(forbidden.stderr).toContain('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:mcm-user" cannot list resource "secrets" in API group "" in the namespace "default"');
		const impersonated = await kubectl(['auth', 'can-i', 'list', 'tigerastatuses.operator.tigera.io', '--as=system:serviceaccount:default:mcm-user']);
		expect(impersonated.stdout.trim()).toBe('yes');
		const impersonatedNo = await kubectl(['auth', 'can-i', 'list', 'secrets', '--as=system:serviceaccount:default:mcm-user']);
		expect(impersonatedNo.stdout.trim()).toBe('no');
		const missing = await kubectl(['create', 'token', 'nobody']);
		expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
		// Eleven kubectl runs, each with its own discovery: about 3 s on a quiet machine, over 30 s at a
		// load of 20 on 2 cores. No speed is asserted here (that is the bench's job).
	}, 90_000);

	it('delete removes an object (not on --dry-run=server), and a second delete reports NotFound', async () => {
		putTigeraStatus('doomed', conditions('True', 'False', 'False'));
		const dry = await kubectl(['delete', 'tigerastatus', 'doomed', '--dry-run=server']);
		expect(dry.stdout.trim(), dry.stderr).toBe('tigerastatus.operator.tigera.io "doomed" deleted (server dry run)');
		expect((await kubectl(['get', 'tigerastatus', 'doomed', '-o', 'name'])).stdout.trim()).toBe('tigerastatus.operator.tigera.io/doomed');
		const deleted = await kubectl(['delete', 'tigerastatus', 'doomed']);
		expect(deleted.stdout.trim(), deleted.stderr).toBe('tigerastatus.operator.tigera.io "doomed" deleted');
		const again = await kubectl(['delete', 'tigerastatus', 'doomed']);
		expect(again.code).not.toBe(0);
		expect(again.stderr).toContain('Error from server (NotFound): tigerastatuses.operator.tigera.io "doomed" not found');
	});
});
