import stringWidth from 'string-width';
import {expect, test} from 'vitest';
import cachedStringWidth, {narrowText} from '../../source/ui/string-width-cache.js';

test('every character the fast path counts as one column is one column to string-width and its own grapheme', () => {
	const segmenter = new Intl.Segmenter();
	const wrong: string[] = [];
	let counted = 0;
	for (let cp = 0; cp <= 0xffff; cp++) {
		const c = String.fromCodePoint(cp);
		if (!narrowText.test(c)) continue;
		counted++;
		// Joins neither the character before it (an extending mark would) nor the one after (a prepended one would).
		const graphemes = [...segmenter.segment(`a${c}a`)].length;
		if (stringWidth(c) !== 1 || graphemes !== 3 || [...segmenter.segment(c + c)].length !== 2) wrong.push(`U+${cp.toString(16)}`);
	}
	expect(wrong).toEqual([]);
	expect(counted).toBeGreaterThan(1000);
});

test('the cached width is string-width for the console texts, wide and zero-width characters, and styled text', () => {
	const texts = [
		'─ Fleet 0 ─ flat ─ sort:name↑ ──',
		' 0 clusters  ● 0 healthy   ?: help  /: filter',
		'Start one on the selected cluster: i install · m make management · J join…',
		'⠋ waiting ✓ done ✗ failed ◐ 50 %',
		'集群 managed-1',
		'🚀 launch',
		'e\u0301',
		'a\u200bb',
		'\u001b[31mred ─\u001b[39m',
		'\u001b[1;38;5;208m› ●\u001b[m managed-0001 \u001b[32mok 40s\u001b[39m\u001b[22m',
		'\u001b[31m集群\u001b[39m',
		'\u001b[2K erase: not an SGR sequence',
		'a\u001b[;1;;12345mb\u001b[0;m',
		'',
	];
	for (const text of texts) expect(cachedStringWidth(text), text).toBe(stringWidth(text));
	expect(narrowText.test('集群')).toBe(false);
	expect(narrowText.test('e\u0301')).toBe(false);
});
