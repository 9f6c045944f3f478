// What reaches the simulator over the wire, as kube-apiserver takes it: protobuf bodies and answers
// for built-in kinds, content negotiation, Go-style boolean query parameters, OpenAPI documents,
// and bad input answered with the right Status while the server keeps serving.
import {gunzipSync} from 'node:zlib';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {decodeProtobuf, encodeProtobuf} from '../../source/sim/protobuf.js';
import {rawRequest, streamLines} from './http-client.js';
import {crdFiles, loadCrd} from './crd-fixtures.js';
import {startSingleCluster, waitFor, type SingleCluster} from './single-cluster.js';

const protobuf = 'application/vnd.kubernetes.protobuf';

let cluster: SingleCluster;
const call = (method: string, path: string, options: {body?: string | Buffer; headers?: Record<string, string>} = {}) =>
	rawRequest(cluster.server.url, method, path, {token: cluster.tokens.adminToken, ...options});

beforeAll(async () => {
	cluster = await startSingleCluster('wire-format');
	const crd = cluster.store.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
	if (crd) cluster.store.create(crd, loadCrd(crdFiles.managementCluster));
});

afterAll(async () => {
	await cluster?.stop();
});

describe('protobuf', () => {
	it('takes a protobuf ConfigMap and answers in protobuf when Accept prefers it', async () => {
		const body = encodeProtobuf({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'from-proto', namespace: 'default', labels: {a: 'b'}}, data: {key: 'value', empty: ''}});
		expect(body.subarray(0, 4)).toEqual(Buffer.from('k8s\0', 'binary'));
		const created = await call('POST', '/api/v1/namespaces/default/configmaps', {body, headers: {'Content-Type': protobuf, Accept: `${protobuf}, application/json`}});
		expect(created.status, created.text).toBe(201);
		expect(created.headers['content-type']).toBe(protobuf);
		const answer = decodeProtobuf(created.bytes);
		expect(answer).toMatchObject({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'from-proto', namespace: 'default', labels: {a: 'b'}}, data: {key: 'value', empty: ''}});
		expect((answer.metadata as {creationTimestamp?: string}).creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		const json = await call('GET', '/api/v1/namespaces/default/configmaps/from-proto');
		expect(json.headers['content-type']).toBe('application/json');
		expect(json.json().data).toEqual({key: 'value', empty: ''});
	});

	it('answers errors as a protobuf Status, and a list as the kind\'s List message', async () => {
		const missing = await call('GET', '/api/v1/namespaces/default/configmaps/nope', {headers: {Accept: protobuf}});
		expect(missing.status).toBe(404);
		expect(decodeProtobuf(missing.bytes)).toMatchObject({kind: 'Status', code: 404, reason: 'NotFound', message: 'configmaps "nope" not found'});
		const list = await call('GET', '/api/v1/namespaces/default/configmaps', {headers: {Accept: protobuf}});
		const items = decodeProtobuf(list.bytes).items as Array<{metadata: {name: string}}>;
		expect(items.map((i) => i.metadata.name)).toContain('from-proto');
	});

	it('answers a protobuf SubjectAccessReview in protobuf, from RBAC', async () => {
		const review = (user: string, groups: string[]) => encodeProtobuf({apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
			spec: {user, groups, resourceAttributes: {verb: 'list', resource: 'secrets', namespace: 'kube-system'}}});
		const headers = {'Content-Type': protobuf, Accept: protobuf};
		const admin = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {body: review('root', ['system:masters']), headers});
		expect(admin.status).toBe(201);
		expect(decodeProtobuf(admin.bytes)).toMatchObject({kind: 'SubjectAccessReview', status: {allowed: true}});
		const nobody = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {body: review('nobody', []), headers});
		expect((decodeProtobuf(nobody.bytes).status as {allowed: boolean}).allowed).toBe(false);
		const invalid = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {body: review('', []), headers});
		expect(decodeProtobuf(invalid.bytes)).toMatchObject({kind: 'Status', code: 422, reason: 'Invalid'});
	});

	it('keeps custom resources in JSON: a protobuf body is 415, a protobuf-only Accept is 406', async () => {
		const body = encodeProtobuf({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}});
		const refused = await call('POST', '/apis/operator.tigera.io/v1/managementclusters', {body, headers: {'Content-Type': protobuf}});
		expect([refused.status, refused.json().reason]).toEqual([415, 'UnsupportedMediaType']);
		const onlyProto = await call('GET', '/apis/operator.tigera.io/v1/managementclusters', {headers: {Accept: protobuf}});
		expect(onlyProto.status).toBe(406);
		expect(onlyProto.json()).toMatchObject({kind: 'Status', reason: 'NotAcceptable', code: 406});
		const fallback = await call('GET', '/apis/operator.tigera.io/v1/managementclusters', {headers: {Accept: `${protobuf}, application/json`}});
		expect(fallback.status).toBe(200);
		expect(fallback.json().kind).toBe('ManagementClusterList');
	});

	it('answers malformed protobuf with 400, and goes on serving', async () => {
		const headers = {'Content-Type': protobuf};
		const noMagic = await call('POST', '/api/v1/namespaces/default/configmaps', {body: Buffer.from('{"kind":"ConfigMap"}'), headers});
		expect(noMagic.status).toBe(400);
		expect(noMagic.json().message).toContain('k8s\\x00');
		const garbage = await call('POST', '/api/v1/namespaces/default/configmaps', {body: Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2])]), headers});
		expect(garbage.status).toBe(400);
		expect(garbage.json().reason).toBe('BadRequest');
		expect((await call('GET', '/api/v1/namespaces/default/configmaps/from-proto')).status).toBe(200);
	});
});

describe('bad input', () => {
	it('gets 400, 413, 415 and 406 Statuses as from kube-apiserver, and the server keeps serving', async () => {
		const path = '/api/v1/namespaces/default/configmaps';
		const malformed = await call('POST', path, {body: '{"apiVersion": "v1", "kind": '});
		expect([malformed.status, malformed.json().reason]).toEqual([400, 'BadRequest']);
		const wrongType = await call('POST', path, {body: 'name=x', headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
		expect([wrongType.status, wrongType.json().reason]).toEqual([415, 'UnsupportedMediaType']);
		const huge = JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'huge'}, data: {blob: 'x'.repeat(3 * 1024 * 1024)}});
		const tooLarge = await call('POST', path, {body: huge});
		expect([tooLarge.status, tooLarge.json().reason]).toEqual([413, 'RequestEntityTooLarge']);
		const html = await call('GET', path, {headers: {Accept: 'text/html'}});
		expect([html.status, html.json().reason]).toEqual([406, 'NotAcceptable']);
		const yamlAnswer = await call('GET', `${path}/from-proto`, {headers: {Accept: 'application/yaml'}});
		expect(yamlAnswer.headers['content-type']).toBe('application/yaml');
		expect(yamlAnswer.text).toContain('name: from-proto');
		expect((await call('GET', '/api/v1/namespaces')).status).toBe(200);
	});
});

describe('boolean query parameters, as kube-apiserver converts them', () => {
	for (const value of ['True', '1', 't', 'TRUE', 'yes']) {
		it(`watch=${value} is a watch`, async () => {
			const stream = streamLines(cluster.server.url, `/api/v1/namespaces?watch=${value}`, cluster.tokens.adminToken);
			try {
				await waitFor(() => stream.lines.length > 0, 5000, 'the first watch event');
				expect(JSON.parse(stream.lines[0]).type).toBe('ADDED');
			} finally {
				stream.stop();
			}
		});
	}
	for (const value of ['false', 'False', '0']) {
		it(`watch=${value} is a list`, async () => {
			const list = await call('GET', `/api/v1/namespaces?watch=${value}`);
			expect(list.json().kind).toBe('NamespaceList');
		});
	}
});

describe('OpenAPI', () => {
	it('/openapi/v2 has paths with fieldValidation and definitions of built-in kinds and CRDs', async () => {
		const v2 = await call('GET', '/openapi/v2', {headers: {Accept: 'application/json'}});
		expect(v2.status).toBe(200);
		const doc = v2.json();
		expect(doc.swagger).toBe('2.0');
		expect(doc.definitions['io.k8s.api.core.v1.ConfigMap']['x-kubernetes-group-version-kind']).toEqual([{group: '', version: 'v1', kind: 'ConfigMap'}]);
		expect(doc.definitions['io.tigera.operator.v1.ManagementCluster'].properties.spec.properties.address.type).toBe('string');
		const patch = doc.paths['/apis/operator.tigera.io/v1/managementclusters/{name}'].patch;
		expect(patch.parameters.map((p: {name: string}) => p.name)).toContain('fieldValidation');
		const proto = await call('GET', '/openapi/v2', {headers: {Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'}});
		expect(proto.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
		expect(proto.bytes.includes(Buffer.from('io.tigera.operator.v1.ManagementCluster'))).toBe(true);
	});

	it('/openapi/v3 group-version documents carry components.schemas that resolve', async () => {
		const root = (await call('GET', '/openapi/v3')).json();
		const url = root.paths['api/v1'].serverRelativeURL as string;
		const doc = (await call('GET', url)).json();
		const schemas = doc.components.schemas as Record<string, {properties?: Record<string, {description?: string}>}>;
		expect(schemas['io.k8s.api.core.v1.ConfigMap'].properties?.data.description).toContain('Data contains the configuration data.');
		const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[\w.-]+/g) ?? [];
		for (const ref of new Set(refs)) expect(schemas[ref.split('/').pop() as string], ref).toBeDefined();
	});
});

describe('a lived-in cluster', () => {
	it('has a kube-root-ca.crt ConfigMap in every namespace, including one created later', async () => {
		const created = await call('POST', '/api/v1/namespaces', {body: JSON.stringify({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'later'}})});
		expect(created.status).toBe(201);
		for (const ns of ['default', 'later']) {
			const cm = await waitFor(async () => {
				const r = await call('GET', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
				return r.status === 200 ? r.json() : undefined;
			}, 5000, `kube-root-ca.crt in ${ns}`);
			expect(cm.data['ca.crt']).toContain('-----BEGIN CERTIFICATE-----');
		}
		expect((await call('DELETE', '/api/v1/namespaces/later/configmaps/kube-root-ca.crt')).status).toBe(200);
		await waitFor(async () => (await call('GET', '/api/v1/namespaces/later/configmaps/kube-root-ca.crt')).status === 200, 5000, 'the ConfigMap back');
	});
});

describe('answers framed as Go\'s net/http frames kube-apiserver\'s', () => {
	const configMap = (name: string, bytes: number) => JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}, data: {blob: 'x'.repeat(bytes)}});

	it('gives an answer that fits the 2 KiB response buffer a Content-Length, and sends a larger one chunked', async () => {
		const small = await call('GET', '/api/v1/namespaces/default');
		expect(small.status).toBe(200);
		expect(small.headers['content-length']).toBe(String(small.bytes.length));
		expect(small.headers['transfer-encoding']).toBeUndefined();
		expect((await call('POST', '/api/v1/namespaces/default/configmaps', {body: configMap('framed-3k', 3000)})).status).toBe(201);
		const large = await call('GET', '/api/v1/namespaces/default/configmaps/framed-3k');
		expect(large.status).toBe(200);
		expect(large.headers['transfer-encoding']).toBe('chunked');
		expect(large.headers['content-length']).toBeUndefined();
		expect(large.json().data.blob).toHaveLength(3000);
	});

	it('names the connection only to close it, as Go does: no Connection header on a kept HTTP/1.1 connection', async () => {
		const kept = await call('GET', '/api/v1/namespaces/default', {headers: {Connection: 'keep-alive'}});
		expect(kept.status).toBe(200);
		expect(kept.headers.connection).toBeUndefined();
		expect(kept.headers['keep-alive']).toBeUndefined();
		const closing = await call('GET', '/api/v1/namespaces/default', {headers: {Connection: 'close'}});
		expect(closing.status).toBe(200);
		expect(closing.headers.connection).toBe('close');
	});

	it('gzips an answer over 128 KiB for a client that accepts gzip (the token exactly), as APIResponseCompression does', async () => {
		expect((await call('POST', '/api/v1/namespaces/default/configmaps', {body: configMap('framed-200k', 200_000)})).status).toBe(201);
		const path = '/api/v1/namespaces/default/configmaps/framed-200k';
		const plain = await call('GET', path);
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.json().data.blob).toHaveLength(200_000);
		for (const accept of ['gzip', 'deflate, gzip', 'br,gzip ']) {
			const zipped = await call('GET', path, {headers: {'Accept-Encoding': accept}});
			expect(zipped.status, accept).toBe(200);
			expect(zipped.headers['content-encoding'], accept).toBe('gzip');
			expect(zipped.headers.vary).toBe('Accept-Encoding');
			expect(zipped.headers['transfer-encoding']).toBe('chunked');
			expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 10);
			expect(gunzipSync(zipped.bytes).equals(plain.bytes)).toBe(true);
		}
		// negotiateContentEncoding compares tokens whole: a q-value or another coding gets the plain answer.
		for (const accept of ['gzip;q=1.0', 'deflate', 'identity']) {
			const answer = await call('GET', path, {headers: {'Accept-Encoding': accept}});
			expect(answer.headers['content-encoding'], accept).toBeUndefined();
			expect(answer.bytes.equals(plain.bytes), accept).toBe(true);
		}
		// An answer under the threshold stays plain whatever the client accepts.
		const small = await call('GET', '/api/v1/namespaces/default', {headers: {'Accept-Encoding': 'gzip'}});
		expect(small.headers['content-encoding']).toBeUndefined();
		expect(small.json().metadata.name).toBe('default');
	});
});
