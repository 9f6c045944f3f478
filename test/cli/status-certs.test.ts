import {spawn} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ClusterStatusJson, FleetStatusJson} from '../../source/cli/status-format.js';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';

// `calico-mcm status` on the tunnel certificates: the CERT column, the `cert` JSON field and exit
// code 1 for every certificate problem; the built CLI (dist/cli.js) against the simulator.

const cli = join(import.meta.dirname, '../../dist/cli.js');
const day = 24 * 60 * 60 * 1000;

function runStatus(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, 'status', ...args]);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', d => (stdout += d));
		child.stderr.on('data', d => (stderr += d));
		const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(killer);
			resolve({code, stdout, stderr});
		});
	});
}

describe('status: tunnel certificates', () => {
	let fleet: TestFleet;
	const json = async (...extra: string[]) => {
		const r = await runStatus(['--kubeconfig', fleet.kubeconfigPath, '--json', ...extra]);
		const doc = JSON.parse(r.stdout) as FleetStatusJson;
		return {code: r.code, stderr: r.stderr, row: (id: string) => doc.clusters.find(c => c.id === id) as ClusterStatusJson};
	};
	const admin = (context: string) => createClients(loadKubeconfig({kubeconfig: fleet.kubeconfigPath, contexts: [context]}), {requestTimeoutMs: 5000}).get(context)!;
	const secretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-managed-cluster-connection';

	beforeAll(async () => {
		if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` before these tests`);
		fleet = await startTestFleet({managed: 4, standalone: 0, bare: 0});
	});
	afterAll(async () => fleet?.stop());

	it('shows each row\'s earliest notAfter and chain, and exits 0 when every certificate is fine', async () => {
		const r = await json();
		expect(r.code, r.stderr).toBe(0);
		const managed = r.row('managed-1');
		expect(managed.cert).toMatchObject({state: 'ok', chained: true, caDiffers: false, earliest: 'managed-cluster.crt'});
		expect(Date.parse(managed.cert!.notAfter!) - Date.now()).toBeGreaterThan(800 * day);
		expect(r.row('mgmt').cert).toMatchObject({state: 'ok', earliest: expect.stringContaining('tunnel CA')});
		expect(JSON.stringify(managed)).not.toMatch(/PRIVATE KEY|managed-cluster\.key/);
	});

	it('warning < 30 days, critical < 7 days and expired: each in CERT, in JSON, and exit code 1', async () => {
		await fleet.certExpire('managed-1', 20);
		await fleet.certExpire('managed-2', 3);
		await fleet.certExpire('managed-3', -2);
		const r = await json();
		expect(r.code).toBe(1);
		expect(r.row('managed-1').cert).toMatchObject({state: 'warning', chained: true});
		expect(r.row('managed-1').health).toBe('healthy');
		expect(r.row('managed-2').cert).toMatchObject({state: 'critical'});
		expect(r.row('managed-2').health).toBe('degraded');
		expect(r.row('managed-3').cert).toMatchObject({state: 'expired'});
		expect(r.row('managed-3').cert!.message).toMatch(/^managed-cluster\.crt expired 2d ago/);
		expect(r.stderr).toContain('managed-1 (certificate warning)');
		const table = await runStatus(['--kubeconfig', fleet.kubeconfigPath]);
		const line = (name: string) => table.stdout.split('\n').find(l => l.startsWith(`${name} `)) ?? '';
		expect(table.stdout.split('\n')[0]).toMatch(/\bCERT\b/);
		expect(line('managed-1')).toMatch(/ warn 19d /);
		expect(line('managed-2')).toMatch(/ crit 2d /);
		expect(line('managed-3')).toMatch(/ expired /);
		expect(line('managed-4')).toMatch(/ ok 2y /);
		await fleet.certExpire('managed-1', 400);
		await fleet.certExpire('managed-2', 400);
		await fleet.certExpire('managed-3', 400);
	});

	it('flags a managed certificate that does not chain to the management CA, and one that is not PEM', async () => {
		const client = admin('managed-4');
		try {
			const secret = await client.request<{data: Record<string, string>; metadata: Record<string, unknown>}>({path: secretPath});
			const original = {...secret.data};
			const other = generateKeyPairSync('ec', {namedCurve: 'P-256'});
			const foreign = issueCertificate({subject: distinguishedName('managed-4', 'Tigera'), issuer: distinguishedName('tigera-voltron', 'Tigera'),
				publicKey: other.publicKey, signingKey: other.privateKey, issuerPublicKey: other.publicKey, usage: 'client'});
			const put = (data: Record<string, string>) => client.request({method: 'PUT', path: secretPath, body: {...secret, metadata: {name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'}, data}});
			await put({...original, 'managed-cluster.crt': Buffer.from(foreign).toString('base64')});
			let r = await json('--context', 'mgmt', '--context', 'managed-4');
			expect(r.code).toBe(1);
			expect(r.row('managed-4').cert).toMatchObject({state: 'untrusted', chained: false});
			expect(r.row('managed-4').errors.join('\n')).toMatch(/not signed by mgmt's current tunnel CA/);

			await put({...original, 'managed-cluster.crt': Buffer.from('hello, not a certificate').toString('base64')});
			r = await json('--context', 'mgmt', '--context', 'managed-4');
			expect(r.row('managed-4').cert).toMatchObject({state: 'invalid', message: 'tigera-operator/tigera-managed-cluster-connection managed-cluster.crt is not a PEM certificate (no BEGIN/END CERTIFICATE block)'});
			expect(r.code).toBe(1);

			await put({'managed-cluster.key': original['managed-cluster.key']!});
			r = await json('--context', 'managed-4');
			expect(r.row('managed-4').cert).toMatchObject({state: 'invalid', message: expect.stringMatching(/has none of managed-cluster\.crt, management-cluster\.crt/)});
			await put(original);
			r = await json('--context', 'mgmt', '--context', 'managed-4');
			expect(r.row('managed-4').cert?.state).toBe('ok');
		} finally {
			client.close();
		}
	});

	it('says which verb and resource RBAC refused instead of guessing', async () => {
		const client = admin('managed-4');
		let token: string | undefined;
		try {
			await client.request({method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'viewer'}}});
			await client.request({method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', body: {
				apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'mcm-viewer'},
				rules: [{apiGroups: ['operator.tigera.io', 'projectcalico.org'], resources: ['*'], verbs: ['get', 'list', 'watch']}],
			}});
			await client.request({method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', body: {
				apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'mcm-viewer'},
				roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mcm-viewer'},
				subjects: [{kind: 'ServiceAccount', name: 'viewer', namespace: 'default'}],
			}});
			const review = await client.request<{status?: {token?: string}}>({method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts/viewer/token',
				body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: 3600}}});
			token = review.status?.token;
		} finally {
			client.close();
		}
		const config = yaml.load(readFileSync(fleet.kubeconfigPath, 'utf8')) as {users: Array<{name: string; user: {token: string}}>};
		config.users.find(u => u.name === 'managed-4-admin')!.user.token = token!;
		const file = join(fleet.dir, 'viewer.kubeconfig');
		writeFileSync(file, yaml.dump(config), {mode: 0o600});
		const r = await runStatus(['--kubeconfig', file, '--context', 'managed-4', '--json']);
		const row = (JSON.parse(r.stdout) as FleetStatusJson).clusters[0]!;
		expect(row.api.state).toBe('ok');
		expect(row.cert).toMatchObject({state: 'forbidden', verb: 'get', resource: 'secrets'});
		expect(row.cert!.message).toMatch(/^forbidden to get secrets tigera-operator\/tigera-managed-cluster-connection/);
	});
});
