import fs from 'node:fs';
import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {createClients, lineSplitter, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {KubeError} from '../../source/kube/errors.js';
import {kubeconfigFor, sendJson, startServer, status, waitFor, writeKubeconfig, type TestServer, rejection} from './fake-api.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: Parameters<typeof startServer>[0], options: {tls?: boolean} = {}): Promise<TestServer> {
	const s = await startServer(handler, 0, options);
	cleanups.push(() => s.close());
	return s;
}

function clientsFor(entries: Array<{name: string; server: string; token?: string}>, requestTimeoutMs = 5000): Map<string, ClusterClient> {
	const {file} = writeKubeconfig(kubeconfigFor(entries));
	const clients = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs});
	cleanups.push(() => clients.forEach((c) => c.close()));
	return clients;
}

/** A port with nothing listening on it. */
async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const port = (probe.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

describe('ClusterClient requests', () => {
	it('sends the query, JSON body and content type, and parses the JSON answer', async () => {
		const s = await server((_req, res, body) => sendJson(res, 201, {echo: body}));
		const client = clientsFor([{name: 'a', server: s.url, token: 't'}]).get('a')!;
		const answer = await client.request({method: 'POST', path: '/api/v1/namespaces/x/configmaps', query: {dryRun: 'All', skip: undefined, limit: 5}, body: {a: 1}});
		expect(answer).toEqual({echo: '{"a":1}'});
		expect(s.requests[0]!.url).toBe('/api/v1/namespaces/x/configmaps?dryRun=All&limit=5');
		expect(s.requests[0]!.headers['content-type']).toBe('application/json');
		await client.request({method: 'PATCH', path: '/api/v1/namespaces/x/configmaps/y', body: {b: 2}});
		expect(s.requests[1]!.headers['content-type']).toBe('application/merge-patch+json');
		await client.request({method: 'PATCH', path: '/api/v1/namespaces/x/configmaps/y', body: 'raw', contentType: 'application/apply-patch+yaml'});
		expect(s.requests[2]!.headers['content-type']).toBe('application/apply-patch+yaml');
		expect(s.requests[2]!.body).toBe('raw');
	});

	it('gives up on a server that never answers, saying how long and what', async () => {
		const s = await server(() => undefined);
		const client = clientsFor([{name: 'a', server: s.url}], 300).get('a')!;
		const error = await rejection(client.request({path: '/apis/operator.tigera.io/v1/tigerastatuses'}));
		expect(error.kind).toBe('timeout');
		expect(error.message).toBe('no answer within 300ms (GET /apis/operator.tigera.io/v1/tigerastatuses)');
		expect(error.context).toBe('a');
		// The per-request timeout overrides the default.
		const slow = await rejection(client.request({path: '/api/v1/nodes', timeoutMs: 150}));
		expect(slow.message).toContain('no answer within 150ms');
	});

	it('reports a refused connection as unreachable with the socket error', async () => {
		const port = await freePort();
		const client = clientsFor([{name: 'a', server: `http://127.0.0.1:${port}`}]).get('a')!;
		const error = await rejection(client.request({path: '/api/v1/nodes'}));
		expect(error.kind).toBe('unreachable');
		expect(error.message).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
	});

	it('stops at once when the caller aborts', async () => {
		const s = await server(() => undefined);
		const client = clientsFor([{name: 'a', server: s.url}], 10_000).get('a')!;
		const controller = new AbortController();
		const pending = rejection(client.request({path: '/api/v1/nodes', signal: controller.signal}));
		setTimeout(() => controller.abort(), 50);
		const started = Date.now();
		const error = await pending;
		expect(error.kind).toBe('aborted');
		expect(Date.now() - started).toBeLessThan(5000);
		const already = await rejection(client.request({path: '/api/v1/nodes', signal: controller.signal}));
		expect(already.kind).toBe('aborted');
	});

	it('maps HTTP statuses to kinds and keeps the server message', async () => {
		const answers: Record<string, [number, unknown]> = {
			'/r401': [401, status(401, 'Unauthorized', 'Unauthorized')],
			'/r404': [404, status(404, 'NotFound', 'managedclusters.projectcalico.org "x" not found')],
			'/r409': [409, status(409, 'AlreadyExists', 'managedclusters.projectcalico.org "x" already exists')],
			'/r410': [410, status(410, 'Expired', 'too old resource version')],
			'/r422': [422, status(422, 'Invalid', 'spec.address: Required value')],
			'/r400': [400, status(400, 'BadRequest', 'bad')],
			'/r500': [500, status(500, 'InternalError', 'etcd is down')],
			'/r502': [502, 'Bad Gateway'],
		};
		// HTTPS: the 401 is about credentials that were sent.
		const s = await server((req, res) => {
			const [code, body] = answers[req.url!]!;
			if (typeof body === 'string') {
				res.writeHead(code, {'Content-Type': 'text/plain'});
				res.end(body);
			} else sendJson(res, code, body);
		}, {tls: true});
		const client = clientsFor([{name: 'a', server: s.url, token: 't'}]).get('a')!;
		const kinds: Record<string, string> = {};
		for (const path of Object.keys(answers)) kinds[path] = (await rejection(client.request({path}))).kind;
		expect(kinds).toEqual({'/r401': 'unauthorized', '/r404': 'not-found', '/r409': 'conflict', '/r410': 'gone', '/r422': 'invalid', '/r400': 'invalid', '/r500': 'server', '/r502': 'server'});
		const conflict = await rejection(client.request({path: '/r409'}));
		expect(conflict.message).toBe('managedclusters.projectcalico.org "x" already exists');
		expect(conflict.reason).toBe('AlreadyExists');
		expect(conflict.status).toBe(409);
		expect((await rejection(client.request({path: '/r502'}))).message).toContain('Bad Gateway (HTTP 502');
		expect((await rejection(client.request({path: '/r401'}))).message).toContain('the server refused the credentials of user "a-user"');
	});

	it('names the verb and resource of a 403, from the server message or else the request', async () => {
		const s = await server((req, res) => {
			if (req.url!.startsWith('/apis/operator.tigera.io')) {
				sendJson(res, 403, status(403, 'Forbidden', 'tigerastatuses.operator.tigera.io is forbidden: User "bob" cannot list resource "tigerastatuses" in API group "operator.tigera.io" at the cluster scope'));
			} else sendJson(res, 403, status(403, 'Forbidden', 'no'));
		});
		const client = clientsFor([{name: 'a', server: s.url, token: 't'}]).get('a')!;
		const parsed = await rejection(client.request({path: '/apis/operator.tigera.io/v1/tigerastatuses'}));
		expect(parsed).toMatchObject({kind: 'forbidden', verb: 'list', resource: 'tigerastatuses.operator.tigera.io', status: 403});
		expect(parsed.message).toContain('User "bob" cannot list');
		const derived = await rejection(client.request({method: 'DELETE', path: '/apis/projectcalico.org/v3/managedclusters/x'}));
		expect(derived).toMatchObject({kind: 'forbidden', verb: 'delete', resource: 'managedclusters.projectcalico.org'});
		const core = await rejection(client.request({method: 'POST', path: '/api/v1/namespaces/ns/serviceaccounts/sa/token', body: {}}));
		expect(core).toMatchObject({verb: 'create', resource: 'serviceaccounts/token'});
	});

	it('reuses one keep-alive connection for sequential requests', async () => {
		const s = await server((_req, res) => sendJson(res, 200, {ok: true}));
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		for (let i = 0; i < 20; i++) await client.request({path: '/api/v1/nodes'});
		expect(s.requests).toHaveLength(20);
		expect(s.connections()).toBe(1);
	});

	it('bounds the connections of many parallel requests', async () => {
		const s = await server((_req, res) => setTimeout(() => sendJson(res, 200, {ok: true}), 30));
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		await Promise.all(Array.from({length: 40}, () => client.request({path: '/api/v1/nodes'})));
		expect(s.connections()).toBeLessThanOrEqual(8);
	});

	it('never sends one context\'s token to another context\'s server', async () => {
		const one = await server((_req, res) => sendJson(res, 200, {}), {tls: true});
		const two = await server((_req, res) => sendJson(res, 200, {}), {tls: true});
		const clients = clientsFor([
			{name: 'one', server: one.url, token: 'token-one'},
			{name: 'two', server: two.url, token: 'token-two'},
		]);
		await Promise.all(
			Array.from({length: 10}, (_, i) => clients.get(i % 2 ? 'two' : 'one')!.request({path: '/api/v1/namespaces'})),
		);
		expect(new Set(one.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer token-one']));
		expect(new Set(two.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer token-two']));
	});

	it('sends a rotated token file\'s new token after the old one is refused, and keeps sending it', async () => {
		const {dir} = writeKubeconfig('');
		const tokenFile = `${dir}/token`;
		fs.writeFileSync(tokenFile, 'first-token\n');
		const s = await server((req, res) => (req.headers.authorization === 'Bearer second-token' ? sendJson(res, 200, {}) : sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'))), {tls: true});
		const {file} = writeKubeconfig(kubeconfigFor([{name: 'rot', server: s.url, extraUser: `tokenFile: ${tokenFile}`}]));
		const clients = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000});
		cleanups.push(() => clients.forEach((c) => c.close()));
		const client = clients.get('rot')!;
		expect((await rejection(client.request({path: '/api/v1/namespaces'}))).kind).toBe('unauthorized');
		fs.writeFileSync(tokenFile, 'second-token\n');
		// Within the minute the file is not read again: the 401 makes the client read it, and retry.
		await client.request({path: '/api/v1/namespaces'});
		await client.request({path: '/api/v1/pods'});
		expect(s.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first-token', 'Bearer first-token', 'Bearer first-token', 'Bearer second-token', 'Bearer second-token']);
	});

	it('retries a GET once when the server dropped an idle keep-alive connection', async () => {
		// Each socket answers its first request and drops the next one: what a server that closed an
		// idle connection looks like to the client that just sent on it.
		const served = new WeakMap<object, number>();
		const s = await server((req, res) => {
			const count = (served.get(req.socket) ?? 0) + 1;
			served.set(req.socket, count);
			if (count > 1) req.socket.destroy();
			else sendJson(res, 200, {ok: true});
		});
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		await client.request({path: '/api/v1/nodes'});
		expect(await client.request({path: '/api/v1/nodes'})).toEqual({ok: true});
		expect(s.connections()).toBe(2);
		// Not for a write: the server may have acted on it.
		const error = await rejection(client.request({method: 'POST', path: '/api/v1/namespaces', body: {}}));
		expect(error.kind).toBe('unreachable');
	});

	it('fails every request after close()', async () => {
		const s = await server((_req, res) => sendJson(res, 200, {}));
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		client.close();
		expect((await rejection(client.request({path: '/api/v1/nodes'}))).kind).toBe('aborted');
	});
});

describe('ClusterClient streams', () => {
	it('splits chunks into lines however they are cut: whole lines, halves, CRLF, blank lines, a last line without newline', () => {
		const lines: string[] = [];
		const feed = lineSplitter((line) => lines.push(line));
		feed('{"type":"BOOKMARK"}\n', false);
		feed('{"a":', false);
		feed('1}\r\n\r\n  \n{"b":2}\n{"c"', false);
		feed(':3}\r\n', false);
		feed(' \t', false);
		feed('{"d":4}', true);
		expect(lines).toEqual(['{"type":"BOOKMARK"}', '{"a":1}', '{"b":2}', '{"c":3}', ' \t{"d":4}']);
		const blankEnd: string[] = [];
		const end = lineSplitter((line) => blankEnd.push(line));
		end('{"e":5}\n \r', false);
		end('', true);
		expect(blankEnd).toEqual(['{"e":5}']);
	});

	it('delivers lines as they arrive, across chunk boundaries, and resolves when the server ends', async () => {
		const s = await server((_req, res) => {
			res.writeHead(200, {'Content-Type': 'application/json'});
			res.write('{"n":1}\n{"n"');
			setTimeout(() => res.write(':2}\n\n'), 20);
			setTimeout(() => res.end('{"n":3}'), 40);
		});
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		const lines: string[] = [];
		await client.stream({path: '/apis/x/v1/y', query: {watch: 1}, onLine: (line) => lines.push(line)});
		expect(lines).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
	});

	it('has no total timeout once the headers are in, only the caller\'s abort', async () => {
		const s = await server((_req, res) => {
			res.writeHead(200, {'Content-Type': 'application/json'});
			res.write('{"n":1}\n');
			setTimeout(() => res.end('{"n":2}\n'), 600);
		});
		const client = clientsFor([{name: 'a', server: s.url}], 200).get('a')!;
		const lines: string[] = [];
		await client.stream({path: '/s', onLine: (line) => lines.push(line)});
		expect(lines).toHaveLength(2);

		const hold = await server((_req, res) => res.writeHead(200).flushHeaders());
		const holder = clientsFor([{name: 'h', server: hold.url}], 200).get('h')!;
		const controller = new AbortController();
		const pending = rejection(holder.stream({path: '/s', signal: controller.signal, onLine: () => undefined}));
		setTimeout(() => controller.abort(), 500);
		expect((await pending).kind).toBe('aborted');
	});

	it('times out a stream whose headers never come', async () => {
		const s = await server(() => undefined);
		const client = clientsFor([{name: 'a', server: s.url}], 200).get('a')!;
		const error = await rejection(client.stream({path: '/apis/x/v1/y', onLine: () => undefined}));
		expect(error.kind).toBe('timeout');
	});

	it('openStream hands the end to onEnd after it returns, and its cut ends the stream as an abort', async () => {
		const s = await server((_req, res) => {
			res.writeHead(200, {'Content-Type': 'application/json'});
			res.write('{"n":1}\n');
			setTimeout(() => res.end('{"n":2}\n'), 30);
		});
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		const lines: string[] = [];
		let ended: {error?: unknown} | undefined;
		client.openStream({path: '/s', onLine: (line) => lines.push(line), onEnd: (error) => (ended = {error})});
		await waitFor(() => ended, 5000, 'the end');
		expect(ended!.error).toBeUndefined();
		expect(lines).toEqual(['{"n":1}', '{"n":2}']);

		const hold = await server((_req, res) => {
			res.writeHead(200).flushHeaders();
			res.write('{"n":1}\n');
		});
		const holder = clientsFor([{name: 'h', server: hold.url}], 200).get('h')!;
		let cutEnd: {error?: unknown} | undefined;
		const held: string[] = [];
		const cut = holder.openStream({path: '/s', onLine: (line) => held.push(line), onEnd: (error) => (cutEnd = {error})});
		await waitFor(() => held.length === 1, 5000, 'the first line');
		// Past the request timeout (200 ms): an open stream has none.
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(cutEnd).toBeUndefined();
		cut();
		// Never inside the cut itself: the caller decides what to do next once it has returned.
		expect(cutEnd).toBeUndefined();
		await waitFor(() => cutEnd, 5000, 'the end after the cut');
		expect((cutEnd!.error as KubeError).kind).toBe('aborted');
	});

	it('openStream with a reader: opened when the headers come, then its lines however the chunks cut them, then the end', async () => {
		const s = await server((_req, res) => {
			res.writeHead(200, {'Content-Type': 'application/json'}).flushHeaders();
			setTimeout(() => res.write('{"n":1}\r\n{"n"'), 20);
			setTimeout(() => res.write(':2}\n\n{"n":3'), 40);
			setTimeout(() => res.end('}'), 60);
		});
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		const seen: string[] = [];
		let ended: {error?: unknown} | undefined;
		client.openStream({
			path: '/s',
			reader: {opened: () => seen.push('opened'), line: (line) => seen.push(line), ended: (error) => (ended = {error})},
		});
		await waitFor(() => ended, 5000, 'the end');
		expect(ended!.error).toBeUndefined();
		expect(seen).toEqual(['opened', '{"n":1}', '{"n":2}', '{"n":3}']);
	});

	it('openStream on a closed client ends with kind aborted, after it returns', async () => {
		const s = await server(() => undefined);
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		client.close();
		let ended: {error?: unknown} | undefined;
		client.openStream({path: '/s', onLine: () => undefined, onEnd: (error) => (ended = {error})});
		expect(ended).toBeUndefined();
		await waitFor(() => ended, 5000, 'the end');
		expect((ended!.error as KubeError).kind).toBe('aborted');
		expect(s.requests).toHaveLength(0);
	});

	it('rejects as unreachable when the server drops the stream', async () => {
		const s = await server((req, res) => {
			res.writeHead(200, {'Content-Type': 'application/json'});
			res.write('{"n":1}\n');
			setTimeout(() => req.socket.destroy(), 30);
		});
		const client = clientsFor([{name: 'a', server: s.url}]).get('a')!;
		const error = await rejection(client.stream({path: '/s', onLine: () => undefined}));
		expect(error.kind).toBe('unreachable');
	});
});

describe('credentials and plain http://', () => {
	// kubectl (client-go's clientcmd) reads a user's credentials only for a TLS server; issue 14 found
	// the bearer token sent to an http:// server without a word.
	const refuseAnonymous: Parameters<typeof startServer>[0] = (req, res) => {
		if (req.headers.authorization) sendJson(res, 200, {kind: 'NamespaceList', items: []});
		else sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
	};

	it('sends no token, basic auth, impersonation or exec plugin output to an http:// server, and the refusal says why', async () => {
		const s = await server(refuseAnonymous);
		const marker = `${writeKubeconfig('').dir}/plugin-ran`;
		const plugin = `exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: /bin/sh\n  args: ["-c", "touch ${marker}; echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"from-plugin\\"}}'"]\n  interactiveMode: Never`;
		const {file} = writeKubeconfig(
			kubeconfigFor([
				{name: 'tok', server: s.url, token: 'clear-text-token', extraUser: 'as: admin'},
				{name: 'basic', server: s.url, extraUser: 'username: alice\npassword: clear-text-password'},
				{name: 'plug', server: s.url, extraUser: plugin},
			]),
		);
		const clients = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000});
		cleanups.push(() => clients.forEach((c) => c.close()));
		const tok = await rejection(clients.get('tok')!.request({path: '/api/v1/namespaces'}));
		expect(tok.kind).toBe('unauthorized');
		expect(tok.message).toBe(
			`credentials not sent: server ${s.url} is not TLS, so the bearer token, impersonation (as admin) of user "tok-user" were withheld (as kubectl does); use the server's https:// address; the server refused the anonymous request: Unauthorized (GET /api/v1/namespaces)`,
		);
		expect(clients.get('tok')!.withheld).toContain('credentials not sent');
		expect((await rejection(clients.get('basic')!.request({path: '/api/v1/namespaces'}))).message).toContain('so the basic auth of user "basic-user" was withheld');
		expect((await rejection(clients.get('plug')!.request({path: '/api/v1/namespaces'}))).message).toContain('so the exec plugin "/bin/sh" of user "plug-user" was withheld');
		expect(s.requests).toHaveLength(3);
		for (const r of s.requests) {
			expect(r.headers.authorization).toBeUndefined();
			expect(r.headers['impersonate-user']).toBeUndefined();
		}
		expect(fs.existsSync(marker)).toBe(false);
	});

	it('the same user over https:// sends its token; an anonymous context over http:// says nothing', async () => {
		const tls = await server(refuseAnonymous, {tls: true});
		const plain = await server((_req, res) => sendJson(res, 200, {kind: 'NamespaceList', items: []}));
		const {file} = writeKubeconfig(kubeconfigFor([{name: 'secure', server: tls.url, token: 'tls-token'}, {name: 'proxy', server: plain.url}]));
		const clients = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000});
		cleanups.push(() => clients.forEach((c) => c.close()));
		await clients.get('secure')!.request({path: '/api/v1/namespaces'});
		expect(tls.requests[0]!.headers.authorization).toBe('Bearer tls-token');
		expect(clients.get('secure')!.withheld).toBeUndefined();
		await clients.get('proxy')!.request({path: '/api/v1/namespaces'});
		expect(clients.get('proxy')!.withheld).toBeUndefined();
	});
});
