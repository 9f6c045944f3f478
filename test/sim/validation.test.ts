// Validation as kube-apiserver does it: custom resources against their CRD's structural schema and
// CEL rules, unknown fields per fieldValidation, built-in Services and Secrets, stringData. Each
// answer is compared with the Status a real API server sends.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {crdFiles, loadCrd} from './crd-fixtures.js';
import {rawRequest, type RawResponse} from './http-client.js';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

let cluster: SingleCluster;
const mcPath = '/apis/operator.tigera.io/v1/managementclusters';
const tsPath = '/apis/operator.tigera.io/v1/tigerastatuses';

function send(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<RawResponse> {
	return rawRequest(cluster.server.url, method, path, {token: cluster.tokens.adminToken, body: JSON.stringify(body), headers: {'Content-Type': contentType}});
}

const managementCluster = (spec: Record<string, unknown>, name = 'tigera-secure') => ({apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name}, spec});

beforeAll(async () => {
	cluster = await startSingleCluster('validation');
	const crdType = cluster.store.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
	cluster.store.create(crdType, loadCrd(crdFiles.managementCluster));
	cluster.store.create(crdType, loadCrd(crdFiles.tigeraStatus));
});
afterAll(async () => cluster?.stop());

describe('custom resources against the CRD schema', () => {
	it('answers a wrongly typed field with 422 Invalid and the causes kube-apiserver gives', async () => {
		const res = await send('POST', mcPath, managementCluster({address: 5}));
		expect(res.status).toBe(422);
		expect(res.json()).toMatchObject({
			kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422,
			message: 'ManagementCluster.operator.tigera.io "tigera-secure" is invalid: spec.address: Invalid value: "integer": spec.address in body must be of type string: "integer"',
			details: {name: 'tigera-secure', group: 'operator.tigera.io', kind: 'ManagementCluster', causes: [
				{reason: 'FieldValueTypeInvalid', message: 'Invalid value: "integer": spec.address in body must be of type string: "integer"', field: 'spec.address'},
			]},
		});
	});

	it('refuses a value outside the enum', async () => {
		const res = await send('POST', mcPath, managementCluster({address: 'mgmt.example.com:30449', tls: {secretName: 'mine'}}));
		expect(res.status).toBe(422);
		expect(res.json().details.causes).toEqual([{
			reason: 'FieldValueNotSupported', field: 'spec.tls.secretName',
			message: 'Unsupported value: "mine": supported values: "calico-management-cluster-connection", "manager-tls", "tigera-management-cluster-connection"',
		}]);
	});

	it('evaluates the CRD\'s x-kubernetes-validations: a ManagementCluster must be named tigera-secure', async () => {
		const res = await send('POST', mcPath, managementCluster({address: 'mgmt.example.com:30449'}, 'mine'));
		expect(res.status).toBe(422);
		expect(res.json()).toMatchObject({
			reason: 'Invalid',
			message: 'ManagementCluster.operator.tigera.io "mine" is invalid: <nil>: Invalid value: "object": resource name must be \'tigera-secure\'',
			details: {causes: [{reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "object": resource name must be \'tigera-secure\''}]},
		});
		expect(cluster.store.list(cluster.store.lookup('operator.tigera.io', 'v1', 'managementclusters')!)).toHaveLength(0);
	});

	it('requires the fields the schema requires (status conditions through /status)', async () => {
		const created = await send('POST', tsPath, {apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: 'required-test'}, spec: {}});
		expect(created.status).toBe(201);
		const res = await send('PUT', `${tsPath}/required-test/status`, {...created.json(), status: {conditions: [{type: 'Available', status: 'True'}]}});
		expect(res.status).toBe(422);
		expect(res.json().details.causes).toEqual([{reason: 'FieldValueRequired', message: 'Required value', field: 'status.conditions[0].lastTransitionTime'}]);
	});

	it('validates updates, every patch type and dry runs too', async () => {
		expect((await send('POST', mcPath, managementCluster({address: 'mgmt.example.com:30449'}))).status).toBe(201);
		const merge = await send('PATCH', `${mcPath}/tigera-secure`, {spec: {address: 5}}, 'application/merge-patch+json');
		expect(merge.status).toBe(422);
		const json = await send('PATCH', `${mcPath}/tigera-secure`, [{op: 'replace', path: '/spec/address', value: true}], 'application/json-patch+json');
		expect(json.status).toBe(422);
		expect(json.json().details.causes[0].message).toBe('Invalid value: "boolean": spec.address in body must be of type string: "boolean"');
		const apply = await send('PATCH', `${mcPath}/tigera-secure?fieldManager=test&force=true`, managementCluster({address: 7}), 'application/apply-patch+yaml');
		expect(apply.status).toBe(422);
		const current = (await rawRequest(cluster.server.url, 'GET', `${mcPath}/tigera-secure`, {token: cluster.tokens.adminToken})).json();
		const put = await send('PUT', `${mcPath}/tigera-secure`, {...current, spec: {address: 8}});
		expect(put.status).toBe(422);
		const dryRun = await send('PATCH', `${mcPath}/tigera-secure?dryRun=All`, {spec: {address: 9}}, 'application/merge-patch+json');
		expect(dryRun.status).toBe(422);
		const dryCreate = await send('POST', `${tsPath}?dryRun=All`, {apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: 'dry'}, spec: {}, status: {}, bogus: 1});
		expect(dryCreate.status).toBe(201);
		expect(dryCreate.json().bogus).toBeUndefined();
		expect(cluster.store.get(cluster.store.lookup('operator.tigera.io', 'v1', 'tigerastatuses')!, undefined, 'dry')).toBeUndefined();
		const stored = (await rawRequest(cluster.server.url, 'GET', `${mcPath}/tigera-secure`, {token: cluster.tokens.adminToken})).json();
		expect(stored.spec.address).toBe('mgmt.example.com:30449');
	});
});

describe('unknown fields', () => {
	const withBogus = () => ({apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: `bogus-${Math.random().toString(36).slice(2, 8)}`}, spec: {bogusField: 1}});

	it('prunes them and, by default (Warn), says so in a Warning header', async () => {
		const res = await send('POST', tsPath, withBogus());
		expect(res.status).toBe(201);
		expect(res.json().spec).toEqual({});
		expect(res.headers.warning).toBe('299 - "unknown field \\"spec.bogusField\\""');
	});

	it('refuses them with fieldValidation=Strict (kubectl --validate=strict)', async () => {
		const res = await send('POST', `${tsPath}?fieldValidation=Strict`, withBogus());
		expect(res.status).toBe(400);
		expect(res.json()).toMatchObject({reason: 'BadRequest', message: 'strict decoding error: unknown field "spec.bogusField"'});
	});

	it('drops them silently with fieldValidation=Ignore, and refuses a value it does not know', async () => {
		const res = await send('POST', `${tsPath}?fieldValidation=Ignore`, withBogus());
		expect(res.status).toBe(201);
		expect(res.headers.warning).toBeUndefined();
		expect((await send('POST', `${tsPath}?fieldValidation=Loose`, withBogus())).status).toBe(400);
	});

	it('refuses them in a server-side apply configuration, as structured-merge-diff does', async () => {
		const body = {apiVersion: 'operator.tigera.io/v1', kind: 'TigeraStatus', metadata: {name: 'ssa-bogus'}, spec: {bogusField: 1}};
		const res = await send('PATCH', `${tsPath}/ssa-bogus?fieldManager=test`, body, 'application/apply-patch+yaml');
		expect(res.status).toBe(500);
		expect(res.json().message).toBe('failed to create typed patch object (/ssa-bogus; operator.tigera.io/v1, Kind=TigeraStatus): .spec.bogusField: field not declared in schema');
	});

	it('refuses unknown top-level fields of built-in kinds with Strict', async () => {
		const res = await send('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}, dta: {a: 'b'}});
		expect(res.status).toBe(400);
		expect(res.json().message).toBe('strict decoding error: unknown field "dta"');
	});
});

describe('built-in kinds', () => {
	it('refuses a Service without ports', async () => {
		const res = await send('POST', '/api/v1/namespaces/default/services', {apiVersion: 'v1', kind: 'Service', metadata: {name: 'no-ports'}, spec: {type: 'NodePort', selector: {app: 'x'}}});
		expect(res.status).toBe(422);
		expect(res.json()).toMatchObject({
			reason: 'Invalid', message: 'Service "no-ports" is invalid: spec.ports: Required value',
			details: {name: 'no-ports', kind: 'Service', causes: [{reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports'}]},
		});
	});

	it('refuses a dockerconfigjson Secret without .dockerconfigjson, and one whose content is not JSON', async () => {
		const missing = await send('POST', '/api/v1/namespaces/default/secrets', {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'pull'}, type: 'kubernetes.io/dockerconfigjson', data: {'.dockercfg': 'e30='}});
		expect(missing.status).toBe(422);
		expect(missing.json().details.causes).toEqual([{reason: 'FieldValueRequired', message: 'Required value', field: 'data[.dockerconfigjson]'}]);
		const garbage = await send('POST', '/api/v1/namespaces/default/secrets', {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'pull'}, type: 'kubernetes.io/dockerconfigjson', stringData: {'.dockerconfigjson': 'not json'}});
		expect(garbage.status).toBe(422);
		expect(garbage.json().details.causes[0].field).toBe('data[.dockerconfigjson]');
		expect(garbage.text).not.toContain('not json');
	});

	it('merges stringData into data and never returns stringData', async () => {
		const res = await send('POST', '/api/v1/namespaces/default/secrets', {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'merged'}, data: {a: Buffer.from('1').toString('base64')}, stringData: {b: 'two'}});
		expect(res.status).toBe(201);
		expect(res.json().stringData).toBeUndefined();
		expect(res.json().data).toEqual({a: 'MQ==', b: Buffer.from('two').toString('base64')});
		const got = (await rawRequest(cluster.server.url, 'GET', '/api/v1/namespaces/default/secrets/merged', {token: cluster.tokens.adminToken})).json();
		expect(got.stringData).toBeUndefined();
		expect(got.data.b).toBe('dHdv');
	});

	it('answers data that is not base64 with the 400 a decoder gives', async () => {
		const res = await send('POST', '/api/v1/namespaces/default/secrets', {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'bad64'}, data: {a: 'not base64!'}});
		expect(res.status).toBe(400);
		expect(res.json().message).toMatch(/^Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte \d+$/);
	});

	it('names objects by the DNS-1123 rules', async () => {
		const res = await send('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'Not_A_Label'}});
		expect(res.status).toBe(422);
		expect(res.json().details.causes[0]).toMatchObject({field: 'metadata.name'});
	});
});
