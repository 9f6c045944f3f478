import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {recordBackOff} from '../../source/sim/events.js';
import {ApiError, type KubeObject} from '../../source/sim/types.js';
import {rawRequest, streamLines} from './http-client.js';
import {startSingleCluster, waitFor, type SingleCluster} from './single-cluster.js';

// Field selectors as kube-apiserver registers them per type: Events by involvedObject.*, reason,
// type, source and reportingComponent; every type by metadata.name/namespace; anything else is a
// 400 "field label not supported", for list and watch alike.

let cluster: SingleCluster;
const type = (resource: string) => cluster.store.lookup('', 'v1', resource)!;

function event(name: string, extra: Partial<KubeObject> & Record<string, unknown>): KubeObject {
	return {apiVersion: 'v1', kind: 'Event', metadata: {name, namespace: 'calico-system'}, type: 'Normal', reason: 'Started', ...extra} as KubeObject;
}

beforeAll(async () => {
	cluster = await startSingleCluster('fields');
	for (const ns of ['calico-system']) cluster.store.create(type('namespaces'), {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}});
	cluster.store.create(type('events'), event('a.1', {involvedObject: {kind: 'Pod', name: 'guardian-a', namespace: 'calico-system', uid: 'u-a'}, source: {component: 'kubelet', host: 'n1'}, reportingComponent: 'kubelet'}));
	cluster.store.create(type('events'), event('b.1', {involvedObject: {kind: 'Pod', name: 'guardian-b', namespace: 'calico-system', uid: 'u-b'}, type: 'Warning', reason: 'BackOff', reportingComponent: 'kubelet'}));
	cluster.store.create(type('events'), event('c.1', {involvedObject: {kind: 'Deployment', name: 'guardian', namespace: 'calico-system'}, reason: 'ScalingReplicaSet', source: {component: 'deployment-controller'}}));
});
afterAll(() => cluster.stop());

const list = (resource: string, fieldSelector: string, namespace = 'calico-system') => cluster.store.list(type(resource), {namespace, fieldSelector}).map((o) => o.metadata.name);

describe('field selectors', () => {
	it('selects Events by what they are about, reason, type and source', () => {
		expect(list('events', 'involvedObject.kind=Pod,involvedObject.name=guardian-a,involvedObject.namespace=calico-system,involvedObject.uid=u-a')).toEqual(['a.1']);
		expect(list('events', 'involvedObject.kind=Pod')).toEqual(['a.1', 'b.1']);
		expect(list('events', 'reason=BackOff')).toEqual(['b.1']);
		expect(list('events', 'type=Warning')).toEqual(['b.1']);
		expect(list('events', 'type!=Warning')).toEqual(['a.1', 'c.1']);
		// source is source.component, else the reporting controller.
		expect(list('events', 'source=kubelet')).toEqual(['a.1', 'b.1']);
		expect(list('events', 'source=deployment-controller')).toEqual(['c.1']);
		expect(list('events', 'reportingComponent=kubelet')).toEqual(['a.1', 'b.1']);
		// An absent field is '' (Go's zero value): `involvedObject.uid=` selects those without one.
		expect(list('events', 'involvedObject.uid=')).toEqual(['c.1']);
		expect(list('events', 'metadata.name=c.1')).toEqual(['c.1']);
	});

	it('refuses a field label the type does not register, as kube-apiserver does', () => {
		for (const [resource, selector] of [['events', 'involvedObject.labels=x'], ['events', 'message=x'], ['configmaps', 'reason=x'], ['configmaps', 'type=x'], ['pods', 'involvedObject.name=x']]) {
			let error: unknown;
			try {
				list(resource, selector);
			} catch (e) {
				error = e;
			}
			expect(error, `${resource} ${selector}`).toBeInstanceOf(ApiError);
			expect((error as ApiError).code).toBe(400);
			expect((error as ApiError).message).toBe(`field label not supported: ${selector.split('=')[0]}`);
		}
		expect(list('pods', 'status.phase=Running')).toEqual([]);
	});

	it('answers 400 over HTTP for list and watch, with the Status kubectl shows', async () => {
		const token = cluster.tokens.adminToken;
		for (const path of ['/api/v1/namespaces/calico-system/events?fieldSelector=involvedObject.bogus%3Dx', '/api/v1/events?watch=true&fieldSelector=involvedObject.bogus%3Dx']) {
			const res = await rawRequest(cluster.server.url, 'GET', path, {token});
			expect(res.status, path).toBe(400);
			expect(res.json()).toMatchObject({kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'field label not supported: involvedObject.bogus'});
		}
	});

	it('a watch with an involvedObject selector sees only that object\'s new Events (the kubelet\'s BackOff)', async () => {
		const pods = type('pods');
		const pod = cluster.store.create(pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'guardian-b', namespace: 'calico-system'}, spec: {nodeName: 'n1', containers: [{name: 'guardian', image: 'guardian'}]}});
		const other = cluster.store.create(pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'guardian-c', namespace: 'calico-system'}, spec: {nodeName: 'n1', containers: [{name: 'guardian', image: 'guardian'}]}});
		const stream = streamLines(cluster.server.url, `/api/v1/events?watch=true&fieldSelector=${encodeURIComponent(`involvedObject.kind=Pod,involvedObject.name=guardian-b,involvedObject.uid=${pod.metadata.uid}`)}`, cluster.tokens.adminToken);
		await waitFor(() => stream.status === 200, 5000, 'the watch to open');
		recordBackOff(cluster.store, [other, pod]);
		await waitFor(() => stream.lines.some((l) => l.includes('BackOff')), 5000, 'the BackOff event on the watch');
		const objects = stream.lines.map((l) => JSON.parse(l) as {type: string; object: {involvedObject?: {name: string}; reason?: string; message?: string; type?: string}}).filter((e) => e.type === 'ADDED');
		expect(objects.map((e) => e.object.involvedObject?.name)).toEqual(['guardian-b']);
		expect(objects[0]!.object).toMatchObject({type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container guardian in pod guardian-b_calico-system(${pod.metadata.uid})`});
		stream.stop();
	});
});
