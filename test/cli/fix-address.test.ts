import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestFleet, waitFor, type TestFleet} from '../helpers/fleet.js';

// `calico-mcm run fix-address --management C` (the built CLI) against a fleet whose management
// cluster moved to a new address: preflight, the list of changes with kubectl equivalents, dry run,
// read-only refusal, the parallel run, and a re-run that finds nothing left to do.

const cli = join(import.meta.dirname, '../../dist/cli.js');

function run(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, 'run', 'fix-address', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
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

const mccAddr = (fleet: TestFleet, context: string) => (fleet.get(context, 'operator.tigera.io/v1', 'ManagementClusterConnection', 'tigera-secure')?.spec as {managementClusterAddr?: string}).managementClusterAddr;

describe('run fix-address', () => {
	let fleet: TestFleet;
	let moved: string;
	beforeAll(async () => {
		if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p .\` before these tests`);
		fleet = await startTestFleet({managed: 3, standalone: 0, bare: 0});
		// The management cluster moves: a new NodePort service, and the ManagementCluster's address follows.
		const store = fleet.store('mgmt');
		const svcType = store.lookupKind('v1', 'Service')!;
		const old = store.get(svcType, 'calico-system', 'calico-manager-mcm')!;
		store.create(svcType, {apiVersion: 'v1', kind: 'Service', metadata: {name: 'calico-manager-mcm-2', namespace: 'calico-system'},
			spec: {...(old.spec as object), clusterIP: undefined, ports: [{port: 9449, protocol: 'TCP', targetPort: 9449, nodePort: 30450}]}});
		const mcType = store.lookupKind('operator.tigera.io/v1', 'ManagementCluster')!;
		const mc = store.get(mcType, undefined, 'tigera-secure')!;
		moved = (mc.spec as {address: string}).address.replace(/:30449$/, ':30450');
		store.update(mcType, {...mc, metadata: {...mc.metadata, resourceVersion: undefined}, spec: {...(mc.spec as object), address: moved}});
		await waitFor(() => fleet.connected('managed-1') === 'False', {message: 'moving the management cluster should drop the tunnels'});
	});
	afterAll(async () => fleet?.stop());

	it('dry run lists each drifted cluster with its kubectl equivalent and changes nothing', async () => {
		const r = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'mgmt', '--dry-run']);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain(`Plan: point every managed cluster of mgmt at ${moved}`);
		expect(r.stdout).toMatch(/managed-1: dials \S+:30449/);
		for (const c of ['managed-1', 'managed-2', 'managed-3']) {
			expect(r.stdout).toContain(`  ${c}: kubectl --context ${c} patch managementclusterconnection tigera-secure --type merge -p '{"spec":{"managementClusterAddr":"${moved}"}}'`);
			expect(mccAddr(fleet, c)).toMatch(/:30449$/);
		}
		expect(r.stdout).toContain('Dry run: nothing was changed.');
	});

	it('--read-only refuses and changes nothing; no --yes off a terminal refuses too', async () => {
		const ro = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'mgmt', '--read-only']);
		expect(ro.code).toBe(1);
		expect(ro.stderr).toContain('read-only: refusing to change 3 managed clusters; nothing was changed');
		const noYes = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'mgmt']);
		expect(noYes.code).toBe(2);
		for (const c of ['managed-1', 'managed-2', 'managed-3']) expect(mccAddr(fleet, c)).toMatch(/:30449$/);
	});

	it('points every drifted cluster at the new address in parallel, the tunnels come back, and a re-run has nothing to do', async () => {
		const r = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'mgmt', '--yes']);
		expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
		for (const c of ['managed-1', 'managed-2', 'managed-3']) {
			expect(r.stdout).toMatch(new RegExp(`\\[${c}\\] \\[1/2\\] done +Set ${c}'s managementClusterAddr .* — now ${moved.replace(/\./g, '\\.')}`));
			expect(r.stdout).toMatch(new RegExp(`\\[${c}\\] \\[2/2\\] done +Wait until mgmt reports ${c} connected`));
			expect(mccAddr(fleet, c)).toBe(moved);
			expect(fleet.connected(c)).toBe('True');
		}
		const again = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'mgmt', '--yes']);
		expect(again.code).toBe(0);
		expect(again.stdout).toContain(`managed-2: already dials ${moved}`);
		expect(again.stdout).toContain('Nothing to fix.');
	});

	it('a ManagementCluster without an address, and an unknown context, get a clear message and change nothing', async () => {
		const bad = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'managed-1', '--yes']);
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain('managed-1 has no ManagementCluster: it is not a management cluster');
		expect(bad.stderr).toContain('fix: run `calico-mcm run make-management --context managed-1` first');
		const unknown = await run(['--kubeconfig', fleet.kubeconfigPath, '--management', 'nope']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toMatch(/nope/);
	});
});
