import type {YamlView} from './inspect-slice.js';

// Pure reads of the YAML view: its lines, where the search matches, and where n / N go.

/** The YAML's lines (none until it is loaded; the pane says what it waits for or what failed). */
export function yamlLines(view: YamlView): string[] {
	return view.load.state === 'ok' ? view.load.text.replace(/\n$/, '').split('\n') : [];
}

/** Indexes of the lines containing `query`, any case; none for an empty query. */
export function searchMatches(lines: readonly string[], query: string): number[] {
	const q = query.toLowerCase();
	if (!q) return [];
	const out: number[] = [];
	for (const [i, line] of lines.entries()) if (line.toLowerCase().includes(q)) out.push(i);
	return out;
}

/**
 * The match n (dir 1) or N (dir -1) goes to from line `from` (the current match, or the top line
 * when there is none yet: then the first match at or after it). Wraps around; undefined: no match.
 */
export function nextMatch(matches: readonly number[], from: number, dir: 1 | -1, inclusive = false): {line: number; wrapped: boolean} | undefined {
	if (matches.length === 0) return undefined;
	if (dir === 1) {
		const found = matches.find(m => (inclusive ? m >= from : m > from));
		return found === undefined ? {line: matches[0]!, wrapped: true} : {line: found, wrapped: false};
	}
	const found = [...matches].reverse().find(m => (inclusive ? m <= from : m < from));
	return found === undefined ? {line: matches.at(-1)!, wrapped: true} : {line: found, wrapped: false};
}

/** The top line that shows `line` in a window of `size` lines: unchanged if already visible, else a third down. */
export function topShowing(line: number, top: number, size: number, total: number): number {
	const max = Math.max(0, total - size);
	if (line >= top && line < top + size) return Math.min(top, max);
	return Math.max(0, Math.min(max, line - Math.floor(size / 3)));
}
