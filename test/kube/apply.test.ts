import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import {applyManifests, managedClusterFilter, orderForApply, waitForCrdsEstablished} from '../../source/kube/apply.js';
import {discoveryFor} from '../../source/kube/discovery.js';
import {loadManifests, parseManifestText} from '../../source/kube/manifests.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {demoManifests, planEnv, snapshot, type PlanTestEnv} from '../plans/env.js';

let fleet: TestFleet;
let env: PlanTestEnv;
let bare: ClusterClient;

beforeAll(async () => {
	fleet = await startTestFleet({managed: 0, standalone: 0, bare: 3});
	env = planEnv(fleet);
	bare = env.client('bare-1');
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

describe('orderForApply', () => {
	it('puts Namespaces, then CRDs, first and keeps the rest in file order', () => {
		const docs = parseManifestText(
			['v1/ConfigMap/a', 'apiextensions.k8s.io/v1/CustomResourceDefinition/ws.example.com', 'v1/Namespace/n', 'v1/ConfigMap/b'].map(s => {
				const parts = s.split('/');
				const name = parts.pop()!;
				const kind = parts.pop()!;
				return `apiVersion: ${parts.join('/')}\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;
			}).join('---\n'),
			'x.yaml',
		);
		expect(orderForApply(docs).map(d => d.object.metadata.name)).toEqual(['n', 'ws.example.com', 'a', 'b']);
	});
});

describe('applyManifests against a cluster', () => {
	it('applies CRDs first, waits until they are Established, then the custom resources (discovery refreshed)', async () => {
		const operator = await loadManifests(path.join(demoManifests, 'tigera-operator.yaml'));
		const cr = await loadManifests(path.join(demoManifests, 'custom-resources.yaml'));
		// Discovery before: the operator group is not served.
		expect(await discoveryFor(bare).resolve('operator.tigera.io/v1', 'Installation')).toBeUndefined();
		// One call with both files: the CRs wait for their CRDs.
		const results = await applyManifests(bare, [...cr, ...operator]);
		const applied = results.map(r => r.doc.object.kind);
		expect(applied.indexOf('Namespace')).toBe(0);
		expect(applied.lastIndexOf('CustomResourceDefinition')).toBeLessThan(applied.indexOf('Installation'));
		expect(results.every(r => r.action === 'applied')).toBe(true);
		const installation = fleet.get('bare-1', 'operator.tigera.io/v1', 'Installation', 'default');
		expect(installation).toBeDefined();
		expect(JSON.stringify(installation?.metadata.managedFields)).toContain('"manager":"calico-mcm"');
		expect(await discoveryFor(bare).resolve('operator.tigera.io/v1', 'Installation')).toMatchObject({resource: 'installations', namespaced: false});
	});

	it('applying again changes no object (server-side apply is idempotent)', async () => {
		const operator = await loadManifests(path.join(demoManifests, 'tigera-operator.yaml'));
		const content = () => {
			const {metadata, ...rest} = fleet.get('bare-1', 'apps/v1', 'Deployment', 'tigera-operator', 'tigera-operator')!;
			return JSON.stringify({rest, generation: metadata.generation, labels: metadata.labels});
		};
		const before = content();
		await applyManifests(bare, operator);
		expect(content()).toBe(before);
	});

	it('drops Manager and LogStorage for a managed cluster', async () => {
		const client = env.client('bare-2');
		const docs = [...(await loadManifests(path.join(demoManifests, 'tigera-operator.yaml'))), ...(await loadManifests(path.join(demoManifests, 'custom-resources.yaml')))];
		const results = await applyManifests(client, docs, {filter: managedClusterFilter});
		expect(results.filter(r => r.action === 'filtered').map(r => r.doc.object.kind).sort()).toEqual(['LogStorage', 'Manager']);
		expect(fleet.get('bare-2', 'operator.tigera.io/v1', 'Manager', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('bare-2', 'operator.tigera.io/v1', 'LogStorage', 'tigera-secure')).toBeUndefined();
		expect(fleet.get('bare-2', 'operator.tigera.io/v1', 'Compliance', 'tigera-secure')).toBeDefined();
	});

	it('a dry run (dryRun=All) stores nothing', async () => {
		const client = env.client('bare-3');
		const before = snapshot(fleet, 'bare-3');
		const docs = [...(await loadManifests(path.join(demoManifests, 'tigera-operator.yaml'))), ...(await loadManifests(path.join(demoManifests, 'custom-resources.yaml')))];
		const results = await applyManifests(client, docs, {dryRun: true});
		expect(results.every(r => r.action === 'dry-run')).toBe(true);
		expect(snapshot(fleet, 'bare-3')).toBe(before);
	});

	it('refuses a set with a kind the cluster does not serve, before writing anything', async () => {
		const client = env.client('bare-3');
		const before = snapshot(fleet, 'bare-3');
		const docs = parseManifestText('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: first\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n', 'gadget.yaml');
		await expect(applyManifests(client, docs)).rejects.toThrow('gadget.yaml document 2 (Gadget g): the cluster does not serve Gadget in example.com/v1 (is its CustomResourceDefinition installed?); nothing was applied');
		expect(snapshot(fleet, 'bare-3')).toBe(before);
	});

	it('waits for CRD establishment through a GET when it is immediate', async () => {
		await expect(waitForCrdsEstablished(bare, ['installations.operator.tigera.io'], {timeoutMs: 5000})).resolves.toBeUndefined();
		await expect(waitForCrdsEstablished(bare, ['nothings.example.com'], {timeoutMs: 300})).rejects.toThrow('timed out after 300ms waiting for CustomResourceDefinition nothings.example.com Established (not yet: nothings.example.com)');
	});
});
