import {describe, expect, it} from 'vitest';
import {bookmarkVersion} from '../../source/kube/watch/events.js';

/** What the whole parse says the bookmark's resourceVersion is. */
const parsed = (line: string) => (JSON.parse(line) as {object: {metadata: {resourceVersion: string}}}).object.metadata.resourceVersion;

describe('bookmarkVersion', () => {
	it('reads the resourceVersion of the bookmarks kube-apiserver and the simulator write, as a parse would', () => {
		const lines = [
			// kube-apiserver (Go's encoder: ObjectMeta's fields in struct order, resourceVersion before annotations).
			'{"type":"BOOKMARK","object":{"kind":"TigeraStatus","apiVersion":"operator.tigera.io/v1","metadata":{"resourceVersion":"8812345","creationTimestamp":null}}}',
			'{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"77","creationTimestamp":null,"annotations":{"k8s.io/initial-events-end":"true"}}}}',
			// An unstructured (CRD) object: apiVersion first.
			'{"type":"BOOKMARK","object":{"apiVersion":"projectcalico.org/v3","kind":"ManagedCluster","metadata":{"resourceVersion":"5"}}}',
			// A kind whose value reads like the key, escaped as JSON must.
			'{"type":"BOOKMARK","object":{"kind":"X\\"resourceVersion\\":\\"1","metadata":{"resourceVersion":"6"}}}',
		];
		for (const line of lines) expect(bookmarkVersion(line)).toBe(parsed(line));
	});

	it('leaves every other line to the parse', () => {
		for (const line of [
			'{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}}',
			'{"type":"ERROR","object":{"kind":"Status","code":410}}',
			// Spaces, another order: valid JSON, just not the fast form.
			'{ "type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "4"}} }',
			'{"object":{"metadata":{"resourceVersion":"4"}},"type":"BOOKMARK"}',
			// An escape inside the value: the parse knows what it means.
			'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"4\\u0030"}}}',
			// Cut short: not JSON, and the parse says so.
			'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"4"',
			'{"type":"BOOKMARK","object":{"metadata":{}}}',
		]) expect(bookmarkVersion(line)).toBeUndefined();
	});
});
