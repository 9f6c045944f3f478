import type {LogLine} from '../mcm/types.js';

// Searching the log pane: plain text, any case (a log is read by eye; a regular expression would
// make `.` or `(` in an error message a surprise). Lines are numbered absolutely (dropped + index),
// as the log window numbers them, so a match stays the same line while new ones arrive.

/** What a console log line is searched as: its cluster and its text. */
export function consoleLineText(line: LogLine): string {
	return `${line.cluster ?? ''} ${line.text}`;
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
