// Bad inputs and interruptions of `calico-mcm run` / `status`, through the built CLI (dist/cli.js)
// against a fleet in this process: each is refused or reported in words, and changes nothing it
// should not.
import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {demoManifests, demoPullSecret, repo} from '../plans/env.js';

const cli = path.join(repo, 'dist/cli.js');
let fleet: TestFleet;

type Result = {code: number; stdout: string; stderr: string};

/** The runs' state (interrupted runs, tokens) stays in the fleet's directory, never the user's. */
const stateHome = () => path.join(fleet.dir, 'state');
const cliEnv = () => ({...process.env, CI: 'true', XDG_STATE_HOME: stateHome()});

function cliRun(args: string[]): Promise<Result> {
	return new Promise(resolve => {
		const child = execFile(process.execPath, [cli, ...args], {cwd: fleet.dir, timeout: 60_000, env: cliEnv()}, (error, stdout, stderr) => {
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
		child.stdin?.end();
	});
}

beforeAll(async () => {
	if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` first`);
	fleet = await startTestFleet({managed: 1, standalone: 1, bare: 1});
});
afterAll(async () => {
	await fleet?.stop();
});

describe('bad inputs', () => {
	it("--role '' is refused, not taken as the default role (and nothing is granted)", async () => {
		const r = await cliRun(['run', 'grant', '--context', 'managed-1', '--user', 'empty-role', '--role', '', '--yes', '--kubeconfig', fleet.kubeconfigPath]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('flag --role needs a value (it was given an empty string)');
		expect(fleet.get('managed-1', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'empty-role-admin')).toBeUndefined();
	});

	it('--timeout -5s says the duration must be positive', async () => {
		const r = await cliRun(['status', '--wait-connected', '--timeout', '-5s', '--kubeconfig', fleet.kubeconfigPath]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('invalid --timeout "-5s": it must be positive');
		expect(r.stderr).not.toContain('needs a value');
	});

	it('run join that stops before saving the installation manifest does not print its path', async () => {
		const r = await cliRun(['run', 'join', '--context', 'bare-1', '--management', 'mgmt', '--manifests', demoManifests, '--pull-secret', demoPullSecret, '--read-only', '--kubeconfig', fleet.kubeconfigPath]);
		expect(r.code).toBe(1);
		expect(fs.existsSync(path.join(fleet.dir, 'bare-1.yaml'))).toBe(false);
		expect(r.stdout).not.toContain('installation manifest:');
		expect(r.stderr).toContain('no step of the plan is done: nothing was changed by it');
	});
});

describe('interrupted', () => {
	it('SIGHUP cancels a run like SIGTERM: it says where, and how to resume', async () => {
		await fleet.tunnelDown('standalone-1');
		const child = spawn(process.execPath, [cli, 'run', 'join', '--context', 'standalone-1', '--management', 'mgmt', '--yes', '--kubeconfig', fleet.kubeconfigPath], {cwd: fleet.dir, env: cliEnv()});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', d => (stdout += d));
		child.stderr.on('data', d => (stderr += d));
		const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
		const deadline = Date.now() + 30_000;
		// Signalled once the wait has started (a fixed pause after the apply landed before it on a loaded machine).
		while (!/running +Wait until mgmt reports standalone-1 connected/.test(stdout)) {
			if (Date.now() > deadline) throw new Error(`the join never reached its wait:\n${stdout}\n${stderr}`);
			await new Promise(r => setTimeout(r, 50));
		}
		child.kill('SIGHUP');
		expect(await exited).toBe(130);
		expect(stderr).toMatch(/calico-mcm: cancelled at step "Wait until mgmt reports standalone-1 connected[^"]*" after \S+; run the same command again to resume/);
	});
});

describe('masking in run output', () => {
	it('shows a long ManagedCluster name and the manifest path unmasked; the login token stays masked', async () => {
		const name = 'managedclusterforproductionworkloadsineuropewest1';
		const dir = path.join(fleet.dir, 'calicoenterprisemanifests', 'installationmanifestsforthemanagedclusters');
		fs.mkdirSync(dir, {recursive: true});
		const output = path.join(dir, `${name}.yaml`);
		const added = await cliRun(['run', 'add-managed', '--context', 'mgmt', name, '--output', output, '--yes', '--kubeconfig', fleet.kubeconfigPath]);
		expect(added.code, added.stderr).toBe(0);
		// Shown relative to the working directory.
		const shown = path.relative(fleet.dir, output);
		expect(added.stdout).toContain(`Create the ManagedCluster ${name} and save its installation manifest to ${shown}`);
		expect(added.stdout).toContain(`installation manifest saved to ${shown} (0600)`);
		expect(added.stdout).toContain(`installation manifest: ${shown}`);
		expect(added.stdout).not.toMatch(/masked/);

		const admin = await cliRun(['run', 'create-admin', '--context', 'mgmt', '--user', 'masking-user', '--yes', '--kubeconfig', fleet.kubeconfigPath]);
		expect(admin.code, admin.stderr).toBe(0);
		// Without --token-file the token goes to the 0700 secrets directory (issue 13), its path shown unmasked.
		expect(admin.stdout).toContain('written to state/calico-mcm/secrets/mgmt-masking-user.token (0600)');
		const token = fs.readFileSync(path.join(stateHome(), 'calico-mcm', 'secrets', 'mgmt-masking-user.token'), 'utf8').trim();
		expect(token.length).toBeGreaterThan(20);
		expect(admin.stdout + admin.stderr).not.toContain(token);
		expect(admin.stdout).toMatch(/login token: \S{4}…\*\*\*\* \(\d+ chars\)/);
	});
});
