// The console's paged list against the simulator when etcd compacts between two pages: a real API
// server answers the second page 410 (its snapshot is gone); the watch must list again and end up
// with the server's state, not an error or a list made of two states.
import {afterAll, beforeAll, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {startWatch, type WatchState} from '../../source/kube/watch.js';
import type {ListOptions, ResourceType} from '../../source/sim/types.js';
import {startSingleCluster, waitFor, type SingleCluster} from '../sim/single-cluster.js';

let cluster: SingleCluster;
beforeAll(async () => {
	cluster = await startSingleCluster('list-expired');
});
afterAll(async () => {
	await cluster.stop();
});

it('lists again when a page after the first is 410, and ends with the server\'s state', async () => {
	const {store} = cluster;
	const configMaps = store.lookup('', 'v1', 'configmaps') as ResourceType;
	for (const name of ['e1', 'e2', 'e3']) store.create(configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'default'}, data: {v: '1'}});
	// Right after the first page is read: a change, then a compaction past the first page's revision.
	const list = store.list.bind(store);
	let pagesRead = 0;
	store.list = (type: ResourceType, options?: ListOptions) => {
		const items = list(type, options);
		if (type === configMaps && ++pagesRead === 1) {
			store.update(configMaps, {...(store.get(configMaps, 'default', 'e2') as never), data: {v: '2'}});
			store.expireHistory();
		}
		return items;
	};
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
		const truth = Object.fromEntries(list(configMaps, {namespace: 'default'}).map((o) => [o.metadata.name, o.data]));
		expect(Object.fromEntries(objects)).toEqual(truth);
		expect(objects.get('e2')).toEqual({v: '2'});
		// One list was cut by the 410 after its first page and never handed on; the next one read every page.
		expect(resets).toBe(1);
		expect(pagesRead).toBe(1 + Object.keys(truth).length);
		expect(states.map((s) => s.state)).not.toContain('error');
	} finally {
		handle.stop();
		client.close();
	}
});
