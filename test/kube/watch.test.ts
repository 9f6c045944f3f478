import {afterEach, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {jitteredDelay, setWatchStartConcurrency, startWatch, type WatchState} from '../../source/kube/watch.js';
import {kubeconfigFor, WidgetApi, waitFor, writeKubeconfig} from './fake-api.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The fields of a watched object these tests read. */
type Watched = {metadata: {name: string}; data?: unknown};

type Mirror = {
	objects: Map<string, Watched>;
	states: WatchState[];
	resets: number;
	absents: number;
	events: number;
};

async function widgets(options: {tls?: boolean} = {}): Promise<WidgetApi> {
	const api = await new WidgetApi(options).start();
	cleanups.push(() => api.close());
	return api;
}

function clientFor(api: WidgetApi, requestTimeoutMs = 2000): ClusterClient {
	const {file} = writeKubeconfig(kubeconfigFor([{name: 'w', server: api.server.url, token: 't'}]));
	const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs}).get('w')!;
	cleanups.push(() => client.close());
	return client;
}

/** Keep a local copy of the resource as a store would, from the watch callbacks. */
function mirror(client: ClusterClient, api: WidgetApi, options: Partial<Parameters<typeof startWatch>[1]> = {}) {
	const m: Mirror = {objects: new Map(), states: [], resets: 0, absents: 0, events: 0};
	const handle = startWatch<Watched>(client, {
		path: api.path,
		backoff: {initialMs: 50, maxMs: 200},
		absentBackoff: {initialMs: 50, maxMs: 200},
		...options,
		handlers: {
			onReset(items) {
				m.resets++;
				m.objects = new Map(items.map((o) => [o.metadata.name, o]));
			},
			onEvent(type, object) {
				m.events++;
				if (type === 'DELETED') m.objects.delete(object.metadata.name);
				else m.objects.set(object.metadata.name, object);
			},
			onState(state) {
				m.states.push(state);
			},
			onAbsent() {
				m.absents++;
			},
		},
	});
	cleanups.push(() => handle.stop());
	return {m, handle};
}

/** What the mirror holds, as name → data, to compare with the server. */
const view = (objects: Map<string, Watched>) => Object.fromEntries([...objects].map(([name, o]) => [name, o.data]).sort());
const truth = (api: WidgetApi) => Object.fromEntries([...api.objects].map(([name, o]) => [name, o.data]).sort());
const lastState = (m: Mirror) => m.states.at(-1)?.state;

describe('startWatch', () => {
	it('lists every page, then follows additions, changes and deletions', async () => {
		const api = await widgets();
		for (let i = 0; i < 7; i++) api.set(`w${i}`, i);
		const client = clientFor(api);
		const {m} = mirror(client, api, {pageSize: 3});
		await waitFor(() => lastState(m) === 'ok', 10_000, 'state ok');
		expect(m.states.map((s) => s.state)).toEqual(['connecting', 'ok']);
		expect(view(m.objects)).toEqual(truth(api));
		// List items get back the kind and apiVersion the server leaves out.
		expect(m.objects.get('w0')).toMatchObject({kind: 'Widget', apiVersion: 'test.example.com/v1'});
		await waitFor(() => api.streams.size === 1, 10_000, 'watch open');
		api.set('w1', 'changed');
		api.set('new', 'x');
		api.remove('w2');
		await waitFor(() => m.events === 3, 10_000, 'three events');
		expect(view(m.objects)).toEqual(truth(api));
		expect(m.resets).toBe(1);
	});

	it('follows bookmarks and resumes from the last resourceVersion when a stream ends, without relisting', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api);
		const {m, handle} = mirror(client, api);
		await waitFor(() => api.streams.size === 1, 10_000, 'watch open');
		api.rv += 5; // other resources changed: only a bookmark tells the watcher
		api.bookmark();
		await waitFor(() => handle.resourceVersion === String(api.rv), 10_000, 'bookmark applied');
		api.endStreams();
		await waitFor(() => api.watches === 2 && api.streams.size === 1, 10_000, 'watch resumed');
		api.set('b', 2);
		await waitFor(() => m.objects.has('b'), 10_000, 'event after resume');
		expect(api.lists).toBe(1);
		expect(m.resets).toBe(1);
		expect(view(m.objects)).toEqual(truth(api));
	});

	it('takes a bookmark in any JSON form, and still fails a stream on a line that is not JSON', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api);
		const {m, handle} = mirror(client, api, {backoff: {initialMs: 50, maxMs: 50}});
		await waitFor(() => api.streams.size === 1, 10_000, 'watch open');
		// kube-apiserver's own form (Go's field order, creationTimestamp null).
		api.rv += 3;
		api.writeLine(`{"type":"BOOKMARK","object":{"kind":"Widget","apiVersion":"test.example.com/v1","metadata":{"resourceVersion":"${api.rv}","creationTimestamp":null}}}`);
		await waitFor(() => handle.resourceVersion === String(api.rv), 10_000, 'bookmark in the server\'s form');
		// Another encoder's spacing and order: parsed as any event.
		api.rv += 3;
		api.writeLine(`{ "object": {"metadata": {"resourceVersion": "${api.rv}"}}, "type": "BOOKMARK" }`);
		await waitFor(() => handle.resourceVersion === String(api.rv), 10_000, 'bookmark in another form');
		expect(m.events).toBe(0);
		expect(api.lists).toBe(1);
		// A line cut short looks like a bookmark at its start: it is still an error, and the watch starts over.
		api.writeLine('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"99"');
		await waitFor(() => m.states.some((s) => s.state === 'unreachable' && /not JSON/.test(s.error ?? '')), 10_000, 'the broken line reported');
		await waitFor(() => lastState(m) === 'ok' && api.lists === 2 && api.streams.size === 1, 10_000, 'relisted and watching again');
		expect(handle.resourceVersion).toBe(String(api.rv));
	});

	it('relists at once on 410 Gone and misses no change made meanwhile', async () => {
		const api = await widgets();
		api.set('a', 1);
		api.set('b', 1);
		const client = clientFor(api);
		const {m} = mirror(client, api, {backoff: {initialMs: 60_000, maxMs: 60_000}});
		await waitFor(() => api.streams.size === 1, 10_000, 'watch open');
		api.silent = true; // changes the open stream will never deliver
		api.set('a', 2);
		api.remove('b');
		api.set('c', 3);
		api.expire();
		api.silent = false;
		// With a one-minute backoff, only an immediate relist can bring the mirror up to date in time.
		await waitFor(() => m.resets === 2, 10_000, 'relist');
		expect(view(m.objects)).toEqual(truth(api));
		expect(m.states.map((s) => s.state)).toEqual(['connecting', 'ok']);
		await waitFor(() => api.streams.size === 1, 10_000, 'watch reopened');
		api.set('d', 4);
		await waitFor(() => m.objects.has('d'), 10_000, 'event after relist');
	});

	it('restarts a stream that went silent, without losing what it missed', async () => {
		const api = await widgets();
		const client = clientFor(api);
		const {m} = mirror(client, api, {watchdogMs: 300});
		await waitFor(() => api.streams.size === 1, 10_000, 'watch open');
		api.silent = true;
		api.set('missed', 1);
		api.silent = false;
		await waitFor(() => m.objects.has('missed'), 10_000, 'the missed change');
		expect(api.watches).toBeGreaterThanOrEqual(2);
		expect(view(m.objects)).toEqual(truth(api));
	});

	it('wake() restarts an open stream at once, from its resourceVersion, without a relist', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api);
		// The watchdog would take a minute: only wake() can restart the stream within this test.
		const {m, handle} = mirror(client, api, {watchdogMs: 60_000});
		await waitFor(() => lastState(m) === 'ok' && api.streams.size === 1, 10_000, 'watching');
		const lists = api.lists;
		api.silent = true;
		api.set('missed', 2);
		api.silent = false;
		handle.wake();
		await waitFor(() => m.objects.has('missed'), 10_000, 'the missed change, from the resumed stream');
		expect(api.watches).toBe(2);
		expect(api.lists).toBe(lists);
		expect(view(m.objects)).toEqual(truth(api));
	});

	it('wake() cuts a backoff pause short', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api);
		// Pauses of 30-60 s after an error: without wake() the loop would not try again within this test.
		const {m, handle} = mirror(client, api, {backoff: {initialMs: 60_000, maxMs: 60_000}});
		await waitFor(() => lastState(m) === 'ok' && api.streams.size === 1, 10_000, 'watching');
		await api.down();
		await waitFor(() => lastState(m) === 'unreachable', 10_000, 'unreachable');
		await api.up();
		api.set('b', 2);
		handle.wake();
		await waitFor(() => lastState(m) === 'ok' && m.objects.has('b'), 10_000, 'ok again');
		expect(view(m.objects)).toEqual(truth(api));
	});

	it('reports a hung server as unreachable, then ok again with the server\'s state', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api, 300);
		const {m} = mirror(client, api, {watchdogMs: 300});
		await waitFor(() => lastState(m) === 'ok' && api.streams.size === 1, 10_000, 'watching');
		api.hang = true;
		api.set('a', 2);
		const down = await waitFor(() => m.states.find((s) => s.state === 'unreachable'), 10_000, 'unreachable');
		expect(down.error).toMatch(/^no answer within 300ms \(GET \/apis\/test\.example\.com\/v1\/widgets\)$/);
		api.hang = false;
		await waitFor(() => lastState(m) === 'ok', 10_000, 'ok again');
		expect(view(m.objects)).toEqual(truth(api));
	});

	it('reports a refused connection with the socket error and recovers when the server is back', async () => {
		const api = await widgets();
		api.set('a', 1);
		const client = clientFor(api);
		const {m} = mirror(client, api);
		await waitFor(() => api.streams.size === 1, 10_000, 'watching');
		const port = api.server.port;
		await api.down();
		api.set('b', 2);
		api.remove('a');
		const down = await waitFor(() => m.states.find((s) => s.state === 'unreachable' && s.error?.includes('ECONNREFUSED')), 10_000, 'unreachable');
		expect(down.error).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
		// onState fires on changes only: retries that fail the same way add no state.
		const count = m.states.length;
		await new Promise((resolve) => setTimeout(resolve, 600));
		expect(m.states.length).toBe(count);
		await api.up();
		await waitFor(() => lastState(m) === 'ok', 10_000, 'ok again');
		expect(view(m.objects)).toEqual(truth(api));
		expect(view(m.objects)).toEqual({b: 2});
	});

	it('treats a resource that is not served as an empty list and picks it up once installed', async () => {
		const api = await widgets();
		api.absent = true;
		const client = clientFor(api);
		const {m} = mirror(client, api);
		await waitFor(() => m.absents === 1, 10_000, 'absent');
		expect(m.objects.size).toBe(0);
		expect(lastState(m)).toBe('ok');
		api.set('late', 1);
		api.absent = false;
		await waitFor(() => m.objects.has('late'), 10_000, 'picked up after install');
		expect(m.absents).toBe(1);
	});

	it('reports forbidden with the verb and resource', async () => {
		const api = await widgets();
		const client = clientFor(api);
		api.server.setHandler((_req, res) => {
			res.writeHead(403, {'Content-Type': 'application/json'});
			res.end(JSON.stringify({kind: 'Status', code: 403, reason: 'Forbidden', message: 'widgets.test.example.com is forbidden: User "bob" cannot list resource "widgets" in API group "test.example.com" at the cluster scope'}));
		});
		const {m} = mirror(client, api);
		const state = await waitFor(() => m.states.find((s) => s.state === 'forbidden'), 10_000, 'forbidden');
		expect(state).toMatchObject({verb: 'list', resource: 'widgets.test.example.com'});
		expect(state.error).toContain('User "bob" cannot list');
	});

	it('reports an exec plugin that cannot run as unauthorized, naming the command', async () => {
		// HTTPS: no plugin runs for an http:// server (its credential would not be sent).
		const api = await widgets({tls: true});
		const exec = 'exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: gke-gcloud-auth-plugin-missing-here';
		const {file} = writeKubeconfig(kubeconfigFor([{name: 'gke', server: api.server.url, extraUser: exec}]));
		const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 2000}).get('gke')!;
		cleanups.push(() => client.close());
		const {m} = mirror(client, api);
		const state = await waitFor(() => m.states.find((s) => s.state === 'unauthorized'), 10_000, 'unauthorized');
		expect(state.error).toBe('exec plugin "gke-gcloud-auth-plugin-missing-here" not found on PATH (context gke); install it or fix users[].user.exec.command in the kubeconfig');
		expect(api.server.requests).toHaveLength(0);
	});

	it('calls nothing after stop() and closes its stream', async () => {
		const api = await widgets();
		const client = clientFor(api);
		const {m, handle} = mirror(client, api);
		await waitFor(() => api.streams.size === 1, 10_000, 'watching');
		handle.stop();
		const before = {...m, states: m.states.length};
		api.set('after-stop', 1);
		api.expire();
		await waitFor(() => api.streams.size === 0, 10_000, 'stream closed');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(m.events).toBe(before.events);
		expect(m.resets).toBe(before.resets);
		expect(m.states.length).toBe(before.states);
		expect(api.lists).toBe(1);
	});

	it('stop() during a backoff pause ends the loop: no more requests once the server is back', async () => {
		const api = await widgets();
		const client = clientFor(api);
		const {m, handle} = mirror(client, api, {backoff: {initialMs: 400, maxMs: 400}});
		await waitFor(() => lastState(m) === 'ok' && api.streams.size === 1, 10_000, 'watching');
		await api.down();
		await waitFor(() => lastState(m) === 'unreachable', 10_000, 'unreachable');
		handle.stop();
		const states = m.states.length;
		await api.up();
		const requests = api.server.requests.length;
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(api.server.requests.length).toBe(requests);
		expect(m.states.length).toBe(states);
	});

	it('stop() while waiting to list or open leaves the queue without asking anything', async () => {
		setWatchStartConcurrency(1);
		cleanups.push(() => setWatchStartConcurrency(32));
		const api = await widgets();
		api.hang = true;
		const client = clientFor(api, 60_000);
		mirror(client, api);
		await waitFor(() => api.server.requests.length === 1, 10_000, 'the first watch\'s list, hung');
		const second = mirror(client, api);
		await new Promise((resolve) => setTimeout(resolve, 100));
		second.handle.stop();
		api.hang = false;
		// The hung list holds the only slot until its timeout: cut it short by restarting the server.
		await api.down();
		await api.up();
		await waitFor(() => api.streams.size === 1, 10_000, 'the first watch watching');
		await new Promise((resolve) => setTimeout(resolve, 300));
		// The restarted server saw the first watch's list and watch, and nothing of the stopped one.
		expect(api.server.requests.map((r) => (r.url.includes('watch=') ? 'watch' : 'list'))).toEqual(['list', 'watch']);
		expect(second.m.states.map((s) => s.state)).toEqual(['connecting']);
	});

	it('stop() during a list cuts its request at once: the start slot it held is free for the next watch', async () => {
		setWatchStartConcurrency(1);
		cleanups.push(() => setWatchStartConcurrency(32));
		const api = await widgets();
		api.set('a', 1);
		api.hang = true;
		// A request timeout far beyond the test's: only the cut can free the slot in time.
		const client = clientFor(api, 60_000);
		const first = mirror(client, api);
		await waitFor(() => api.server.requests.length === 1, 10_000, 'the first watch\'s list, hung');
		first.handle.stop();
		api.hang = false;
		const second = mirror(client, api);
		await waitFor(() => lastState(second.m) === 'ok' && api.streams.size === 1, 10_000, 'the second watch watching');
		expect(view(second.m.objects)).toEqual(truth(api));
		// The stopped watch heard nothing of its cut list.
		expect(first.m.states.map((s) => s.state)).toEqual(['connecting']);
		expect(first.m.resets).toBe(0);
	});

	it('delivers not one more event once stop() is called, even from the same chunk', async () => {
		const api = await widgets();
		const client = clientFor(api);
		const seen: string[] = [];
		const handle = startWatch<Watched>(client, {
			path: api.path,
			handlers: {
				onReset: () => undefined,
				onEvent: (_type, object) => {
					seen.push(object.metadata.name);
					handle.stop();
				},
				onState: () => undefined,
			},
		});
		cleanups.push(() => handle.stop());
		await waitFor(() => api.streams.size === 1, 10_000, 'watching');
		const event = (name: string, rv: number) => JSON.stringify({type: 'ADDED', object: {metadata: {name, resourceVersion: String(rv)}}});
		// Two events in one write: one chunk.
		api.writeLine(`${event('first', 50)}\n${event('second', 51)}`);
		await waitFor(() => api.streams.size === 0, 10_000, 'stream closed');
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(seen).toEqual(['first']);
	});

	it('winds down when its client is closed', async () => {
		const api = await widgets();
		const client = clientFor(api);
		mirror(client, api);
		await waitFor(() => api.streams.size === 1, 10_000, 'watching');
		client.close();
		await waitFor(() => api.streams.size === 0, 10_000, 'stream closed');
		const requests = api.server.requests.length;
		await new Promise((resolve) => setTimeout(resolve, 800));
		expect(api.server.requests.length).toBe(requests);
	});

	it('holds one stream and one connection at most besides, per watch', async () => {
		const api = await widgets();
		const client = clientFor(api);
		mirror(client, api, {watchdogMs: 200});
		await waitFor(() => api.watches >= 4, 10_000, 'several watch restarts');
		expect(api.server.openConnections()).toBeLessThanOrEqual(2);
	});
});

describe('starting many watches at once', () => {
	afterEach(() => setWatchStartConcurrency(32));

	it('lets only a few list at the same time, and the rest wait without timing out', async () => {
		const api = await widgets();
		api.set('a', 1);
		let inFlight = 0;
		let most = 0;
		api.server.setHandler((req, res) => {
			inFlight++;
			most = Math.max(most, inFlight);
			// Slower than the request timeout would allow if waiting at the gate counted.
			setTimeout(() => {
				inFlight--;
				api.handle(req, res);
			}, 150);
		});
		setWatchStartConcurrency(3);
		const client = clientFor(api, 1000);
		const mirrors = Array.from({length: 12}, () => mirror(client, api).m);
		await waitFor(() => mirrors.every((m) => lastState(m) === 'ok'), 20_000, 'all listed');
		expect(most).toBeLessThanOrEqual(3);
		expect(mirrors.every((m) => m.states.every((s) => s.state !== 'unreachable'))).toBe(true);
	});
});

describe('jitteredDelay', () => {
	it('doubles from the initial delay up to the cap, with half of it random', () => {
		const b = {initialMs: 500, maxMs: 15_000};
		expect(jitteredDelay(0, b, () => 0)).toBe(250);
		expect(jitteredDelay(0, b, () => 1)).toBe(500);
		expect(jitteredDelay(3, b, () => 1)).toBe(4000);
		expect(jitteredDelay(10, b, () => 1)).toBe(15_000);
		expect(jitteredDelay(100, b, () => 0)).toBe(7500);
	});
});
