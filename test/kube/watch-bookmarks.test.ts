// Over HTTP/2 one watch per cluster asks for bookmarks (the carrier) and the others ride on its proof
// that the shared session lives (session-streams.ts); over HTTP/1.1 every watch has its own connection
// and keeps its bookmarks. Whatever carries, a hung server and a connection that dies without a FIN/RST
// still reach every watch of the cluster.
import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import {startWatch, type WatchHandle, type WatchState} from '../../source/kube/watch.js';
import type {SingleCluster} from '../sim/single-cluster.js';
import {waitFor} from './fake-api.js';
import {simTestBed} from './sim-test-bed.js';

const {cleanups, cluster, clientFor, relay} = simTestBed('bookmarks', {requestTimeoutMs: 1000, bookmarkIntervalMs: 150});

const served = ['/api/v1/namespaces/default/configmaps', '/api/v1/namespaces/default/secrets', '/api/v1/namespaces'];
/** A type the server does not serve: its list is a 404, so it never opens a stream. */
const absent = '/apis/example.com/v1/widgets';

type Watched = {path: string; states: WatchState['state'][]; names: Set<string>; handle: WatchHandle};

function watch(client: ClusterClient, path: string, watchdogMs = 1000): Watched {
	const w: Watched = {path, states: [], names: new Set(), handle: undefined as unknown as WatchHandle};
	w.handle = startWatch<{metadata: {name: string}}>(client, {
		path,
		watchdogMs,
		backoff: {initialMs: 50, maxMs: 200},
		absentBackoff: {initialMs: 50, maxMs: 200},
		handlers: {
			onReset: (items) => (w.names = new Set(items.map((i) => i.metadata.name))),
			onEvent: (type, object) => (type === 'DELETED' ? w.names.delete(object.metadata.name) : w.names.add(object.metadata.name)),
			onState: (state) => w.states.push(state.state),
		},
	});
	cleanups.push(() => w.handle.stop());
	return w;
}

/** The watch requests the server received: path and whether each asked for bookmarks. */
function watchRequests(c: SingleCluster) {
	return c.server.received
		.filter((r) => /[?&]watch=1/.test(r.path))
		.map((r) => ({path: r.path.split('?')[0], bookmarks: /[?&]allowWatchBookmarks=true/.test(r.path)}));
}

const allOk = (ws: Watched[]) => ws.every((w) => w.states.at(-1) === 'ok');

async function listNames(client: ClusterClient, path: string): Promise<string[]> {
	const list = await client.request<{items: Array<{metadata: {name: string}}>}>({path});
	return list.items.map((item) => item.metadata.name);
}

describe('bookmarks on a shared HTTP/2 session', () => {
	it('only one watch of a cluster asks for bookmarks, never the one whose type is not served; every watch still follows its objects', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		// A first request, so the client knows the server speaks h2 before the watches open (as the lists do).
		await client.request({path: '/version'});
		const ws = [watch(client, absent), ...served.map((p) => watch(client, p))];
		await waitFor(() => allOk(ws) && watchRequests(c).length >= served.length, 10_000, 'every served watch open');
		// Several bookmark intervals: the riders stay open without bookmarks or a watchdog of their own.
		await new Promise((r) => setTimeout(r, 1500));
		const requests = watchRequests(c);
		expect(requests.map((r) => r.path).sort()).toEqual([...served].sort());
		expect(requests.filter((r) => r.bookmarks)).toHaveLength(1);
		expect(client.protocol).toBe('h2');
		await client.request({method: 'POST', path: served[0], body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'later'}}});
		await waitFor(() => ws[1].names.has('later'), 5000, 'a rider sees a change');
	});

	it('a bookmark on the shared session moves the carrier\'s resume resourceVersion on, with no event', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		await client.request({path: '/version'});
		const w = watch(client, served[0]);
		await waitFor(() => allOk([w]) && watchRequests(c).length === 1, 10_000, 'the watch open');
		const before = Number(w.handle.resourceVersion);
		// A change the watched type does not see: only a bookmark carries the newer version.
		await client.request({method: 'POST', path: '/api/v1/namespaces', body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'elsewhere'}}});
		await waitFor(() => Number(w.handle.resourceVersion) > before, 5000, 'a bookmark read');
		expect(client.protocol).toBe('h2');
		expect([...w.names].sort()).toEqual([...(await listNames(client, served[0]))].sort());
	});

	it('over HTTP/1.1 every watch asks for bookmarks', async () => {
		const c = await cluster({http2: false});
		const client = clientFor(c.server.url, c.tokens.adminToken);
		await client.request({path: '/version'});
		const ws = served.map((p) => watch(client, p));
		await waitFor(() => allOk(ws) && watchRequests(c).length >= served.length, 10_000, 'every watch open');
		expect(client.protocol).toBe('http/1.1');
		const requests = watchRequests(c);
		expect(requests).toHaveLength(served.length);
		expect(requests.every((r) => r.bookmarks)).toBe(true);
	});

	it('when the carrier stops, a rider takes the bookmarks over', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		await client.request({path: '/version'});
		const ws = served.map((p) => watch(client, p));
		await waitFor(() => allOk(ws) && watchRequests(c).length >= served.length, 10_000, 'every watch open');
		const carrier = ws.find((w) => w.path === watchRequests(c).find((r) => r.bookmarks)!.path)!;
		carrier.handle.stop();
		await waitFor(() => watchRequests(c).filter((r) => r.bookmarks && r.path !== carrier.path).length === 1, 10_000, 'another watch asking for bookmarks');
	});

	it('a hung server reaches every watch, riders too, within the watchdog and the request timeout; all recover', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		await client.request({path: '/version'});
		const ws = served.map((p) => watch(client, p));
		await waitFor(() => allOk(ws), 10_000, 'every watch open');
		c.server.hang();
		const hungAt = Date.now();
		// Watchdog 1 s (noticed within 1.2 s), then the resumed stream's request timeout 1 s.
		await waitFor(() => ws.every((w) => w.states.at(-1) === 'unreachable'), 10_000, 'every watch unreachable');
		expect(Date.now() - hungAt).toBeLessThan(5000);
		await c.server.up();
		await waitFor(() => allOk(ws), 10_000, 'every watch ok again');
		await client.request({method: 'POST', path: served[0], body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'after-hang'}}});
		await waitFor(() => ws[0].names.has('after-hang'), 5000, 'the change after the hang');
	});

	it('a connection that dies without a FIN or RST ends every watch on it, not only the carrier', async () => {
		const c = await cluster();
		const path = await relay(c.server.port);
		const client = clientFor(path.url, c.tokens.adminToken, {pingTimeoutMs: 300});
		await client.request({path: '/version'});
		const ws = served.map((p) => watch(client, p));
		await waitFor(() => allOk(ws), 10_000, 'every watch open');
		path.partition();
		const partitionedAt = Date.now();
		// The carrier's watchdog (1-1.2 s), a resumed stream's request timeout (1 s), the PING (0.3 s): then the session is gone.
		await waitFor(() => ws.every((w) => w.states.at(-1) === 'unreachable'), 10_000, 'every watch unreachable');
		expect(Date.now() - partitionedAt).toBeLessThan(5000);
	});
});
