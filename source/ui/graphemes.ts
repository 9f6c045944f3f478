import {narrowText} from './string-width-cache.js';

// Grapheme segmenters for the text libraries the bundle carries (scripts/bundle.mjs puts these in
// place of their own `new Intl.Segmenter(...)`). The first Intl.Segmenter a process makes loads ICU's
// break rules, ~20 ms of CPU before the first frame, and segmenting a line through ICU costs an object
// per character; the console's own lines do not need either.

let icu: Intl.Segmenter | undefined;
const segmenter = () => (icu ??= new Intl.Segmenter(undefined, {granularity: 'grapheme'}));

/** Intl.Segmenter's grapheme segmenter, made on first use. */
export const lazyGraphemeSegmenter = {segment: (text: string): Intl.Segments => segmenter().segment(text)};

/**
 * Escape sequences and the narrow characters of string-width-cache.ts: each UTF-16 unit is a grapheme
 * of its own (ESC is a control, which always stands alone; the others are checked one by one in
 * test/ui/string-width-cache.test.ts).
 */
const unitText = new RegExp(narrowText.source.replace('^[', '^[\\u001B'));

/** Segments as Intl.Segmenter's ({segment, index}), one per UTF-16 unit where that is what ICU would give. */
export const graphemeSegmenter = {
	segment(text: string): Iterable<{segment: string; index: number}> {
		if (!unitText.test(text)) return segmenter().segment(text);
		const out: Array<{segment: string; index: number}> = [];
		for (let index = 0; index < text.length; index++) out.push({segment: text[index]!, index});
		return out;
	},
};
