import {afterEach, describe, expect, it, vi} from 'vitest';
import {apiVersionString, flatString, flatUuid, nowTimestamp, slashPair} from '../../source/sim/flat-string.js';
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

	afterEach(() => {
		vi.useRealTimers();
	});

	it('moves the timestamp on with the clock, second by second', () => {
		vi.useFakeTimers({toFake: ['Date']});
		vi.setSystemTime(new Date('2026-12-02T04:59:59.950Z'));
		expect(nowTimestamp()).toBe('2026-12-02T04:59:59Z');
		vi.setSystemTime(new Date('2026-12-02T05:00:00.010Z'));
		expect(nowTimestamp()).toBe('2026-12-02T05:00:00Z');
		vi.setSystemTime(new Date('2026-12-02T04:59:58.000Z'));
		expect(nowTimestamp()).toBe('2026-12-02T04:59:58Z');
	});

	it('makes version 4 UUIDs, each its own', () => {
		const seen = new Set<string>();
		for (let i = 0; i < 2000; i++) {
			const uuid = flatUuid();
			expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
			seen.add(uuid);
		}
		expect(seen.size).toBe(2000);
	});
});
