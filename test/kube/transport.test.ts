// One connection per cluster: every list and watch of a context multiplexed on one HTTP/2 session,
// HTTP/1.1 keep-alive against a server without h2, timeouts, aborts and dead connections handled.
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import {startWatch, type WatchState} from '../../source/kube/watch.js';
import {rejection, waitFor} from './fake-api.js';
import {simTestBed} from './sim-test-bed.js';

const {cleanups, cluster, clientFor, relay} = simTestBed('transport', {requestTimeoutMs: 5000});

const configmaps = '/api/v1/namespaces/default/configmaps';

function createConfigMap(client: ClusterClient, name: string) {
	return client.request({method: 'POST', path: configmaps, body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}}});
}

/** Watches configmaps; the names seen (ADDED) and the last state. */
function watchConfigMaps(client: ClusterClient, watchdogMs?: number) {
	const seen: string[] = [];
	const states: WatchState['state'][] = [];
	const handle = startWatch<{metadata: {name: string}}>(client, {
		path: configmaps,
		watchdogMs,
		backoff: {initialMs: 50, maxMs: 200},
		handlers: {
			onReset: (items) => seen.push(...items.map((i) => i.metadata.name)),
			onEvent: (type, object) => {
				if (type === 'ADDED') seen.push(object.metadata.name);
			},
			onState: (state) => states.push(state.state),
		},
	});
	cleanups.push(() => handle.stop());
	return {seen, states, handle};
}

describe('one connection per cluster', () => {
	it('multiplexes parallel lists, gets and watches of a cluster on one HTTP/2 connection', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		const watches = [watchConfigMaps(client), watchConfigMaps(client), watchConfigMaps(client)];
		await Promise.all(Array.from({length: 30}, (_, i) => (i % 2 ? client.request({path: configmaps}) : client.request({path: '/api/v1/namespaces/default'}))));
		await createConfigMap(client, 'one');
		for (const w of watches) await waitFor(() => w.seen.includes('one'), 10_000, 'every watch sees the new object');
		expect(client.protocol).toBe('h2');
		expect(c.server.connections).toEqual({accepted: 1, h2: 1, http1: 0, resumed: 0});
	});

	it('takes every connection from the socket factory (the proxy hook): once per cluster with h2', async () => {
		const c = await cluster();
		const targets: string[] = [];
		const client = clientFor(c.server.url, c.tokens.adminToken, {
			createConnection: async (target) => {
				targets.push(`${target.host}:${target.port}`);
				return net.connect(target.port, target.host);
			},
		});
		await Promise.all(Array.from({length: 10}, () => client.request({path: configmaps})));
		expect(targets).toEqual([`127.0.0.1:${c.server.port}`]);
		expect(c.server.connections.h2).toBe(1);
	});

	it('falls back to HTTP/1.1 keep-alive where the server does not offer h2, reusing the first socket', async () => {
		const c = await cluster({http2: false});
		const client = clientFor(c.server.url, c.tokens.adminToken, {maxSockets: 4});
		await client.request({path: configmaps});
		expect(client.protocol).toBe('http/1.1');
		expect(c.server.connections).toEqual({accepted: 1, h2: 0, http1: 1, resumed: 0});
		const w = watchConfigMaps(client);
		await waitFor(() => w.states.includes('ok'), 10_000, 'watching');
		await Promise.all(Array.from({length: 20}, () => client.request({path: configmaps})));
		await createConfigMap(client, 'over-http1');
		await waitFor(() => w.seen.includes('over-http1'), 10_000, 'the watch sees the new object');
		// The watch holds one socket; the 20 parallel requests share at most the other three.
		expect(c.server.connections.accepted).toBeLessThanOrEqual(4);
		expect(c.server.connections.h2).toBe(0);
	});

	it('releaseIdle lets go of the connection once no request holds it: a request under way still gets its answer, the next one connects again', async () => {
		const turn = () => new Promise(resolve => setImmediate(resolve));
		for (const http2 of [false, true]) {
			const c = await cluster();
			const client = clientFor(c.server.url, c.tokens.adminToken, {http2});
			await client.request({path: configmaps});
			const under = client.request<{kind: string}>({path: configmaps});
			// Sent by the next turn of the event loop (its credentials are prepared first).
			await turn();
			client.releaseIdle!();
			expect((await under).kind).toBe('ConfigMapList');
			await turn();
			expect((await client.request<{kind: string}>({path: configmaps})).kind).toBe('ConfigMapList');
			expect(c.server.connections).toMatchObject({accepted: 2, [http2 ? 'h2' : 'http1']: 2});
		}
	});

	it('times out and aborts single requests over HTTP/2 without losing the connection', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		await client.request({path: configmaps});
		c.server.hang();
		const timedOut = await rejection(client.request({path: configmaps, timeoutMs: 200}));
		expect(timedOut.kind).toBe('timeout');
		const controller = new AbortController();
		const pending = client.request({path: configmaps, signal: controller.signal});
		controller.abort();
		expect((await rejection(pending)).kind).toBe('aborted');
		await c.server.up();
		expect((await client.request<{kind: string}>({path: configmaps})).kind).toBe('ConfigMapList');
		// A hung server still answers PINGs: the session stays, and everything went over it.
		expect(c.server.connections).toEqual({accepted: 1, h2: 1, http1: 0, resumed: 0});
	});

	it('keeps watches across a server restart: the session is replaced and the watch resumes', async () => {
		const c = await cluster();
		const client = clientFor(c.server.url, c.tokens.adminToken);
		const w = watchConfigMaps(client);
		await waitFor(() => w.states.includes('ok'), 10_000, 'watching');
		await c.server.down();
		await waitFor(() => w.states.at(-1) === 'unreachable', 10_000, 'unreachable while down');
		await c.server.up();
		await waitFor(() => w.states.at(-1) === 'ok', 10_000, 'ok again');
		await createConfigMap(client, 'after-restart');
		await waitFor(() => w.seen.includes('after-restart'), 10_000, 'the watch sees objects made after the restart');
		expect(c.server.connections.h2).toBe(2);
	});

	it('drops a connection that stops answering: a timed-out request sends a PING, and the watches on it fail at once', async () => {
		const c = await cluster();
		const path = await relay(c.server.port);
		const client = clientFor(path.url, c.tokens.adminToken, {pingTimeoutMs: 300});
		// A watchdog far longer than the test: only the dropped session can end this stream.
		const w = watchConfigMaps(client, 600_000);
		await waitFor(() => w.states.includes('ok'), 10_000, 'watching');
		path.partition();
		expect((await rejection(client.request({path: configmaps, timeoutMs: 200}))).kind).toBe('timeout');
		await waitFor(() => w.states.at(-1) === 'unreachable', 10_000, 'the watch reports the dead connection');
	});

	it('fails with unreachable, naming the cause, when nothing listens', async () => {
		const c = await cluster();
		const url = c.server.url;
		await c.server.down();
		const client = clientFor(url, c.tokens.adminToken);
		const error = await rejection(client.request({path: configmaps}));
		expect(error.kind).toBe('unreachable');
		expect(error.message).toContain('ECONNREFUSED');
	});
});
