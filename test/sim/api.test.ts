import {createServer} from 'node:net';
import * as k8s from '@kubernetes/client-node';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {createApiServer} from '../../source/sim/api-server.js';
import {createObjectStore} from '../../source/sim/store.js';
import {createTokenRegistry} from '../../source/sim/tokens.js';
import type {KubeObject} from '../../source/sim/types.js';
import {crdFiles, loadCrd} from './crd-fixtures.js';
import {rawRequest, streamLines} from './http-client.js';
import {startSingleCluster, waitFor, type SingleCluster} from './single-cluster.js';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/** The Status a failed call answered with. */
async function statusOf(promise: Promise<unknown>): Promise<{code: number; reason: string; message: string; kind: string; details?: any}> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof k8s.ApiException) return typeof error.body === 'string' ? JSON.parse(error.body) : error.body as any;
		throw error;
	}
	throw new Error('the call succeeded but an error was expected');
}

const ts = {group: 'operator.tigera.io', version: 'v1', plural: 'tigerastatuses'};

let cluster: SingleCluster;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
	// Bookmarks every 500 ms (kube-apiserver's minute would outlast the bookmark test's wait).
	cluster = await startSingleCluster('api-test', {bookmarkIntervalMs: 500});
	const kc = cluster.kubeConfig();
	core = kc.makeApiClient(k8s.CoreV1Api);
	custom = kc.makeApiClient(k8s.CustomObjectsApi);
	objects = k8s.KubernetesObjectApi.makeApiClient(kc);
	const crdType = cluster.store.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
	if (!crdType) throw new Error('CRD type missing');
	cluster.store.create(crdType, loadCrd(crdFiles.tigeraStatus));
});

afterAll(async () => {
	await cluster.stop();
});

/** A service account with a token, bound to `clusterRole` when given. */
async function serviceAccountToken(name: string, clusterRole?: string): Promise<string> {
	await core.createNamespacedServiceAccount({namespace: 'default', body: {metadata: {name}}});
	if (clusterRole) {
		const rbac = cluster.kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
		await rbac.createClusterRoleBinding({body: {
			metadata: {name: `${name}-binding`},
			roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole},
			subjects: [{kind: 'ServiceAccount', name, namespace: 'default'}],
		}});
	}
	const request = await core.createNamespacedServiceAccountToken({name, namespace: 'default', body: {spec: {audiences: [], expirationSeconds: 3600}}});
	return request.status?.token as string;
}

describe('discovery', () => {
	it('answers /version, /api, /apis and per-group resource lists with subresources', async () => {
		const version = await rawRequest(cluster.server.url, 'GET', '/version');
		expect(version.json().gitVersion).toBe('v1.33.1');
		const token = cluster.tokens.adminToken;
		const api = (await rawRequest(cluster.server.url, 'GET', '/api', {token})).json();
		expect(api).toMatchObject({kind: 'APIVersions', versions: ['v1']});
		const v1 = (await rawRequest(cluster.server.url, 'GET', '/api/v1', {token})).json();
		const names = v1.resources.map((r: {name: string}) => r.name);
		expect(names).toEqual(expect.arrayContaining(['namespaces', 'pods', 'pods/log', 'serviceaccounts', 'serviceaccounts/token', 'secrets', 'services']));
		const groups = (await rawRequest(cluster.server.url, 'GET', '/apis', {token})).json();
		expect(groups.kind).toBe('APIGroupList');
		expect(groups.groups.map((g: {name: string}) => g.name)).toEqual(expect.arrayContaining(['apps', 'rbac.authorization.k8s.io', 'operator.tigera.io', 'authorization.k8s.io']));
		const tigera = (await rawRequest(cluster.server.url, 'GET', '/apis/operator.tigera.io/v1', {token})).json();
		expect(tigera.resources.map((r: {name: string}) => r.name)).toEqual(['tigerastatuses', 'tigerastatuses/status']);
	});

	it('answers an aggregated-discovery Accept with a plain APIGroupList so clients fall back', async () => {
		const res = await rawRequest(cluster.server.url, 'GET', '/apis', {
			token: cluster.tokens.adminToken,
			headers: {Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'},
		});
		expect(res.headers['content-type']).toBe('application/json');
		expect(res.json().kind).toBe('APIGroupList');
	});

	it('grows when a CRD is created and shrinks when it is deleted', async () => {
		const token = cluster.tokens.adminToken;
		const before = (await rawRequest(cluster.server.url, 'GET', '/apis/projectcalico.org/v3', {token}));
		expect(before.status).toBe(404);
		await objects.create(loadCrd(crdFiles.managedCluster) as k8s.KubernetesObject);
		const crd = await objects.read({apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name: 'managedclusters.projectcalico.org'}}) as KubeObject;
		expect((crd.status as any).conditions).toEqual(expect.arrayContaining([expect.objectContaining({type: 'Established', status: 'True'})]));
		const during = (await rawRequest(cluster.server.url, 'GET', '/apis/projectcalico.org/v3', {token})).json();
		expect(during.resources.map((r: {name: string}) => r.name)).toContain('managedclusters');
		await objects.delete({apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name: 'managedclusters.projectcalico.org'}});
		expect((await rawRequest(cluster.server.url, 'GET', '/apis/projectcalico.org/v3', {token})).status).toBe(404);
		const groups = (await rawRequest(cluster.server.url, 'GET', '/apis', {token})).json();
		expect(groups.groups.map((g: {name: string}) => g.name)).not.toContain('projectcalico.org');
	});
});

describe('objects', () => {
	it('creates, reads, replaces and deletes, with Kubernetes errors for conflicts and missing objects', async () => {
		const created = await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'crud'}, data: {a: '1'}}});
		expect(created.metadata?.uid).toBeTruthy();
		const read = await core.readNamespacedConfigMap({name: 'crud', namespace: 'default'});
		expect(read.data).toEqual({a: '1'});
		const replaced = await core.replaceNamespacedConfigMap({name: 'crud', namespace: 'default', body: {...read, data: {a: '2'}}});
		expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
		const stale = await statusOf(core.replaceNamespacedConfigMap({name: 'crud', namespace: 'default', body: {...read, data: {a: '3'}}}));
		expect(stale).toMatchObject({kind: 'Status', code: 409, reason: 'Conflict'});
		expect(stale.message).toContain('the object has been modified');
		const duplicate = await statusOf(core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'crud'}}}));
		expect(duplicate).toMatchObject({code: 409, reason: 'AlreadyExists', message: 'configmaps "crud" already exists'});
		await core.deleteNamespacedConfigMap({name: 'crud', namespace: 'default'});
		const missing = await statusOf(core.readNamespacedConfigMap({name: 'crud', namespace: 'default'}));
		expect(missing).toMatchObject({code: 404, reason: 'NotFound', message: 'configmaps "crud" not found'});
		const missingCustom = await statusOf(custom.getClusterCustomObject({...ts, name: 'x'}));
		expect(missingCustom.message).toBe('tigerastatuses.operator.tigera.io "x" not found');
	});

	it('refuses invalid objects with 422 and URL mismatches with 400', async () => {
		const badName = await statusOf(core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'Bad_Name'}}}));
		expect(badName).toMatchObject({code: 422, reason: 'Invalid'});
		expect(badName.message).toContain('metadata.name');
		const noName = await statusOf(core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {}}}));
		expect(noName.code).toBe(422);
		const otherNamespace = await statusOf(core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'x', namespace: 'kube-system'}}}));
		expect(otherNamespace).toMatchObject({code: 400, reason: 'BadRequest'});
		const wrongKind = await rawRequest(cluster.server.url, 'POST', '/api/v1/namespaces/default/configmaps', {
			token: cluster.tokens.adminToken, body: JSON.stringify({apiVersion: 'v1', kind: 'Secret', metadata: {name: 'y'}}),
		});
		expect(wrongKind.status).toBe(400);
		expect(wrongKind.json().message).toContain('does not match the expected kind');
	});

	it('supports generateName and server-side dry run that stores nothing', async () => {
		const generated = await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {generateName: 'gen-'}}});
		expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
		const dry = await core.createNamespacedConfigMap({namespace: 'default', dryRun: 'All', body: {metadata: {name: 'dry'}}});
		expect(dry.metadata?.name).toBe('dry');
		expect((await statusOf(core.readNamespacedConfigMap({name: 'dry', namespace: 'default'}))).code).toBe(404);
	});

	it('filters lists with label and field selectors and pages them with limit/continue', async () => {
		for (const [name, tier] of [['sel-a', 'web'], ['sel-b', 'db'], ['sel-c', 'web'], ['sel-d', 'cache']]) {
			await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name, labels: {suite: 'sel', tier}}}});
		}
		const names = (list: k8s.V1ConfigMapList) => list.items.map((i) => i.metadata?.name);
		expect(names(await core.listNamespacedConfigMap({namespace: 'default', labelSelector: 'suite=sel,tier=web'}))).toEqual(['sel-a', 'sel-c']);
		expect(names(await core.listNamespacedConfigMap({namespace: 'default', labelSelector: 'suite,tier notin (web)'}))).toEqual(['sel-b', 'sel-d']);
		expect(names(await core.listNamespacedConfigMap({namespace: 'default', fieldSelector: 'metadata.name=sel-b'}))).toEqual(['sel-b']);
		const first = await core.listNamespacedConfigMap({namespace: 'default', labelSelector: 'suite=sel', limit: 3});
		expect(names(first)).toEqual(['sel-a', 'sel-b', 'sel-c']);
		expect(first.metadata?._continue).toBeTruthy();
		const second = await core.listNamespacedConfigMap({namespace: 'default', labelSelector: 'suite=sel', limit: 3, _continue: first.metadata?._continue});
		expect(names(second)).toEqual(['sel-d']);
		expect(second.metadata?._continue).toBeFalsy();
		const bad = await statusOf(core.listNamespacedConfigMap({namespace: 'default', labelSelector: 'tier in web'}));
		expect(bad.code).toBe(400);
	});

	it('lists in etcd\'s key order, so that pages neither skip nor repeat names with a colon or capitals', async () => {
		const rbac = cluster.kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
		for (const name of ['pga', 'pg:b', 'pgA', 'pg0']) await rbac.createClusterRole({body: {metadata: {name, labels: {suite: 'order'}}}});
		const seen: string[] = [];
		let token: string | undefined;
		do {
			const page = await rbac.listClusterRole({labelSelector: 'suite=order', limit: 2, _continue: token});
			seen.push(...page.items.map((i) => i.metadata?.name ?? ''));
			token = page.metadata?._continue;
		} while (token);
		expect(seen).toEqual(['pg0', 'pg:b', 'pgA', 'pga']);
	});
});

describe('patches', () => {
	it('applies merge, strategic merge and JSON patches', async () => {
		await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'patched', labels: {a: '1'}}, data: {x: '1', y: '2'}}});
		const merged = await core.patchNamespacedConfigMap({name: 'patched', namespace: 'default', body: {data: {x: null, z: '3'}}}, merge);
		expect(merged.data).toEqual({y: '2', z: '3'});
		const patched = await core.patchNamespacedConfigMap({name: 'patched', namespace: 'default', body: [
			{op: 'replace', path: '/data/y', value: 'two'},
			{op: 'add', path: '/metadata/labels/b', value: '2'},
		]}, jsonPatch);
		expect(patched.data).toEqual({y: 'two', z: '3'});
		expect(patched.metadata?.labels).toEqual({a: '1', b: '2'});
		const failed = await statusOf(core.patchNamespacedConfigMap({name: 'patched', namespace: 'default', body: [{op: 'test', path: '/data/y', value: 'nope'}]}, jsonPatch));
		expect(failed.code).toBe(422);
		await core.createNamespacedPod({namespace: 'default', body: {metadata: {name: 'two-containers'}, spec: {containers: [{name: 'a', image: 'a:1'}, {name: 'b', image: 'b:1'}]}}});
		const strategicOnCustom = await rawRequest(cluster.server.url, 'PATCH', '/apis/operator.tigera.io/v1/tigerastatuses/x', {
			token: cluster.tokens.adminToken, body: '{}', headers: {'Content-Type': 'application/strategic-merge-patch+json'},
		});
		expect(strategicOnCustom.status).toBe(415);
		const pod = await core.patchNamespacedPod({name: 'two-containers', namespace: 'default', body: {spec: {containers: [{name: 'b', image: 'b:2'}]}}}, strategic);
		expect(pod.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['a=a:1', 'b=b:2']);
	});

	it('does server-side apply with field managers: creates, conflicts with another manager, and forces', async () => {
		const applied = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'ssa', namespace: 'default'}, data: {owned: 'alice', shared: 'same'}};
		const noManager = await statusOf(objects.patch(applied, undefined, undefined, undefined, undefined, k8s.PatchStrategy.ServerSideApply));
		expect(noManager.code).toBe(422);
		expect(noManager.message).toContain('fieldManager');
		const created = await objects.patch(applied, undefined, undefined, 'alice', undefined, k8s.PatchStrategy.ServerSideApply) as KubeObject;
		expect(created.data).toEqual({owned: 'alice', shared: 'same'});
		expect((created.metadata.managedFields as Array<{manager: string; operation: string}>)[0]).toMatchObject({manager: 'alice', operation: 'Apply'});
		// Same value: no conflict, shared ownership.
		await objects.patch({...applied, data: {shared: 'same'}}, undefined, undefined, 'bob', undefined, k8s.PatchStrategy.ServerSideApply);
		const conflict = await statusOf(objects.patch({...applied, data: {owned: 'bob'}}, undefined, undefined, 'bob', undefined, k8s.PatchStrategy.ServerSideApply));
		expect(conflict).toMatchObject({code: 409, reason: 'Conflict'});
		expect(conflict.message).toContain('conflict with "alice"');
		expect(conflict.message).toContain('.data.owned');
		const forced = await objects.patch({...applied, data: {owned: 'bob', shared: 'same'}}, undefined, undefined, 'bob', true, k8s.PatchStrategy.ServerSideApply) as KubeObject;
		expect(forced.data).toEqual({owned: 'bob', shared: 'same'});
		// alice stops applying `shared`, but bob still owns it, so it stays; `owned` is bob's now.
		const again = await objects.patch({...applied, data: {}}, undefined, undefined, 'alice', undefined, k8s.PatchStrategy.ServerSideApply) as KubeObject;
		expect(again.data).toEqual({owned: 'bob', shared: 'same'});
		// bob drops everything: the fields he alone owned go away.
		const dropped = await objects.patch({...applied, data: {}}, undefined, undefined, 'bob', undefined, k8s.PatchStrategy.ServerSideApply) as KubeObject;
		expect(dropped.data ?? {}).toEqual({});
	});
});

describe('status subresource', () => {
	it('writes status only through /status and spec only through the main resource', async () => {
		const at = '2026-11-30T10:00:00Z';
		const created = await custom.createClusterCustomObject({...ts, body: {
			apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: 'status-test'}, spec: {}, status: {conditions: [{type: 'Available', status: 'True', lastTransitionTime: at}]},
		}}) as KubeObject;
		expect(created.status).toBeUndefined();
		const withStatus = await custom.patchClusterCustomObjectStatus({...ts, name: 'status-test', body: {status: {conditions: [{type: 'Available', status: 'True', lastTransitionTime: at}]}}}, merge) as KubeObject;
		expect((withStatus.status as any).conditions[0].status).toBe('True');
		const viaMain = await custom.patchClusterCustomObject({...ts, name: 'status-test', body: {status: {conditions: []}}}, merge) as KubeObject;
		expect((viaMain.status as any).conditions).toHaveLength(1);
		const got = await custom.getClusterCustomObjectStatus({...ts, name: 'status-test'}) as KubeObject;
		expect((got.status as any).conditions[0].type).toBe('Available');
		const replaced = await custom.replaceClusterCustomObjectStatus({...ts, name: 'status-test', body: {...got, status: {conditions: [{type: 'Degraded', status: 'True', lastTransitionTime: at}]}}}) as KubeObject;
		expect((replaced.status as any).conditions[0].type).toBe('Degraded');
	});
});

describe('watch', () => {
	const aborts: AbortController[] = [];
	afterEach(() => {
		for (const a of aborts.splice(0)) a.abort();
	});

	it('resumes from a resourceVersion and only sends later events, filtered by label', async () => {
		const start = await core.listNamespacedConfigMap({namespace: 'default'});
		const rv = start.metadata?.resourceVersion as string;
		await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'w-1', labels: {watch: 'yes'}}}});
		await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'w-skip', labels: {watch: 'no'}}}});
		const events: string[] = [];
		const watch = new k8s.Watch(cluster.kubeConfig());
		aborts.push(await watch.watch('/api/v1/namespaces/default/configmaps', {resourceVersion: rv, labelSelector: 'watch=yes'},
			(type, obj) => events.push(`${type} ${obj.metadata.name}`), () => {}));
		await core.patchNamespacedConfigMap({name: 'w-1', namespace: 'default', body: {data: {a: 'b'}}}, merge);
		await core.deleteNamespacedConfigMap({name: 'w-1', namespace: 'default'});
		await waitFor(() => events.length >= 3, 10_000, 'three watch events');
		expect(events).toEqual(['ADDED w-1', 'MODIFIED w-1', 'DELETED w-1']);
	});

	it('sends bookmarks with the current resourceVersion when asked', async () => {
		const bookmarks: string[] = [];
		const watch = new k8s.Watch(cluster.kubeConfig());
		aborts.push(await watch.watch('/api/v1/namespaces', {allowWatchBookmarks: true}, (type, obj) => {
			if (type === 'BOOKMARK') bookmarks.push(obj.metadata.resourceVersion);
		}, () => {}));
		await waitFor(() => bookmarks.length > 0, 10_000, 'a bookmark');
		expect(Number(bookmarks[0])).toBeGreaterThanOrEqual(cluster.store.resourceVersion - 1);
	}, 20_000);

	it('serves the legacy /watch/ paths, namespaced', async () => {
		const stream = streamLines(cluster.server.url, '/api/v1/watch/namespaces/kube-system/serviceaccounts?timeoutSeconds=1', cluster.tokens.adminToken);
		await waitFor(() => stream.ended, 10_000, 'the legacy watch to end');
		const events = stream.lines.map((l) => JSON.parse(l));
		expect(events.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual(['ADDED kube-system/default']);
	});

	it('ends a watch after timeoutSeconds', async () => {
		let done = false;
		const watch = new k8s.Watch(cluster.kubeConfig());
		aborts.push(await watch.watch('/api/v1/namespaces', {timeoutSeconds: 1}, () => {}, () => {
			done = true;
		}));
		await waitFor(() => done, 10_000, 'the watch to end');
	});

	it('answers 410 Gone for expired versions after expireWatches, and an informer relists and carries on', async () => {
		const kc = cluster.kubeConfig();
		const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({namespace: 'default'}));
		const seen = new Set<string>();
		informer.on('add', (o) => seen.add(o.metadata?.name as string));
		await informer.start();
		try {
			const oldRv = String(cluster.store.resourceVersion);
			await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'before-expiry'}}});
			await waitFor(() => seen.has('before-expiry'), 10_000, 'the informer to see the first object');
			cluster.server.expireWatches();
			await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'after-expiry'}}});
			await waitFor(() => seen.has('after-expiry'), 10_000, 'the informer to relist');
			const events: Array<{type: string; object: any}> = [];
			let ended = false;
			const watch = new k8s.Watch(kc);
			aborts.push(await watch.watch('/api/v1/namespaces/default/configmaps', {resourceVersion: oldRv}, (type, object) => events.push({type, object}), () => {
				ended = true;
			}));
			await waitFor(() => ended, 10_000, 'the expired watch to end');
			expect(events).toHaveLength(1);
			expect(events[0].type).toBe('ERROR');
			expect(events[0].object).toMatchObject({kind: 'Status', code: 410, reason: 'Expired'});
		} finally {
			await informer.stop();
		}
	});
});

describe('authentication and RBAC', () => {
	it('answers 401 without a token or with an unknown one', async () => {
		const none = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces');
		expect(none.status).toBe(401);
		expect(none.json()).toMatchObject({kind: 'Status', code: 401, reason: 'Unauthorized'});
		const wrong = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces', {token: 'not-a-token'});
		expect(wrong.status).toBe(401);
	});

	it('forbids service accounts without a binding, with the exact Kubernetes message', async () => {
		const token = await serviceAccountToken('no-rights');
		const api = cluster.kubeConfig(token).makeApiClient(k8s.CustomObjectsApi);
		const denied = await statusOf(api.listClusterCustomObject(ts));
		expect(denied).toMatchObject({code: 403, reason: 'Forbidden'});
		expect(denied.message).toBe('tigerastatuses.operator.tigera.io is forbidden: User "system:serviceaccount:default:no-rights" cannot list resource "tigerastatuses" in API group "operator.tigera.io" at the cluster scope');
		const coreApi = cluster.kubeConfig(token).makeApiClient(k8s.CoreV1Api);
		const secret = await statusOf(coreApi.readNamespacedSecret({name: 'x', namespace: 'default'}));
		expect(secret.message).toBe('secrets "x" is forbidden: User "system:serviceaccount:default:no-rights" cannot get resource "secrets" in API group "" in the namespace "default"');
	});

	it('allows what a ClusterRoleBinding grants, and answers SelfSubjectAccessReviews for the caller', async () => {
		const rbac = cluster.kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
		await rbac.createClusterRole({body: {metadata: {name: 'status-reader'}, rules: [{apiGroups: ['operator.tigera.io'], resources: ['tigerastatuses'], verbs: ['get', 'list', 'watch']}]}});
		const token = await serviceAccountToken('reader', 'status-reader');
		const kc = cluster.kubeConfig(token);
		const list = await kc.makeApiClient(k8s.CustomObjectsApi).listClusterCustomObject(ts) as {items: unknown[]};
		expect(Array.isArray(list.items)).toBe(true);
		const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
		const can = async (verb: string, resource: string, group: string) => (await authz.createSelfSubjectAccessReview({body: {spec: {resourceAttributes: {verb, resource, group}}}})).status?.allowed;
		expect(await can('list', 'tigerastatuses', 'operator.tigera.io')).toBe(true);
		expect(await can('delete', 'tigerastatuses', 'operator.tigera.io')).toBe(false);
		expect(await can('list', 'secrets', '')).toBe(false);
	});

	it('issues TokenRequests only for existing service accounts, and a deleted account loses its token', async () => {
		const missing = await statusOf(core.createNamespacedServiceAccountToken({name: 'ghost', namespace: 'default', body: {spec: {audiences: []}}}));
		expect(missing).toMatchObject({code: 404, message: 'serviceaccounts "ghost" not found'});
		const token = await serviceAccountToken('short-lived', 'cluster-admin');
		expect((await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces', {token})).status).toBe(200);
		await core.deleteNamespacedServiceAccount({name: 'short-lived', namespace: 'default'});
		expect((await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces', {token})).status).toBe(401);
	});

	it('fills a service-account token Secret with a working token', async () => {
		await core.createNamespacedServiceAccount({namespace: 'default', body: {metadata: {name: 'mcm-user'}}});
		await core.createNamespacedSecret({namespace: 'default', body: {
			metadata: {name: 'mcm-user', annotations: {'kubernetes.io/service-account.name': 'mcm-user'}}, type: 'kubernetes.io/service-account-token',
		}});
		const secret = await core.readNamespacedSecret({name: 'mcm-user', namespace: 'default'});
		const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
		const review = await rawRequest(cluster.server.url, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
			token, body: JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}),
		});
		expect(review.json().status.userInfo.username).toBe('system:serviceaccount:default:mcm-user');
	});
});

describe('pod logs', () => {
	it('returns the tail and follows new lines', async () => {
		await core.createNamespacedPod({namespace: 'default', body: {metadata: {name: 'operator'}, spec: {containers: [{name: 'c', image: 'i'}]}}});
		cluster.store.logs.append('default', 'operator', 'one');
		cluster.store.logs.append('default', 'operator', 'two');
		const tail = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces/default/pods/operator/log?tailLines=1', {token: cluster.tokens.adminToken});
		expect(tail.text).toBe('two\n');
		const stream = streamLines(cluster.server.url, '/api/v1/namespaces/default/pods/operator/log?follow=true', cluster.tokens.adminToken);
		try {
			await waitFor(() => stream.lines.length === 2, 10_000, 'the existing lines');
			cluster.store.logs.append('default', 'operator', 'three');
			await waitFor(() => stream.lines.includes('three'), 10_000, 'the followed line');
			expect(stream.lines).toEqual(['one', 'two', 'three']);
		} finally {
			stream.stop();
		}
		const missing = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces/default/pods/nope/log', {token: cluster.tokens.adminToken});
		expect(missing.json()).toMatchObject({code: 404, message: 'pods "nope" not found'});
	});
});

describe('Table format', () => {
	const tableAccept = {Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'};

	it('uses a CRD\'s printer columns with JSONPath filters', async () => {
		await custom.createClusterCustomObject({...ts, body: {apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: 'calico'}, spec: {}}});
		const since = new Date(Date.now() - 30 * 60_000).toISOString();
		await custom.patchClusterCustomObjectStatus({...ts, name: 'calico', body: {status: {conditions: [
			{type: 'Available', status: 'True', lastTransitionTime: since},
			{type: 'Progressing', status: 'False', lastTransitionTime: since},
			{type: 'Degraded', status: 'False', lastTransitionTime: since, message: ''},
		]}}}, merge);
		const res = await rawRequest(cluster.server.url, 'GET', '/apis/operator.tigera.io/v1/tigerastatuses/calico', {token: cluster.tokens.adminToken, headers: tableAccept});
		const table = res.json();
		expect(table).toMatchObject({kind: 'Table', apiVersion: 'meta.k8s.io/v1'});
		expect(table.columnDefinitions.map((c: {name: string}) => c.name)).toEqual(['Name', 'Available', 'Progressing', 'Degraded', 'Since', 'Message']);
		expect(table.rows[0].cells.slice(0, 5)).toEqual(['calico', 'True', 'False', 'False', '30m']);
		expect(table.rows[0].object).toMatchObject({kind: 'PartialObjectMetadata', metadata: {name: 'calico'}});
	});

	it('gives built-in types kubectl\'s columns', async () => {
		await core.createNamespacedService({namespace: 'default', body: {metadata: {name: 'manager'}, spec: {type: 'NodePort', ports: [{port: 9449, nodePort: 30449}]}}});
		const res = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dmanager', {token: cluster.tokens.adminToken, headers: tableAccept});
		const table = res.json();
		expect(table.columnDefinitions.filter((c: {priority: number}) => c.priority === 0).map((c: {name: string}) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
		expect(table.rows[0].cells.slice(0, 5)).toEqual(['manager', 'NodePort', expect.stringMatching(/^10\.96\./), '<none>', '9449:30449/TCP']);
	});
});

describe('bad requests', () => {
	const garbage = ['{', 'null', '[1,2]', '"text"', '\u0000\u0001\u0002', '{"metadata": 5}', '{"apiVersion": 7, "kind": []}', ''];

	it('answers garbage bodies with a 400 Status and keeps serving', async () => {
		const token = cluster.tokens.adminToken;
		for (const body of garbage) {
			const res = await rawRequest(cluster.server.url, 'POST', '/api/v1/namespaces/default/configmaps', {token, body});
			expect(res.status, `body ${JSON.stringify(body)}`).toBe(400);
			expect(res.json()).toMatchObject({kind: 'Status', status: 'Failure', code: 400});
			const patch = await rawRequest(cluster.server.url, 'PATCH', '/api/v1/namespaces/default/configmaps/kube-root', {token, body, headers: {'Content-Type': 'application/merge-patch+json'}});
			expect([400, 404]).toContain(patch.status);
		}
		const unknownType = await rawRequest(cluster.server.url, 'POST', '/api/v1/namespaces/default/configmaps', {token, body: 'x', headers: {'Content-Type': 'text/csv'}});
		expect(unknownType.status).toBe(415);
		const badEscape = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces/%E0%A4%A/configmaps', {token});
		expect(badEscape.status).toBe(400);
		const notAPath = await rawRequest(cluster.server.url, 'GET', '/apis/nothing/here/at/all/really/deep', {token});
		expect(notAPath.status).toBe(404);
		const method = await rawRequest(cluster.server.url, 'PUT', '/api/v1/namespaces/default/configmaps', {token, body: '{}'});
		expect(method.status).toBe(405);
		expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
	});
});

describe('list options', () => {
	// A client that sends these to a v1.33 kube-apiserver gets its 422: the simulator must not answer them.
	const refused: Array<[string, string]> = [
		['/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
			'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'],
		['/api/v1/namespaces?watch=true&sendInitialEvents=true',
			'[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled]'],
		['/api/v1/namespaces?watch=true&resourceVersionMatch=NotOlderThan',
			'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
		['/api/v1/namespaces?sendInitialEvents=false', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
		['/api/v1/namespaces?resourceVersionMatch=Exact',
			'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
		['/api/v1/namespaces?resourceVersion=0&resourceVersionMatch=Exact',
			'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
		['/api/v1/namespaces?resourceVersion=1&resourceVersionMatch=Newest',
			'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'],
	];

	it('refuses what kube-apiserver v1.33 refuses, with its 422 on ListOptions', async () => {
		const token = cluster.tokens.adminToken;
		for (const [path, message] of refused) {
			const res = await rawRequest(cluster.server.url, 'GET', path, {token});
			expect(res.status, path).toBe(422);
			expect(res.json(), path).toMatchObject({kind: 'Status', reason: 'Invalid', code: 422, message: `ListOptions.meta.k8s.io "" is invalid: ${message}`,
				details: {group: 'meta.k8s.io', kind: 'ListOptions'}});
		}
	});

	it('serves a list that names its resourceVersion and how to match it', async () => {
		const token = cluster.tokens.adminToken;
		const res = await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces?resourceVersion=0&resourceVersionMatch=NotOlderThan', {token});
		expect(res.status).toBe(200);
		expect(res.json().items.length).toBeGreaterThan(0);
	});
});

describe('hostile input', () => {
	it('answers every malformed request with a 4xx Status and never stops serving', async () => {
		const token = cluster.tokens.adminToken;
		const url = cluster.server.url;
		const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
		const deepObject = `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
		const cases: Array<[string, string, string | undefined, Record<string, string>?]> = [
			['POST', '/api/v1/namespaces/default/configmaps', deep],
			['POST', '/api/v1/namespaces/default/configmaps', deepObject],
			['POST', '/api/v1/namespaces/default/configmaps', 'x'.repeat(4 * 1024 * 1024)],
			['PATCH', '/api/v1/namespaces/default/configmaps/x', '[{"op":"frobnicate","path":"/a"}]', {'Content-Type': 'application/json-patch+json'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default', '[{"op":"add","path":"no-slash","value":1}]', {'Content-Type': 'application/json-patch+json'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default', '[{"op":"remove","path":"/metadata"}]', {'Content-Type': 'application/json-patch+json'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default?fieldManager=x', ': : :\n\t- [', {'Content-Type': 'application/apply-patch+yaml'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default?fieldManager=x', '- a\n- b', {'Content-Type': 'application/apply-patch+yaml'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default', '{"metadata":{"name":"renamed"}}', {'Content-Type': 'application/merge-patch+json'}],
			['PATCH', '/api/v1/namespaces/default/serviceaccounts/default?force=true', '{}', {'Content-Type': 'application/merge-patch+json'}],
			['GET', '/api/v1/namespaces/default/configmaps?limit=lots', undefined],
			['GET', '/api/v1/namespaces/default/configmaps?continue=%%%', undefined],
			['GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', undefined],
			['GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.nothing%3D1', undefined],
			['POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', '{"metadata":{"name":"d"}}'],
			['DELETE', '/api/v1/namespaces/default/serviceaccounts/default', '{"dryRun":["Maybe"]}'],
			['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '{"spec":{}}'],
			['POST', '/api/v1/namespaces/default/serviceaccounts/default/token', '{"spec":{"expirationSeconds":5}}'],
			['GET', '/api/v1/namespaces/default/serviceaccounts/default/token', undefined],
			['GET', '/api/v1/namespaces/default/pods/x/exec', undefined],
			['GET', '/api/v1/namespaces/default/configmaps/a/b/c/d', undefined],
			['POST', '/api/v1/namespaces/default/configmaps/named', '{}'],
		];
		for (const [method, path, body, headers] of cases) {
			const res = await rawRequest(url, method, path, {token, body, headers});
			expect(res.status, `${method} ${path}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
			expect(res.text, `${method} ${path} answered without a body`).not.toBe("");
			expect(res.status, `${method} ${path}`).toBeLessThan(500);
			expect(res.json(), `${method} ${path}`).toMatchObject({kind: 'Status', status: 'Failure', code: res.status});
		}
		expect((await rawRequest(url, 'GET', '/api/v1/namespaces/default/serviceaccounts/default', {token})).json().metadata.name).toBe('default');
	});

	it('keeps a delete with dryRun from deleting', async () => {
		await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'survivor'}}});
		const res = await rawRequest(cluster.server.url, 'DELETE', '/api/v1/namespaces/default/configmaps/survivor', {
			token: cluster.tokens.adminToken, body: JSON.stringify({kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All']}),
		});
		expect(res.status).toBe(200);
		expect((await core.readNamespacedConfigMap({name: 'survivor', namespace: 'default'})).metadata?.name).toBe('survivor');
	});
});

describe('faults', () => {
	it('down refuses connections on the same port, hang never answers, up serves again', async () => {
		const c = await startSingleCluster('faults');
		try {
			const token = c.tokens.adminToken;
			const port = c.server.port;
			expect((await rawRequest(c.server.url, 'GET', '/api/v1/namespaces', {token})).status).toBe(200);
			const stream = streamLines(c.server.url, '/api/v1/namespaces?watch=true', token);
			await waitFor(() => stream.lines.length > 0, 10_000, 'the watch to start');
			await c.server.down();
			await expect(rawRequest(c.server.url, 'GET', '/api/v1/namespaces', {token})).rejects.toMatchObject({code: 'ECONNREFUSED'});
			await waitFor(() => stream.ended, 10_000, 'the watch to be cut');
			await c.server.up();
			expect(c.server.port).toBe(port);
			expect((await rawRequest(c.server.url, 'GET', '/api/v1/namespaces', {token})).status).toBe(200);
			const watch = streamLines(c.server.url, '/api/v1/namespaces?watch=true', token);
			await waitFor(() => watch.lines.length >= 4, 10_000, 'the initial namespaces');
			const before = watch.lines.length;
			c.server.hang();
			await expect(rawRequest(c.server.url, 'GET', '/api/v1/namespaces', {token, timeoutMs: 500})).rejects.toThrow('request timed out');
			c.store.create(c.store.lookup('', 'v1', 'namespaces')!, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'during-hang'}});
			await new Promise((r) => setTimeout(r, 300));
			expect(watch.lines.length).toBe(before);
			await c.server.up();
			expect((await rawRequest(c.server.url, 'GET', '/api/v1/namespaces/during-hang', {token})).status).toBe(200);
			watch.stop();
		} finally {
			await c.stop();
		}
	});

	it('refuses to listen on a port in use, naming the port', async () => {
		const blocker = createServer();
		await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
		const port = (blocker.address() as {port: number}).port;
		const server = createApiServer({name: 'clash', store: createObjectStore(), tokens: createTokenRegistry()});
		try {
			await expect(server.listen(port)).rejects.toThrow(`127.0.0.1:${port}`);
		} finally {
			await server.close();
			blocker.close();
		}
	});
});
