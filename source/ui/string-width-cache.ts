// string-width with a memory. ink measures every text of every frame (render-node-to-output calls
// widest-line on each text node, uncached), and string-width walks each line grapheme by grapheme
// with Unicode regular expressions: for a 120x40 frame that is a third of the frame's time, for the
// same few hundred strings frame after frame. The bundle (scripts/bundle.mjs) gives every package
// that imports string-width (ink, widest-line, wrap-ansi, cli-truncate) this module instead, and
// ink-output.ts measures with it too.
import {BoundedCache} from './bounded-cache.js';
import stringWidth from 'string-width';

type Options = Parameters<typeof stringWidth>[1];

/**
 * Text that is one column per UTF-16 unit: printable ASCII and the narrow symbols the console draws
 * (Latin-1 signs, dashes and quotes, arrows, math signs, box lines, shapes, check marks, braille
 * spinners). None of them is wide, an emoji on its own, or joins a neighbour into one grapheme
 * (test/ui/string-width-cache.test.ts checks each one against string-width and Intl.Segmenter), so
 * such a text is as wide as it is long. It spares string-width's first call, which builds its
 * grapheme segmenter and compiles its emoji expressions: about 100 ms of CPU before the first frame.
 */
export const narrowText = /^[\u0020-\u007E\u00A1-\u00AC\u00AE-\u00FF\u2010-\u2027\u2030-\u205E\u2190-\u21FF\u2200-\u22FF\u2500-\u25FC\u2713-\u2718\u2800-\u28FF]*$/;

/**
 * Narrow text with SGR sequences (`ESC[...m`, what chalk and ink's colours write): string-width strips
 * the sequences and measures the rest, so its width is its length less theirs. ink measures every
 * styled text it lays out; a row whose age changed is a new string each time, which string-width
 * walked grapheme by grapheme (the most of a 10 s age frame's layout time).
 */
export const sgrNarrowText = new RegExp(`^(?:\u001B\\[[0-9;]*m|${narrowText.source.slice(1, -2)})*$`);

function sgrNarrowWidth(text: string): number {
	let width = 0;
	for (let i = 0; i < text.length; i++) {
		if (text.charCodeAt(i) === 0x1b) i = text.indexOf('m', i);
		else width++;
	}
	return width;
}

const widths = new BoundedCache<string, number>(50_000);

export default function cachedStringWidth(text: string, options?: Options): number {
	if (options !== undefined) return stringWidth(text, options);
	if (narrowText.test(text)) return text.length;
	if (sgrNarrowText.test(text)) return sgrNarrowWidth(text);
	return widths.peek(text) ?? widths.set(text, stringWidth(text));
}
