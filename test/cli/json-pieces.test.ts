import {describe, expect, it} from 'vitest';
import {batched, jsonPieces} from '../../source/cli/json-pieces.js';

const whole = (document: Record<string, unknown>) => `${JSON.stringify(document, null, 2)}\n`;
const joined = (document: Record<string, unknown>, key: string) => [...jsonPieces(document, key)].join('');

describe('JSON in pieces', () => {
	it('is the text JSON.stringify indents, byte for byte', () => {
		const cluster = (n: number) => ({
			id: `managed-${n}`,
			nested: {list: [1, 'two', null, {deep: ['x']}], empty: {}, none: []},
			text: 'line\nbreak "quoted" \\ back ünïcødé ✓ 😀',
			skipped: undefined,
		});
		const documents: Array<Record<string, unknown>> = [
			{apiVersion: 'v1', summary: {total: 3}, clusters: [cluster(1), cluster(2), cluster(3)]},
			{apiVersion: 'v1', clusters: [cluster(1)]},
			// Across the runs of elements stringified together: one run and one more, one short of three.
			{apiVersion: 'v1', clusters: Array.from({length: 17}, (_, i) => cluster(i))},
			{apiVersion: 'v1', clusters: Array.from({length: 47}, (_, i) => (i % 5 === 0 ? [i, {}] : cluster(i)))},
			{apiVersion: 'v1', clusters: []},
			{clusters: [1, 'a', null, [], {}, undefined, () => 1]},
			// Not the last key: whole.
			{clusters: [cluster(1)], kind: 'after'},
			{clusters: 'not a list'},
		];
		for (const document of documents) expect(joined(document, 'clusters')).toBe(whole(document));
	});

	it('gives the list in several pieces, and batches them into pieces of at least the size', () => {
		const document = {clusters: Array.from({length: 100}, (_, i) => ({i, pad: 'x'.repeat(100)}))};
		expect([...jsonPieces(document, 'clusters')].length).toBeGreaterThan(5);
		const batches = [...batched(jsonPieces(document, 'clusters'), 1000)];
		expect(batches.join('')).toBe(whole(document));
		for (const batch of batches.slice(0, -1)) expect(batch.length).toBeGreaterThanOrEqual(1000);
		expect(batches.length).toBeGreaterThan(5);
	});
});
