import {describe, expect, it} from 'vitest';
import {compareNamesNatural} from '../../source/mcm/name-order.js';

// The fleet's names must come in the order ICU gives them: the fast path for ASCII names is a copy of
// ICU's root collation, and a copy that differs anywhere would sort the same fleet two ways.
const icu = new Intl.Collator('en', {numeric: true, sensitivity: 'base'});
const sign = (n: number): number => Math.sign(n);

function seeded(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

function names(alphabet: string[], count: number, maxLength: number, random: () => number): string[] {
	return Array.from({length: count}, () => {
		const length = Math.floor(random() * (maxLength + 1));
		let text = '';
		for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
		return text;
	});
}

describe('compareNamesNatural', () => {
	it('orders every pair of printable ASCII characters as ICU does', () => {
		const chars = Array.from({length: 0x7f - 0x20}, (_, i) => String.fromCharCode(0x20 + i));
		for (const a of chars) for (const b of chars) expect(sign(compareNamesNatural(`x${a}`, `x${b}`)), `${a} vs ${b}`).toBe(sign(icu.compare(`x${a}`, `x${b}`)));
	});

	it('orders names with numbers, cases and punctuation as ICU does', () => {
		const random = seeded(7);
		const alphabet = ['0', '0', '1', '2', '9', '1', 'a', 'A', 'b', 'z', 'Z', '-', '.', '_', ' ', ':', '/', '$', '~'];
		const list = names(alphabet, 600, 8, random);
		for (let i = 0; i + 1 < list.length; i += 1) {
			const [a, b] = [list[i], list[(i * 7 + 3) % list.length]];
			expect(sign(compareNamesNatural(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(icu.compare(a, b)));
		}
		expect([...list].sort(compareNamesNatural)).toEqual([...list].sort((a, b) => icu.compare(a, b)));
	});

	it('puts node-9 before node-10 and reads leading zeros as ICU does', () => {
		expect(['node-10', 'node-9', 'Node-1', 'node-010x'].sort(compareNamesNatural)).toEqual(['Node-1', 'node-9', 'node-10', 'node-010x']);
		for (const [a, b] of [['a01', 'a1'], ['a0', 'a00'], ['a0', 'a'], ['a1.0', 'a1'], ['x1', 'x 1']]) expect(sign(compareNamesNatural(a, b))).toBe(sign(icu.compare(a, b)));
	});

	it('keeps ICU order for names that are not plain ASCII', () => {
		const random = seeded(11);
		const alphabet = ['a', 'é', 'e', '\u0301', 'E', '1', '2', '\t', '\u0000', 'ß', 's', '-', '日'];
		const list = names(alphabet, 300, 6, random);
		expect([...list].sort(compareNamesNatural)).toEqual([...list].sort((a, b) => icu.compare(a, b)));
		expect(compareNamesNatural('cafe', 'café')).toBe(icu.compare('cafe', 'café'));
		expect(compareNamesNatural('e', 'e\u0301')).toBe(icu.compare('e', 'e\u0301'));
	});

	it('reads numbers longer than ICU takes as one through ICU', () => {
		const long = '1'.repeat(300);
		expect(sign(compareNamesNatural(`a${long}2`, `a${long}1`))).toBe(sign(icu.compare(`a${long}2`, `a${long}1`)));
	});
});
