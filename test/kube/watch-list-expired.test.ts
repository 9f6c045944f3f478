// The console's paged lists against the simulator when etcd compacts between two pages: a real API
// server answers the second page 410 (its snapshot is gone); the watch and `status`'s one-off lists
// must list again and end up with the server's state, not an error or a list made of two states.
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startWatch, type WatchState} from '../../source/kube/watch.js';
import {rawKinds, type RawKind, type RawObject} from '../../source/mcm/raw.js';
import {listOnce} from '../../source/sync/list-once.js';
import type {KubeObject, ListOptions, ResourceType} from '../../source/sim/types.js';
import {startSingleCluster, waitFor, type SingleCluster} from '../sim/single-cluster.js';

let cluster: SingleCluster;
beforeAll(async () => {
	cluster = await startSingleCluster('list-expired');
});
afterAll(async () => {
	await cluster.stop();
});

let configMaps: ResourceType;
let list: SingleCluster['store']['list'];
let pagesRead = 0;
let version = 1;
afterEach(() => {
	cluster.store.list = list;
});

/** Right after the first page is read: a change to e2, then a compaction past the first page's revision. */
function compactAfterFirstPage(): void {
	const {store} = cluster;
	configMaps = store.lookup('', 'v1', 'configmaps') as ResourceType;
	for (const name of ['e1', 'e2', 'e3']) {
		if (!store.get(configMaps, 'default', name)) store.create(configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'default'}, data: {v: '1'}});
	}
	list = store.list.bind(store);
	pagesRead = 0;
	version++;
	store.list = (type: ResourceType, options?: ListOptions) => {
		const items = list(type, options);
		if (type === configMaps && ++pagesRead === 1) {
			store.update(configMaps, {...(store.get(configMaps, 'default', 'e2') as KubeObject), data: {v: String(version)}});
			store.expireHistory();
		}
		return items;
	};
}

const truth = () => Object.fromEntries(list(configMaps, {namespace: 'default'}).map((o) => [o.metadata.name, o.data]));

it('lists again when a page after the first is 410, and ends with the server\'s state', async () => {
	compactAfterFirstPage();
	const client = createClients(loadKubeconfig({kubeconfig: cluster.kubeconfigPath}), {requestTimeoutMs: 5000}).get('sim')!;
	const objects = new Map<string, unknown>();
	const states: WatchState[] = [];
	let resets = 0;
	const handle = startWatch<{metadata: {name: string}; data?: unknown}>(client, {
		path: '/api/v1/namespaces/default/configmaps',
		pageSize: 1,
		handlers: {
			onReset(items) {
				resets++;
				objects.clear();
				for (const o of items) objects.set(o.metadata.name, o.data);
			},
			onEvent(type, o) {
				if (type === 'DELETED') objects.delete(o.metadata.name);
				else objects.set(o.metadata.name, o.data);
			},
			onState(state) {
				states.push(state);
			},
		},
	});
	try {
		await waitFor(() => states.at(-1)?.state === 'ok', 15_000, 'the watch ok');
		expect(Object.fromEntries(objects)).toEqual(truth());
		expect(objects.get('e2')).toEqual({v: String(version)});
		// One list was cut by the 410 after its first page and never handed on; the next one read every page.
		expect(resets).toBe(1);
		expect(pagesRead).toBe(1 + Object.keys(truth()).length);
		expect(states.map((s) => s.state)).not.toContain('error');
	} finally {
		handle.stop();
		client.close();
	}
});

it('`status`\'s one-off list reads again from the first page after such a 410, and reports the cluster ok', async () => {
	// More than one of its 500-object pages.
	const {store} = cluster;
	const type = store.lookup('', 'v1', 'configmaps') as ResourceType;
	for (let i = 0; i < 500; i++) store.create(type, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `bulk-${String(i).padStart(3, '0')}`, namespace: 'default'}});
	compactAfterFirstPage();
	const client = createClients(loadKubeconfig({kubeconfig: cluster.kubeconfigPath}), {requestTimeoutMs: 5000}).get('sim')!;
	const paths = Object.fromEntries(rawKinds.map((kind) => [kind, '/api/v1/namespaces/default/configmaps'])) as Record<RawKind, string>;
	const got = new Map<RawKind, RawObject[]>();
	const states: Array<[RawKind, string]> = [];
	try {
		await listOnce(client, paths, (kind) => ({
			onReset: (items) => got.set(kind, items),
			onEvent: () => {},
			onState: (state) => states.push([kind, state.state]),
		}), () => false, () => false);
	} finally {
		client.close();
	}
	expect(states.filter(([, state]) => state !== 'connecting' && state !== 'ok')).toEqual([]);
	const first = got.get(rawKinds[0]) ?? [];
	expect(Object.fromEntries(first.map((o) => [(o.metadata as {name: string}).name, o.data]))).toEqual(truth());
});
