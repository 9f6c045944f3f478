import sliceAnsi from 'slice-ansi';
import {expect, test} from 'vitest';
import {graphemeSegmenter, lazyGraphemeSegmenter} from '../../source/ui/graphemes.js';
import {narrowText} from '../../source/ui/string-width-cache.js';

const icu = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const segments = (s: Iterable<{segment: string; index: number}>) => [...s].map(({segment, index}) => ({segment, index}));

// Lines as the console's frames carry them: styles, box lines, bullets, ellipses; and some that are not narrow.
const lines = [
	'\u001B[1m\u001B[36m─ Fleet 3 ─ flat ─ sort:name↑ ──\u001B[39m\u001B[22m',
	'\u001B[32m●\u001B[39m apiserver   True  False \u001B[2m25m\u001B[22m  AllObjectsAvailable',
	' 0 clusters  \u001B[32m●\u001B[39m 0 healthy   ?: help',
	'Start one: i install · m make management · J join…',
	'\u001B[38;2;255;0;0mred\u001B[0m ⠋ ✓ ✗ ◐ │ ╭─╮',
	'集群 managed-1',
	'🚀 launch \u001B[31me\u0301\u001B[39m',
	'a\tb\r\nc',
	'',
];

// ansi-tokenize's tokens are a function of the line and its segments: equal segments, equal frames.
test('the segmenter the bundle gives ansi-tokenize splits lines as ICU does', () => {
	for (const line of lines) {
		expect(segments(graphemeSegmenter.segment(line)), line).toEqual(segments(icu.segment(line)));
		expect(segments(lazyGraphemeSegmenter.segment(line)), line).toEqual(segments(icu.segment(line)));
	}
	// Every narrow character after an escape sequence and before a letter.
	for (let cp = 0; cp <= 0xffff; cp++) {
		const c = String.fromCodePoint(cp);
		if (!narrowText.test(c)) continue;
		const line = `\u001B[31m${c}a\u001B[39m${c}`;
		expect(segments(graphemeSegmenter.segment(line)), `U+${cp.toString(16)}`).toEqual(segments(icu.segment(line)));
	}
});

test('a plain narrow line is clipped as slice-ansi clips it', () => {
	for (const line of ['─ Fleet 0 ─ flat ─ sort:name↑ ───', 'No clusters yet: reading the kubeconfig contexts...', '● 0 healthy · ?: help …', '']) {
		for (let from = 0; from <= line.length + 1; from++) {
			for (let to = from; to <= line.length + 2; to++) expect(line.slice(from, to), `${from}-${to} ${line}`).toBe(sliceAnsi(line, from, to));
		}
	}
});
