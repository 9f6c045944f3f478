// Which state a list answers from, as kube-apiserver v1.33 decides: later pages and exact reads at a
// revision (etcd), compaction, a resourceVersion not reached yet, and how pages end.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {rawRequest} from './http-client.js';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

let cluster: SingleCluster;
const get = (path: string) => rawRequest(cluster.server.url, 'GET', path, {token: cluster.tokens.adminToken, timeoutMs: 15_000});
const configMaps = '/api/v1/namespaces/default/configmaps';
const names = (body: {items: Array<{metadata: {name: string}}>}) => body.items.map((i) => i.metadata.name);

async function put(name: string, data: Record<string, string>, labels: Record<string, string>): Promise<void> {
	const body = JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, labels}, data});
	const res = await rawRequest(cluster.server.url, 'PUT', `${configMaps}/${name}`, {token: cluster.tokens.adminToken, body});
	if (res.status === 404) {
		const created = await rawRequest(cluster.server.url, 'POST', configMaps, {token: cluster.tokens.adminToken, body});
		expect(created.status, created.text).toBe(201);
	} else expect(res.status, res.text).toBe(200);
}

async function remove(name: string): Promise<void> {
	expect((await rawRequest(cluster.server.url, 'DELETE', `${configMaps}/${name}`, {token: cluster.tokens.adminToken})).status).toBe(200);
}

beforeAll(async () => {
	cluster = await startSingleCluster('list-reads');
});

afterAll(async () => {
	await cluster.stop();
});

describe('list reads', () => {
	it('serves every page after the first at the first page\'s revision, whatever changed meanwhile', async () => {
		for (const name of ['pa', 'pb', 'pc', 'pd']) await put(name, {v: '1'}, {suite: 'pages'});
		const first = await get(`${configMaps}?labelSelector=suite%3Dpages&limit=2`);
		expect(names(first.json())).toEqual(['pa', 'pb']);
		const {resourceVersion, continue: token} = first.json().metadata;
		expect(token).toBeTruthy();
		await put('pc', {v: '2'}, {suite: 'pages'});
		await remove('pd');
		await put('pe', {v: '1'}, {suite: 'pages'});
		const second = await get(`${configMaps}?labelSelector=suite%3Dpages&limit=2&continue=${token}`);
		expect(second.status).toBe(200);
		// The snapshot: pc as it was, pd not yet deleted, pe not yet there.
		expect(names(second.json())).toEqual(['pc', 'pd']);
		expect(second.json().items[0].data).toEqual({v: '1'});
		expect(second.json().metadata.resourceVersion).toBe(resourceVersion);
		// A fresh list sees the changes.
		expect(names((await get(`${configMaps}?labelSelector=suite%3Dpages`)).json())).toEqual(['pa', 'pb', 'pc', 'pe']);
	});

	it('reads an exact resourceVersion, as a list with a resourceVersion and a limit does', async () => {
		await put('xa', {v: '1'}, {suite: 'exact'});
		const before = (await get(`${configMaps}?labelSelector=suite%3Dexact`)).json().metadata.resourceVersion as string;
		await put('xa', {v: '2'}, {suite: 'exact'});
		await put('xb', {v: '1'}, {suite: 'exact'});
		const exact = await get(`${configMaps}?labelSelector=suite%3Dexact&resourceVersion=${before}&resourceVersionMatch=Exact`);
		expect(exact.status).toBe(200);
		expect(names(exact.json())).toEqual(['xa']);
		expect(exact.json().items[0].data).toEqual({v: '1'});
		expect(exact.json().metadata.resourceVersion).toBe(before);
		const legacy = await get(`${configMaps}?labelSelector=suite%3Dexact&resourceVersion=${before}&limit=10`);
		expect(names(legacy.json())).toEqual(['xa']);
		// NotOlderThan is the newest state.
		const newest = await get(`${configMaps}?labelSelector=suite%3Dexact&resourceVersion=${before}&resourceVersionMatch=NotOlderThan`);
		expect(names(newest.json())).toEqual(['xa', 'xb']);
		const future = await get(`${configMaps}?resourceVersion=${cluster.store.resourceVersion + 5}&resourceVersionMatch=Exact`);
		expect(future.status).toBe(500);
		expect(future.json().message).toBe('etcdserver: mvcc: required revision is a future revision');
	});

	it('answers 410 for a revision etcd has compacted, and hands a page a token that goes on at the newest', async () => {
		for (const name of ['ca', 'cb', 'cc']) await put(name, {v: '1'}, {suite: 'compact'});
		const first = await get(`${configMaps}?labelSelector=suite%3Dcompact&limit=1`);
		const {resourceVersion, continue: token} = first.json().metadata;
		await put('cd', {v: '1'}, {suite: 'compact'});
		cluster.store.expireHistory();
		const exact = await get(`${configMaps}?resourceVersion=${resourceVersion}&resourceVersionMatch=Exact`);
		expect(exact.status).toBe(410);
		expect(exact.json()).toMatchObject({kind: 'Status', reason: 'Expired', code: 410, message: 'The resourceVersion for the provided list is too old.'});
		const page = await get(`${configMaps}?labelSelector=suite%3Dcompact&limit=1&continue=${token}`);
		expect(page.status).toBe(410);
		expect(page.json().message).toMatch(/^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token/);
		const goOn = page.json().metadata.continue as string;
		expect(goOn).toBeTruthy();
		const rest = await get(`${configMaps}?labelSelector=suite%3Dcompact&limit=10&continue=${goOn}`);
		expect(rest.status).toBe(200);
		// The remainder, at the newest revision: cd (created after the first page) is in it.
		expect(names(rest.json())).toEqual(['cb', 'cc', 'cd']);
		expect(Number(rest.json().metadata.resourceVersion)).toBe(cluster.store.resourceVersion);
	});

	it('waits up to 3 s for a resourceVersion it has not reached, then answers 504 with Retry-After', async () => {
		const wanted = cluster.store.resourceVersion + 1;
		const waiting = get(`${configMaps}?resourceVersion=${wanted}&resourceVersionMatch=NotOlderThan`);
		await new Promise((r) => setTimeout(r, 300));
		await put('wa', {v: '1'}, {suite: 'wait'});
		const answered = await waiting;
		expect(answered.status).toBe(200);
		expect(Number(answered.json().metadata.resourceVersion)).toBeGreaterThanOrEqual(wanted);
		const tooLarge = cluster.store.resourceVersion + 100;
		const refused = await get(`${configMaps}?resourceVersion=${tooLarge}`);
		expect(refused.status).toBe(504);
		expect(refused.headers['retry-after']).toBe('1');
		expect(refused.json()).toMatchObject({
			reason: 'Timeout', code: 504, message: `Timeout: Too large resource version: ${tooLarge}, current: ${cluster.store.resourceVersion}`,
			details: {causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}], retryAfterSeconds: 1},
		});
	});

	it('ends a page where the keys it scanned end, and counts what remains only without a selector', async () => {
		for (const name of ['ra', 'rb', 'rc']) await put(name, {v: '1'}, {suite: 'remaining'});
		await put('rd', {v: '1'}, {suite: 'other'});
		const plain = (await get(`${configMaps}?limit=2`)).json().metadata;
		expect(plain.continue).toBeTruthy();
		expect(plain.remainingItemCount).toBe(cluster.store.list(cluster.store.lookup('', 'v1', 'configmaps')!, {namespace: 'default'}).length - 2);
		// rc is the last match, but rd follows it: the server cannot know nothing more matches.
		const selected = (await get(`${configMaps}?labelSelector=suite%3Dremaining&limit=3`)).json();
		expect(names(selected)).toEqual(['ra', 'rb', 'rc']);
		expect(selected.metadata.continue).toBeTruthy();
		expect(selected.metadata.remainingItemCount).toBeUndefined();
		const empty = (await get(`${configMaps}?labelSelector=suite%3Dremaining&limit=3&continue=${selected.metadata.continue}`)).json();
		expect(names(empty)).toEqual([]);
		expect(empty.metadata.continue).toBeUndefined();
		// resourceVersion=0 is the watch cache's whole list: no pages.
		const cached = (await get(`${configMaps}?resourceVersion=0&limit=1`)).json();
		expect(cached.items.length).toBeGreaterThan(1);
		expect(cached.metadata.continue).toBeUndefined();
	});

	it('refuses a malformed resourceVersion or continue token with the real server\'s 400 (a watch\'s with its 500)', async () => {
		const cases: Array<[string, string]> = [
			[`${configMaps}?resourceVersion=yesterday`, 'invalid resource version: resourceVersion: Invalid value: "yesterday": strconv.ParseUint: parsing "yesterday": invalid syntax'],
			[`${configMaps}?continue=%25%25`, 'invalid continue token: continue key is not valid: illegal base64 data at input byte 0'],
			[`${configMaps}?continue=${Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"../../secrets/x"}').toString('base64url')}`, 'invalid continue token: continue key is not valid: ../../secrets/x'],
			[`${configMaps}?continue=${Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url')}`, 'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
		];
		for (const [path, message] of cases) {
			const res = await get(path);
			expect(res.status, path).toBe(400);
			expect(res.json(), path).toMatchObject({reason: 'BadRequest', message});
		}
		// A watch's cache passes the versioner's error on as no Status at all: kube-apiserver answers it 500.
		const watch = await get(`${configMaps}?watch=true&resourceVersion=yesterday`);
		expect(watch.status).toBe(500);
		expect(watch.json()).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
			message: 'resourceVersion: Invalid value: "yesterday": strconv.ParseUint: parsing "yesterday": invalid syntax', code: 500});
		const token = (await get(`${configMaps}?limit=1`)).json().metadata.continue as string;
		const both = await get(`${configMaps}?limit=1&continue=${token}&resourceVersion=3`);
		expect(both.json()).toMatchObject({code: 400, message: 'specifying resource version is not allowed when using continue'});
	});

	it('reads one object at a resourceVersion as the watch cache does: not older than it, waiting for it, and a malformed one is a 500', async () => {
		await put('one', {v: '1'}, {suite: 'get'});
		const current = cluster.store.resourceVersion;
		for (const rv of ['0', '1', String(current)]) {
			const res = await get(`${configMaps}/one?resourceVersion=${rv}`);
			expect(res.status, rv).toBe(200);
			expect(res.json().data, rv).toEqual({v: '1'});
		}
		const waiting = get(`${configMaps}/one?resourceVersion=${current + 1}`);
		await new Promise((r) => setTimeout(r, 300));
		await put('one', {v: '2'}, {suite: 'get'});
		const answered = await waiting;
		expect(answered.status).toBe(200);
		expect(answered.json().data).toEqual({v: '2'});
		const tooLarge = cluster.store.resourceVersion + 100;
		const refused = await get(`${configMaps}/one?resourceVersion=${tooLarge}`);
		expect(refused.status).toBe(504);
		expect(refused.headers['retry-after']).toBe('1');
		expect(refused.json()).toMatchObject({reason: 'Timeout', message: `Timeout: Too large resource version: ${tooLarge}, current: ${cluster.store.resourceVersion}`});
		const malformed = await get(`${configMaps}/one?resourceVersion=yesterday`);
		expect(malformed.status).toBe(500);
		expect(malformed.json()).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
			message: 'resourceVersion: Invalid value: "yesterday": strconv.ParseUint: parsing "yesterday": invalid syntax', code: 500});
	});
});
