import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {answer, fleetRow, keys, selectRow, startSim, type Sim} from './workflow-helpers.js';

// The management cluster moves (a new NodePort service, ManagementCluster.spec.address follows, as an
// admin would do with kubectl); its managed clusters drift and drop. F on the management row fixes
// them all by keys: preflight, the confirmation listing each cluster's kubectl command, progress.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-fixaddr-'));
let sim: Sim;
let c: ConsoleScreen;

beforeAll(async () => {
	sim = await startSim(path.join(dir, 'kubeconfig'), ['--managed', '2', '--standalone', '0', '--bare', '0']);
	const mgmt = createClients(loadKubeconfig({kubeconfig: sim.kubeconfig, contexts: ['mgmt']}), {requestTimeoutMs: 5000}).get('mgmt')!;
	try {
		const old = await mgmt.request<{spec: Record<string, unknown>}>({path: '/api/v1/namespaces/calico-system/services/calico-manager-mcm'});
		await mgmt.request({method: 'POST', path: '/api/v1/namespaces/calico-system/services', body: {apiVersion: 'v1', kind: 'Service', metadata: {name: 'calico-manager-mcm-2', namespace: 'calico-system'},
			spec: {type: 'NodePort', selector: old.spec.selector, ports: [{port: 9449, protocol: 'TCP', targetPort: 9449, nodePort: 30450}]}}});
		const mc = await mgmt.request<{spec: {address: string}}>({path: '/apis/operator.tigera.io/v1/managementclusters/tigera-secure'});
		await mgmt.request({method: 'PATCH', path: '/apis/operator.tigera.io/v1/managementclusters/tigera-secure', body: {spec: {address: mc.spec.address.replace(/:30449$/, ':30450')}}, contentType: 'application/merge-patch+json'});
	} finally {
		mgmt.close();
	}
	c = startConsole(['--kubeconfig', sim.kubeconfig], {cols: 150, rows: 40});
	await c.waitFor(t => /managed-2 .*addr≠/.test(t) && /managed-1 .*addr≠/.test(t), 'both managed clusters flagged addr≠', 30_000);
}, 60_000);

afterAll(async () => {
	c?.kill('SIGKILL');
	await c?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('fix-address key', () => {
	test('F on the management row points every drifted managed cluster at the new address; the flags clear', async () => {
		expect(fleetRow(c, 'managed-1')).toMatch(/False \d+s/);
		await selectRow(c, 'managed-1');
		await answer(c, 'F', 'is not a management cluster');
		await selectRow(c, 'mgmt');
		await answer(c, 'F', 'All checks passed');
		expect(c.text()).toMatch(/managed-1: managed-1 address: dials \S+:30449, mgmt advertises \S+:30450/);
		await answer(c, keys.enter, /kubectl --context managed-1 patch managementclusterconnection tigera-secure --type merge/);
		expect(c.text()).toContain('managed-2');
		await answer(c, 'y', /fix-address/);
		await c.waitFor(() => /True \d+s/.test(fleetRow(c, 'managed-1')) && /True \d+s/.test(fleetRow(c, 'managed-2')), 'both connected again', 30_000);
		await c.waitFor(t => !t.includes('addr≠'), 'the drift flags cleared', 10_000);
	});
});
