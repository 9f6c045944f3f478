import type {LogLine} from '../mcm/types.js';

// Searching the log pane: plain text, any case (a log is read by eye; a regular expression would
// make `.` or `(` in an error message a surprise). Lines are numbered absolutely (dropped + index),
// as the log window numbers them, so a match stays the same line while new ones arrive.

// Log lines are never changed once logged: each one's text is made once. The console log pane
// re-reads every line's text whenever a line is added (up to its 2,000-line cap), and on a big fleet
// a line comes with most connection flips: ~0.6 ms and 2,000 new strings each time, on the path
// from the watch event to the screen.
const texts = new WeakMap<LogLine, string>();

/** What a console log line is searched as: its cluster and its text. */
export function consoleLineText(line: LogLine): string {
	let text = texts.get(line);
	if (text === undefined) texts.set(line, (text = `${line.cluster ?? ''} ${line.text}`));
	return text;
}

/** Every absolute line number that matches. */
export function matchingLines(lines: readonly string[], dropped: number, query: string): number[] {
	const out: number[] = [];
	if (!query) return out;
	const q = query.toLowerCase();
	lines.forEach((l, i) => l.toLowerCase().includes(q) && out.push(dropped + i));
	return out;
}

export type SearchStep = {line: number; wrapped: boolean; index: number; count: number};

/**
 * The match after (dir 1: newer) or before (dir -1: older) `from`; from undefined: the newest match.
 * Past the end it wraps around, and says so. Undefined when nothing matches.
 */
export function stepMatch(matches: readonly number[], from: number | undefined, dir: 1 | -1): SearchStep | undefined {
	if (matches.length === 0) return undefined;
	const count = matches.length;
	if (from === undefined) return {line: matches[count - 1]!, wrapped: false, index: count - 1, count};
	if (dir === 1) {
		const i = matches.findIndex(m => m > from);
		return i === -1 ? {line: matches[0]!, wrapped: true, index: 0, count} : {line: matches[i]!, wrapped: false, index: i, count};
	}
	let i = -1;
	for (let j = count - 1; j >= 0; j--) {
		if (matches[j]! < from) {
			i = j;
			break;
		}
	}
	return i === -1 ? {line: matches[count - 1]!, wrapped: true, index: count - 1, count} : {line: matches[i]!, wrapped: false, index: i, count};
}

/** The text cut into pieces, the matching ones marked, for highlighting. */
export function highlightParts(text: string, query: string): Array<{text: string; hit: boolean}> {
	if (!query) return [{text, hit: false}];
	const lower = text.toLowerCase();
	const q = query.toLowerCase();
	const out: Array<{text: string; hit: boolean}> = [];
	let at = 0;
	for (let i = lower.indexOf(q); i !== -1 && q.length > 0; i = lower.indexOf(q, i + q.length)) {
		if (i > at) out.push({text: text.slice(at, i), hit: false});
		out.push({text: text.slice(i, i + q.length), hit: true});
		at = i + q.length;
	}
	if (at < text.length) out.push({text: text.slice(at), hit: false});
	return out;
}
