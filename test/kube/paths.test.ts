import {describe, expect, it} from 'vitest';
import {describeRequest, queryString, resourcePath, splitApiVersion} from '../../source/kube/paths.js';
import {kindForStatus, parseForbidden} from '../../source/kube/errors.js';

describe('resource paths', () => {
	it('builds core, grouped, namespaced and subresource paths', () => {
		expect(resourcePath({group: 'operator.tigera.io', version: 'v1', resource: 'tigerastatuses'})).toBe('/apis/operator.tigera.io/v1/tigerastatuses');
		expect(resourcePath({version: 'v1', resource: 'secrets'}, {namespace: 'tigera-operator', name: 'a b'})).toBe('/api/v1/namespaces/tigera-operator/secrets/a%20b');
		expect(resourcePath({group: '', version: 'v1', resource: 'serviceaccounts'}, {namespace: 'ns', name: 'sa', subresource: 'token'})).toBe('/api/v1/namespaces/ns/serviceaccounts/sa/token');
		expect(splitApiVersion('projectcalico.org/v3')).toEqual({group: 'projectcalico.org', version: 'v3'});
		expect(splitApiVersion('v1')).toEqual({group: '', version: 'v1'});
		expect(queryString({a: 1, b: undefined, c: true, d: 'x y'})).toBe('a=1&c=true&d=x+y');
	});

	it('writes a query as URLSearchParams does, whatever its names and values hold', () => {
		const ascii = Array.from({length: 128}, (_, i) => String.fromCharCode(i)).join('');
		const values = ['', 'true', '500', ascii, 'app in (a,b),tier!=x', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ==+/', 'müde', '日本', '\u{1F600}', 'a\uD800b', '\uDC00', "~!*'()-._"];
		for (const value of values) {
			const query = {[value]: value, watch: true, limit: 500, skipped: undefined};
			const expected = new URLSearchParams([[value, value], ['watch', 'true'], ['limit', '500']]).toString();
			expect(queryString(query), JSON.stringify(value)).toBe(expected);
		}
	});

	it('names the verb and resource of a request', () => {
		expect(describeRequest('GET', '/apis/projectcalico.org/v3/managedclusters')).toEqual({verb: 'list', resource: 'managedclusters.projectcalico.org'});
		expect(describeRequest('GET', '/apis/projectcalico.org/v3/managedclusters', {watch: '1'})).toEqual({verb: 'watch', resource: 'managedclusters.projectcalico.org'});
		expect(describeRequest('GET', '/api/v1/namespaces/ns/pods/p/log')).toEqual({verb: 'get', resource: 'pods/log'});
		expect(describeRequest('GET', '/api/v1/namespaces')).toEqual({verb: 'list', resource: 'namespaces'});
		expect(describeRequest('GET', '/api/v1/namespaces/calico-system')).toEqual({verb: 'get', resource: 'namespaces'});
		expect(describeRequest('PATCH', '/apis/operator.tigera.io/v1/installations/default')).toEqual({verb: 'patch', resource: 'installations.operator.tigera.io'});
	});
});

describe('error helpers', () => {
	it('reads the verb and resource out of an API server 403 message', () => {
		expect(parseForbidden('secrets is forbidden: User "system:serviceaccount:a:b" cannot get resource "secrets" in API group "" in the namespace "tigera-operator"')).toEqual({verb: 'get', resource: 'secrets'});
		expect(parseForbidden('something else')).toEqual({});
	});

	it('maps statuses to kinds', () => {
		expect([401, 403, 404, 409, 410, 400, 422, 500, 503].map(kindForStatus)).toEqual(['unauthorized', 'forbidden', 'not-found', 'conflict', 'gone', 'invalid', 'invalid', 'server', 'server']);
	});
});
