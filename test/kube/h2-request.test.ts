// h2Request: Node's http2 request() without the deprecated accessor AsyncResource#bind adds to every
// request's connect step; the request, its async context and Node's own bind otherwise unchanged.
import {AsyncLocalStorage, AsyncResource, executionAsyncId} from 'node:async_hooks';
import http2 from 'node:http2';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {bindAddsAccessor, h2Request, leanBind} from '../../source/kube/h2-request.js';

const nodeBind = AsyncResource.prototype.bind;
const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0).reverse()) cleanup();
	AsyncResource.prototype.bind = nodeBind;
});

async function h2Server(): Promise<string> {
	const server = http2.createServer((req, res) => res.end(`${req.method} ${req.url}`));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => server.close());
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function answer(stream: http2.ClientHttp2Stream): Promise<{status: number; body: string; store: unknown}> {
	return new Promise((resolve, reject) => {
		let status = 0;
		let store: unknown;
		let body = '';
		stream.on('response', (head) => {
			status = Number(head[':status']);
			store = storage.getStore();
		});
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => (body += chunk));
		stream.on('end', () => resolve({status, body, store}));
		stream.on('error', reject);
	});
}

const storage = new AsyncLocalStorage<string>();

/** A session stand-in whose request() binds as Node's does, and reports what it was handed. */
function bindingSession(fn: (this: unknown, ...args: unknown[]) => unknown) {
	const seen: {bind?: unknown; bound?: (this: unknown, ...args: unknown[]) => unknown; resource?: AsyncResource} = {};
	const session = {
		request() {
			seen.bind = AsyncResource.prototype.bind;
			seen.resource = new AsyncResource('PendingRequest');
			seen.bound = seen.resource.bind(fn);
			return {} as http2.ClientHttp2Stream;
		},
	} as unknown as http2.ClientHttp2Session;
	return {session, seen};
}

describe('h2Request', () => {
	it('sends requests on a session, also before it connected, each answered in its caller’s async context', async () => {
		const origin = await h2Server();
		const session = http2.connect(origin);
		cleanups.push(() => session.destroy());
		// Sent while the session is still connecting (Node queues the bound connect step) and after.
		const first = storage.run('first', () => answer(h2Request(session, {':path': '/a?x=1'}, {endStream: true})));
		expect(await first).toEqual({status: 200, body: 'GET /a?x=1', store: 'first'});
		const second = storage.run('second', () => answer(h2Request(session, {':method': 'GET', ':path': '/b'}, {endStream: true})));
		expect(await second).toEqual({status: 200, body: 'GET /b', store: 'second'});
		expect(AsyncResource.prototype.bind).toBe(nodeBind);
	});

	it('sends every header, and the stream keeps no copy of them for its life', async () => {
		const server = http2.createServer((req, res) => res.end(`${req.headers.authorization} ${req.headers.accept}`));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		cleanups.push(() => server.close());
		const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		cleanups.push(() => session.destroy());
		const stream = h2Request(session, {':path': '/w', authorization: 'Bearer t', accept: 'application/json'}, {endStream: true});
		expect(stream.sentHeaders).toBeUndefined();
		expect(await answer(stream)).toMatchObject({status: 200, body: 'Bearer t application/json'});
	});

	it('binds the connect step without the deprecated asyncResource accessor, in the resource’s scope, with this and the arguments', () => {
		const calls: Array<{self: unknown; args: unknown[]; id: number}> = [];
		const {session, seen} = bindingSession(function (this: unknown, ...args: unknown[]) {
			calls.push({self: this, args, id: executionAsyncId()});
			return 'result';
		});
		h2Request(session, {':path': '/'}, {endStream: true});
		expect(Object.getOwnPropertyNames(new AsyncResource('probe').bind(() => 1)).includes('asyncResource')).toBe(bindAddsAccessor);
		// Where Node's own bind adds no accessor (Node 26), it is left to do the binding.
		expect(seen.bind === nodeBind).toBe(!bindAddsAccessor);
		expect(Object.getOwnPropertyNames(seen.bound)).not.toContain('asyncResource');
		const self = {};
		expect(seen.bound!.call(self, 1, 'two')).toBe('result');
		expect(calls).toEqual([{self, args: [1, 'two'], id: seen.resource!.asyncId()}]);
		// Node's own is back.
		expect(AsyncResource.prototype.bind).toBe(nodeBind);
	});

	it('gives Node’s bind back when request() throws, and leaves a bind someone else installed alone', async () => {
		// A session that refuses the request as it is made (Node 20 throws so for a destroyed session).
		const refusing = {
			request() {
				throw new Error('The session has been destroyed');
			},
		} as unknown as http2.ClientHttp2Session;
		expect(() => h2Request(refusing, {':path': '/'}, {endStream: true})).toThrow(/destroyed/);
		expect(AsyncResource.prototype.bind).toBe(nodeBind);

		const other = function (this: AsyncResource, fn: () => unknown) {
			return nodeBind.call(this, fn);
		} as typeof nodeBind;
		AsyncResource.prototype.bind = other;
		const {session: fake, seen} = bindingSession(() => 1);
		h2Request(fake, {':path': '/'}, {endStream: true});
		expect(seen.bind).toBe(other);
		expect(AsyncResource.prototype.bind).toBe(other);
	});

	it('leanBind hands a bind with its own this to Node’s', () => {
		const resource = new AsyncResource('x');
		const self = {n: 1};
		const bound = leanBind.call(resource, function (this: unknown) {
			return this;
		}, self);
		expect(bound.call({})).toBe(self);
	});
});
