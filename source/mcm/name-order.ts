// The order of names the fleet shows: ICU's, as `new Intl.Collator('en', {numeric: true,
// sensitivity: 'base'})` gives it, without ICU for names of printable ASCII. The first collator (or
// `localeCompare`) a process uses pages in ICU's collation data from the node binary: ~2.2 MB of
// resident memory for as long as the console runs, to order names that are almost always ASCII.
// A name with anything else is compared by ICU itself, so the order stays one total order.

// Printable ASCII by its primary weight in CLDR's root collation (what 'en' uses): spaces, then
// punctuation and symbols in ICU's order, then digits, then letters. A letter's two cases weigh the
// same (sensitivity 'base'). test/mcm/name-order.test.ts checks this against Intl.Collator.
const rootOrder = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz';
const weights = new Uint8Array(128);
for (let i = 0; i < rootOrder.length; i++) {
	const code = rootOrder.charCodeAt(i);
	weights[code] = i + 1;
	if (code >= 0x61 && code <= 0x7a) weights[code - 0x20] = i + 1;
}
const zero = 0x30;
const isDigit = (code: number): boolean => code >= zero && code <= 0x39;
// ICU's numeric collation reads digit runs of up to 254 digits as one number; longer ones go to ICU.
const longestNumber = 254;

let icu: Intl.Collator | undefined;
const collator = (): Intl.Collator => (icu ??= new Intl.Collator('en', {numeric: true, sensitivity: 'base'}));

function printable(text: string, from: number): boolean {
	for (let i = from; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code >= 128 || weights[code] === 0) return false;
	}
	return true;
}

/** End of the digit run that starts at `at`. */
function digitsEnd(text: string, at: number): number {
	let end = at;
	while (end < text.length && isDigit(text.charCodeAt(end))) end++;
	return end;
}

/** First digit after the run's leading zeros (ICU's numeric order ignores them), or `end`. */
function significant(text: string, at: number, end: number): number {
	let i = at;
	while (i < end && text.charCodeAt(i) === zero) i++;
	return i;
}

/**
 * Intl.Collator('en', {numeric: true, sensitivity: 'base'}).compare: case-blind, digit runs by their
 * value ("node-9" before "node-10"), punctuation before digits before letters.
 */
export function compareNamesNatural(a: string, b: string): number {
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		const x = a.charCodeAt(i);
		const y = b.charCodeAt(j);
		if (x >= 128 || y >= 128 || weights[x] === 0 || weights[y] === 0) return collator().compare(a, b);
		if (isDigit(x) && isDigit(y)) {
			const endA = digitsEnd(a, i);
			const endB = digitsEnd(b, j);
			const fromA = significant(a, i, endA);
			const fromB = significant(b, j, endB);
			const lengthA = endA - fromA;
			const lengthB = endB - fromB;
			if (lengthA > longestNumber || lengthB > longestNumber) return collator().compare(a, b);
			// Same count of significant digits: the first differing digit decides; fewer digits is smaller.
			if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
			for (let k = 0; k < lengthA; k++) {
				const d = a.charCodeAt(fromA + k) - b.charCodeAt(fromB + k);
				if (d !== 0) return d < 0 ? -1 : 1;
			}
			i = endA;
			j = endB;
			continue;
		}
		// A digit against anything else: every digit weighs the same ('0') there.
		const wx = weights[isDigit(x) ? zero : x];
		const wy = weights[isDigit(y) ? zero : y];
		if (wx !== wy) return wx < wy ? -1 : 1;
		i++;
		j++;
	}
	// One name is a prefix of the other: the longer one is after it, unless what follows is something
	// ICU may weigh as nothing (a combining mark, a control character).
	if (i < a.length) return printable(a, i) ? 1 : collator().compare(a, b);
	if (j < b.length) return printable(b, j) ? -1 : collator().compare(a, b);
	return 0;
}
