import {describe, expect, test} from 'vitest';
import {parseFilter} from '../../source/store/selectors.js';
import {cluster} from './fixtures.js';

// Filter regexes run in a linear-time engine: patterns that make JavaScript's backtracking RegExp
// run for minutes (and so hold every key and signal) answer at once here. On today's RegExp these
// calls do not return within the test's timeout.

describe('filter regex', () => {
	test('(a+)+b and (\\w+-?)+staging on long rows answer, and still match what they should', () => {
		const long = cluster('a'.repeat(60), {name: `${'a'.repeat(60)}-x`});
		const gke = cluster('gke', {name: 'gke_my-production-project-123456_europe-west1-b_payments-cluster-primary-blue-green-canary'});
		expect(parseFilter('~^(a+)+b').test!(long)).toBe(false);
		expect(parseFilter('/(\\w+-?)+staging/').test!(gke)).toBe(false);
		expect(parseFilter('~(\\w+-?)+canary').test!(gke)).toBe(true);
		expect(parseFilter('!~(\\w+-?)+staging').test!(gke)).toBe(true);
		expect(parseFilter('~^GKE_MY').test!(gke)).toBe(true);
	});

	test('what RE2 leaves out is refused with the reason, and a syntax error names the problem', () => {
		expect(parseFilter('~(a)\\1').error).toBe('bad regex: backreferences (`\\1`) are not supported: the filter matches in linear time');
		expect(parseFilter('~foo(?!bar)').error).toMatch(/^bad regex: lookarounds \(`\(\?!`\) are not supported/);
		expect(parseFilter('~(a').error).toBe('bad regex: missing closing ): `(a`');
		expect(parseFilter('~(a').test).toBeUndefined();
	});
});
