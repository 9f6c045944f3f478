import {describe, expect, test} from 'vitest';
import {wrapColumns} from '../../source/ui/format.js';
import {computeLayout, contentRows, zoomLayout} from '../../source/ui/layout.js';
import type {LogLine} from '../../source/mcm/types.js';
import {consoleLineText, highlightParts, matchingLines, stepMatch} from '../../source/ui/log-search.js';

describe('log search', () => {
	const lines = ['mgmt api ok', 'managed-1 tunnel down', 'mgmt API unreachable', 'standalone-1 added'];

	test('matches any case, numbered absolutely past the dropped lines', () => {
		expect(matchingLines(lines, 100, 'api')).toEqual([100, 102]);
		expect(matchingLines(lines, 0, '')).toEqual([]);
		expect(matchingLines(lines, 0, 'nothing')).toEqual([]);
	});

	test('starts at the newest match; n goes newer, N older, each wrapping and saying so', () => {
		const m = [3, 8, 20];
		expect(stepMatch(m, undefined, -1)).toEqual({line: 20, wrapped: false, index: 2, count: 3});
		expect(stepMatch(m, 20, -1)).toMatchObject({line: 8, wrapped: false});
		expect(stepMatch(m, 3, -1)).toMatchObject({line: 20, wrapped: true});
		expect(stepMatch(m, 8, 1)).toMatchObject({line: 20, wrapped: false});
		expect(stepMatch(m, 20, 1)).toMatchObject({line: 3, wrapped: true, index: 0});
		expect(stepMatch([], undefined, 1)).toBeUndefined();
	});

	test('highlights every occurrence, keeping the text as written', () => {
		expect(highlightParts('API down, api up', 'api')).toEqual([
			{text: 'API', hit: true},
			{text: ' down, ', hit: false},
			{text: 'api', hit: true},
			{text: ' up', hit: false},
		]);
		expect(highlightParts('x', '')).toEqual([{text: 'x', hit: false}]);
	});
});

describe('zoom', () => {
	test('the zoomed pane gets the whole body, the others nothing', () => {
		const full = computeLayout(100, 30);
		const z = zoomLayout(full, 'log');
		expect(z.panes.log).toEqual({width: 100, height: full.body});
		expect(z.panes.fleet).toEqual({width: 0, height: 0});
		expect(contentRows(z, 'log')).toBe(full.body - 1);
		expect(zoomLayout(computeLayout(20, 5), 'log').mode).toBe('too-small');
	});

	test('a long line wraps into rows of the width, nothing lost; wide characters count twice', () => {
		expect(wrapColumns('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
		expect(wrapColumns('日本語', 4)).toEqual(['日本', '語']);
		expect(wrapColumns('', 4)).toEqual(['']);
	});
});

describe('console log lines as searched', () => {
	// The log pane re-reads every line's text (up to 2,000) each time a line is added: a line's text is
	// made once, not once per added line.
	test('a line is read once, however often the log is re-read', () => {
		let reads = 0;
		const line = {t: 0, level: 'info', cluster: 'managed-7', get text() {
			reads++;
			return 'connection lost';
		}} as LogLine;
		expect(consoleLineText(line)).toBe('managed-7 connection lost');
		expect(consoleLineText(line)).toBe('managed-7 connection lost');
		expect(reads).toBe(1);
	});
});
