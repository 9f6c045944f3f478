import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {FleetStatusJson} from '../../source/cli/status-format.js';
import {startFleet, type Fleet} from '../../source/sim/fleet.js';

// Contexts named unlike their ManagedCluster (as EKS/GKE contexts always are) are matched by the
// managed cluster's identity: the tunnel certificate the management side issued for the
// ManagedCluster. The built CLI against the simulator, whose certificates carry that identity as
// Calico Enterprise's do (subject CN, SHA-256 fingerprint annotation).

const cli = join(import.meta.dirname, '../../dist/cli.js');

function runStatus(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, 'status', ...args], {env});
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

type Kubeconfig = {contexts: Array<{name: string}>; 'current-context': string};

describe('a context named unlike its ManagedCluster', () => {
	let fleet: Fleet;
	let dir: string;
	let kubeconfig: string;
	const renamed: Record<string, string> = {'managed-1': 'pm1', 'managed-2': 'gke_acme-prod_europe-west1-b_payments'};

	beforeAll(async () => {
		if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` before these tests`);
		fleet = await startFleet({managed: 2, standalone: 0, bare: 0, speed: 0});
		dir = mkdtempSync(join(tmpdir(), 'calico-mcm-identity-'));
		const config = yaml.load(readFileSync(fleet.kubeconfigPath, 'utf8')) as Kubeconfig;
		for (const c of config.contexts) c.name = renamed[c.name] ?? c.name;
		kubeconfig = join(dir, 'kubeconfig');
		writeFileSync(kubeconfig, yaml.dump(config), {mode: 0o600});
	});

	afterAll(async () => {
		await fleet?.stop();
		if (dir) rmSync(dir, {recursive: true, force: true});
	});

	it('status --wait-connected succeeds for pm1, the context of ManagedCluster managed-1', async () => {
		const result = await runStatus(['--kubeconfig', kubeconfig, '--context', 'pm1', '--context', 'mgmt', '--wait-connected', '--timeout', '20s']);
		expect(result.stderr).not.toMatch(/not connected/);
		expect(result.code).toBe(0);
	});

	it('each row is matched by its tunnel certificate and says so; no second remote-only row', async () => {
		const result = await runStatus(['--kubeconfig', kubeconfig, '--json']);
		expect(result.code).toBe(0);
		const doc = JSON.parse(result.stdout) as FleetStatusJson;
		expect(doc.clusters.filter(c => c.remoteOnly)).toEqual([]);
		for (const [managedName, context] of Object.entries(renamed)) {
			const row = doc.clusters.find(c => c.context === context)!;
			expect(row.connection).toMatchObject({connected: 'True', management: 'mgmt', managedName, matchedBy: 'certificate', disagree: false});
		}
		const table = await runStatus(['--kubeconfig', kubeconfig]);
		expect(table.stdout).toMatch(/^pm1\s+managed\s+\S+\s+True \(as managed-1, matched by its tunnel certificate\)/m);
	});

	it('a run that reads the certificates\' facts from the file an earlier run wrote matches and reports the rows the same', async () => {
		const env = {...process.env, XDG_CACHE_HOME: join(dir, 'cache')};
		const file = join(dir, 'cache', 'calico-mcm', 'certs', 'facts');
		const facts = (stdout: string) => (JSON.parse(stdout) as FleetStatusJson).clusters.map(({context, connection, cert}) => ({context, connection, cert}));
		const first = await runStatus(['--kubeconfig', kubeconfig, '--json'], env);
		expect(first.code).toBe(0);
		// The two tunnel certificates and the management CA.
		expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
		const second = await runStatus(['--kubeconfig', kubeconfig, '--json'], env);
		expect(second.code).toBe(0);
		expect(facts(second.stdout)).toEqual(facts(first.stdout));
		expect(facts(second.stdout).filter(row => row.connection?.matchedBy === 'certificate')).toHaveLength(2);
	});
});
