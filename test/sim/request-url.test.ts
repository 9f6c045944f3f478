import {describe, expect, it} from 'vitest';
import {requestUrl} from '../../source/sim/request-url.js';

/** What a handler reads: the path, and every query parameter in order. */
const seen = (url: {pathname: string; searchParams: URLSearchParams}) => ({pathname: url.pathname, params: [...url.searchParams]});

describe('request URLs as the handlers read them', () => {
	it('reads every request target as the URL parser does, plain or not', () => {
		const targets = [
			'/', '/api', '/api/v1/namespaces/default/pods', '/apis/operator.tigera.io/v1/tigerastatuses?limit=500',
			'/apis/projectcalico.org/v3/managedclusters?limit=500&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjE1fQ',
			'/api/v1/pods?watch=1&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=1800',
			'/api/v1/pods?labelSelector=app%3Dx%2Cb+in+(c)&fieldSelector=metadata.name=x,spec.nodeName!=',
			'/api/v1/pods?a=1&a=2&&b&=c&d=', '/api/v1/pods?', '/api/v1/pods?x=%zz&y=%41', '/api/v1/pods?q=a+b%20c',
			// What the parser changes: dot segments, escapes, backslashes, fragments, `//`, characters it escapes.
			'/api/v1/../v1/pods', '/api/./v1/pods', '/api/v1/pods/..', '/api/v1/pods/.', '/api/%2e%2e/v1', '/api/v1/%2E/pods',
			'/api\\v1\\pods', '/api/v1/pods#frag', '/api/v1/pods?x=1#y', '//evil/api/v1/pods', '/api//v1//pods', '/api/v1/p ods',
			'/api/v1/pods?x=a b', "/api/v1/pods?x='y'", '/api/v1/pods?x="y"&z=<>', '/api/v1/pöds?x=é', '/api/v1/pods?x=\t1',
			'/api/v1/a|b^c', '/api/v1/.hidden/..x/x..', '/api/v1/pods?x=1?y=2', '/api/v1/pods?%3D=%26',
		];
		for (const target of targets) expect(seen(requestUrl(target)), target).toEqual(seen(new URL(target, 'http://127.0.0.1')));
	});

	it('refuses what the URL parser refuses', () => {
		expect(() => requestUrl('http://[::1')).toThrow();
	});
});
