import {describe, expect, it} from 'vitest';
import {apiVersionString, flatString, nowTimestamp, slashPair} from '../../source/sim/flat-string.js';
import {storageKeyOf} from '../../source/sim/store-feed.js';

describe('flat strings the simulator keeps', () => {
	it('keeps every character, whatever the string', () => {
		for (const s of ['', 'a', 'managed-1/' + 'x'.repeat(40), 'quote " backslash \\ tab \t newline \n', 'é — ✓ 😀 \u2028', '\u0000\u001f']) {
			expect(flatString(s)).toBe(s);
		}
	});

	it('writes apiVersions and storage keys as before: group/version, the core group as version alone', () => {
		expect(apiVersionString('', 'v1')).toBe('v1');
		expect(apiVersionString('operator.tigera.io', 'v1')).toBe('operator.tigera.io/v1');
		expect(apiVersionString('operator.tigera.io', 'v1beta1')).toBe('operator.tigera.io/v1beta1');
		expect(storageKeyOf({group: '', resource: 'pods'})).toBe('/pods');
		expect(storageKeyOf({group: 'apps', resource: 'deployments'})).toBe('apps/deployments');
		expect(slashPair('a', 'b/c')).toBe('a/b/c');
		expect(slashPair('a/b', 'c')).toBe('a/b/c');
	});

	it('writes timestamps as kube-apiserver does: RFC 3339 in whole seconds, UTC', () => {
		const before = Math.floor(Date.now() / 1000) * 1000;
		const t = nowTimestamp();
		expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		expect(Date.parse(t)).toBeGreaterThanOrEqual(before);
		expect(Date.parse(t)).toBeLessThanOrEqual(Date.now());
	});
});
