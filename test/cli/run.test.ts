// `calico-mcm run` end to end: the built CLI (dist/cli.js; `npx tsc -p .` first) against a fleet
// started in this process. The CLI runs as a child process asynchronously: the simulator serves
// from this process's event loop.
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {demoLicense, demoManifests, demoPullSecret, repo, snapshot} from '../plans/env.js';

const cli = path.join(repo, 'dist/cli.js');
let fleet: TestFleet;

type Result = {code: number; stdout: string; stderr: string};

function run(args: string[], options: {cwd?: string} = {}): Promise<Result> {
	return new Promise(resolve => {
		// A dry run prints every object, and the real Tigera CRDs are over a megabyte of YAML.
		const child = execFile(process.execPath, [cli, 'run', ...args, '--kubeconfig', fleet.kubeconfigPath], {cwd: options.cwd ?? fleet.dir, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: {...process.env, CI: 'true'}}, (error, stdout, stderr) => {
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
		child.stdin?.end();
	});
}

const everything = () => fleet.clusters.map(c => snapshot(fleet, c.name)).join('\n');

beforeAll(async () => {
	if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` first`);
	fleet = await startTestFleet({managed: 1, standalone: 2, bare: 2});
});
afterAll(async () => {
	await fleet?.stop();
});

describe('calico-mcm run', () => {
	it('--dry-run prints every step with its kubectl command and objects, masks secrets, and changes nothing', async () => {
		const before = everything();
		const r = await run(['install', '--context', 'bare-1', '--role', 'management', '--manifests', demoManifests, '--pull-secret', demoPullSecret, '--license', demoLicense, '--dry-run']);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('dry run: nothing is changed');
		expect(r.stdout).toContain(`$ kubectl --context bare-1 apply --server-side --field-manager=calico-mcm -f ${path.join(demoManifests, 'tigera-operator.yaml')}`);
		expect(r.stdout).toContain(`$ kubectl --context bare-1 create secret generic tigera-pull-secret --from-file=.dockerconfigjson=${demoPullSecret} --type=kubernetes.io/dockerconfigjson -n tigera-operator`);
		expect(r.stdout).toContain('kind: Installation');
		expect(r.stdout).toContain('.dockerconfigjson: <masked,');
		const license = fs.readFileSync(demoLicense, 'utf8');
		expect(r.stdout).not.toContain(/token: (\S+)/.exec(license)![1]!);
		expect(r.stdout).not.toContain(Buffer.from(fs.readFileSync(demoPullSecret)).toString('base64').slice(0, 40));
		for (const plan of [
			['make-management', '--context', 'standalone-1'],
			['create-admin', '--context', 'mgmt'],
			['add-managed', '--context', 'mgmt', 'dry-1'],
			['join', '--context', 'standalone-2', '--management', 'mgmt'],
			['grant', '--context', 'managed-1'],
			['unmanage', '--context', 'managed-1', '--management', 'mgmt'],
			['unmake-management', '--context', 'mgmt', '--force'],
		]) {
			const d = await run([...plan, '--dry-run']);
			expect(d.code, `${plan.join(' ')}: ${d.stderr}`).toBe(0);
			expect(d.stdout).toMatch(/\$ .*kubectl --context/);
		}
		expect(everything()).toBe(before);
		expect(fs.readdirSync(fleet.dir).filter(f => f.endsWith('.token') || f.endsWith('.yaml'))).toEqual([]);
	}, 180_000);

	it('refuses to change anything without --yes when stdin is not a terminal', async () => {
		const before = everything();
		const r = await run(['grant', '--context', 'managed-1']);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('refusing to change managed-1 without confirmation (stdin is not a terminal)');
		expect(r.stderr).toContain('fix: pass --yes');
		expect(everything()).toBe(before);
	});

	it('runs with --yes: one plain line per step change with elapsed time; the token is written 0600 and not printed', async () => {
		const r = await run(['create-admin', '--context', 'mgmt', '--yes']);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/^\[1\/3\] running {2}Create the service account default\/mcm-user$/m);
		expect(r.stdout).toMatch(/^\[1\/3\] done {5}Create the service account default\/mcm-user \(\d+(\.\d+)?m?s\)$/m);
		expect(r.stdout).toMatch(/^\[3\/3\] done {5}Create a login token .* \(\d+(\.\d+)?m?s\) — written to mgmt-mcm-user\.token \(0600\)/m);
		const file = path.join(fleet.dir, 'mgmt-mcm-user.token');
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		const token = fs.readFileSync(file, 'utf8').trim();
		expect(r.stdout + r.stderr).not.toContain(token);
		expect(r.stdout).toMatch(/login token: eyJ\S*…\*\*\*\*/);
		const shown = await run(['create-admin', '--context', 'mgmt', '--yes', '--show-token']);
		expect(shown.code).toBe(0);
		expect(shown.stdout).toContain(`login token: ${token}`);
		expect(shown.stdout).toMatch(/\[1\/3\] done .* — present/);
		fs.rmSync(file);
	});

	it('--read-only refuses the first mutating step, names it, and exits 1', async () => {
		const r = await run(['grant', '--context', 'managed-1', '--user', 'ro', '--read-only']);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('calico-mcm: run grant failed at step "Bind default/ro to ClusterRole tigera-network-admin": refused in read-only mode: "Bind default/ro to ClusterRole tigera-network-admin" would change managed-1 (kubectl --context managed-1 create clusterrolebinding ro-admin --serviceaccount=default:ro --clusterrole=tigera-network-admin)');
		expect(fleet.get('managed-1', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'ro-admin')).toBeUndefined();
	});

	it('a failing step exits 1 naming the step, the real error and the fix', async () => {
		// No default StorageClass: the storage step has no provisioner to copy and must stop.
		const store = fleet.store('bare-2');
		const classes = store.lookup('storage.k8s.io', 'v1', 'storageclasses')!;
		for (const sc of store.list(classes)) store.delete(classes, undefined, sc.metadata.name);
		const r = await run(['install', '--context', 'bare-2', '--role', 'standalone', '--manifests', demoManifests, '--pull-secret', demoPullSecret, '--license', demoLicense, '--yes']);
		expect(r.code).toBe(1);
		expect(r.stdout).toMatch(/^\[1\/9\] failed {3}Storage for logs \(StorageClass tigera-elasticsearch\) \(\d+m?s\) — StorageClass tigera-elasticsearch does not exist on bare-2/m);
		expect(r.stderr).toContain('calico-mcm: run install failed at step "Storage for logs (StorageClass tigera-elasticsearch)": StorageClass tigera-elasticsearch does not exist on bare-2, and there is no default StorageClass');
		expect(r.stderr).toContain('fix: create it as the vendor');
	});

	it('bad inputs fail preflight, say what to fix, and change nothing', async () => {
		const before = everything();
		const dir = fs.mkdtempSync(path.join(fleet.dir, 'broken-'));
		for (const f of fs.readdirSync(demoManifests)) fs.copyFileSync(path.join(demoManifests, f), path.join(dir, f));
		const file = path.join(dir, 'custom-resources.yaml');
		const lines = fs.readFileSync(file, 'utf8').split('\n');
		const at = lines.findIndex((l, i) => /^kind: /.test(l) && lines.slice(0, i + 1).filter(x => /^kind: /.test(x)).length === 5);
		lines[at] = `${lines[at]}: oops`;
		fs.writeFileSync(file, lines.join('\n'));
		const broken = await run(['install', '--context', 'bare-1', '--role', 'management', '--manifests', dir, '--pull-secret', demoPullSecret, '--license', demoLicense, '--yes']);
		expect(broken.code).toBe(1);
		expect(broken.stdout).toContain(`FAIL manifest custom-resources.yaml: ${file}: document 5 (line ${at + 1}): `);
		expect(broken.stderr).toContain('preflight failed: nothing was changed');

		const secret = path.join(fleet.dir, 'not-docker.json');
		fs.writeFileSync(secret, '{"registry": "quay.io"}');
		const notDocker = await run(['install', '--context', 'bare-1', '--role', 'managed', '--manifests', demoManifests, '--pull-secret', secret, '--yes']);
		expect(notDocker.code).toBe(1);
		expect(notDocker.stdout).toContain(`FAIL pull secret: ${secret}: not a dockerconfigjson: it has no "auths" object`);

		const address = await run(['make-management', '--context', 'standalone-1', '--address', '10.0.0.1:99999', '--yes']);
		expect(address.code).toBe(1);
		expect(address.stdout).toContain('FAIL management cluster address: "10.0.0.1:99999": the port 99999 is out of range (1-65535)');
		expect(address.stdout).toContain('fix: pass --address HOST:PORT');

		const name = await run(['add-managed', '--context', 'mgmt', 'Bad_Name', '--yes']);
		expect(name.code).toBe(1);
		expect(name.stdout).toContain('FAIL managed cluster name: "Bad_Name" must consist of lower case alphanumeric characters');
		expect(everything()).toBe(before);
	}, 120_000);

	it('usage errors exit 2 with the fix', async () => {
		const unknown = await run(['make-management', '--context', 'mgmt', '--role', 'managed']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('--role is not an option of `run make-management`');
		const plan = await run(['frobnicate', '--context', 'mgmt']);
		expect(plan.code).toBe(2);
		expect(plan.stderr).toContain('unknown plan "frobnicate"');
	});
});
