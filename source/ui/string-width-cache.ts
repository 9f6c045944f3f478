// string-width with a memory. ink measures every text of every frame (render-node-to-output calls
// widest-line on each text node, uncached), and string-width walks each line grapheme by grapheme
// with Unicode regular expressions: for a 120x40 frame that is a third of the frame's time, for the
// same few hundred strings frame after frame. The bundle (scripts/bundle.mjs) gives ink and
// widest-line this module in place of string-width; ink-output.ts measures with it too.
import stringWidth from 'string-width';

type Options = Parameters<typeof stringWidth>[1];

const limit = 50_000;
let widths = new Map<string, number>();

export default function cachedStringWidth(text: string, options?: Options): number {
	if (options !== undefined) return stringWidth(text, options);
	let width = widths.get(text);
	if (width === undefined) {
		// The screen's strings churn slowly; forgetting everything now and then bounds the memory.
		if (widths.size >= limit) widths = new Map();
		width = stringWidth(text);
		widths.set(text, width);
	}
	return width;
}
