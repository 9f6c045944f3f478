import {blankLook, sgr, type Cell, type StyledLine} from './styled-line.js';

// The bytes that turn one terminal row showing `old` into `next`: only the changed spans of the
// row when both lines can be compared cell by cell, else the whole line; whichever is shorter.
//
// Both assume what the screen writer guarantees between writes: the row shows `old` drawn from
// column 1 on a blank row, and the terminal's SGR state is the default. Both leave it at the default.

const esc = '\u001B';
const reset = `${esc}[m`;
const bytes = (s: string) => Buffer.byteLength(s);

export const cup = (row: number, col: number): string => (col === 1 ? `${esc}[${row}H` : `${esc}[${row};${col}H`);

/** The whole of `next` from column 1, the row erased first when `old` may show past its end. */
export function wholeLine(row: number, old: StyledLine, next: StyledLine): string {
	// Erase before writing, never after: a line that fills the last column leaves the cursor in the
	// pending-wrap state, where erase-to-end would delete its last character.
	const covered = old.raw === '' || (old.cells !== undefined && next.cells !== undefined && visibleWidth(old.cells) <= next.cells.length);
	const endReset = next.endStyle === '' ? '' : reset;
	return `${cup(row, 1)}${covered ? '' : `${esc}[2K`}${next.raw}${endReset}`;
}

const isBlank = (c: Cell | undefined) => c === undefined || c.look === blankLook;
const same = (a: Cell | undefined, b: Cell | undefined) => (a?.look ?? blankLook) === (b?.look ?? blankLook);

/** Columns up to the last one that is not a default-style blank. */
function visibleWidth(cells: Cell[]): number {
	let n = cells.length;
	while (n > 0 && isBlank(cells[n - 1])) n--;
	return n;
}

/** Shorter of two moves along the current row to 1-based `col` from `from`. */
function moveRight(from: number, col: number): string {
	const cha = `${esc}[${col}G`;
	const cuf = `${esc}[${col - from === 1 ? '' : col - from}C`;
	return cuf.length < cha.length ? cuf : cha;
}

/**
 * Only the spans of `next` that differ from `old`, each written with the style in force at its
 * start; undefined when either line cannot be compared cell by cell or is wider than the terminal.
 */
export function changedSpans(row: number, old: StyledLine, next: StyledLine, columns: number): string | undefined {
	if (!old.cells || !next.cells || old.cells.length > columns || next.cells.length > columns) return undefined;
	const a = old.cells;
	const b = next.cells;
	const oldWidth = visibleWidth(a);
	const newWidth = visibleWidth(b);
	// Runs of differing columns within the new line's text, as [first, last] (0-based, inclusive).
	const runs: Array<[number, number]> = [];
	for (let x = 0; x < newWidth; x++) {
		if (same(a[x], b[x])) continue;
		const last = runs[runs.length - 1];
		if (last && last[1] === x - 1) last[1] = x;
		else runs.push([x, x]);
	}
	// Past the new text the row must end up blank: erase from the first old non-blank column there.
	let eraseFrom: number | undefined;
	for (let x = newWidth; x < oldWidth; x++) {
		if (!isBlank(a[x])) {
			eraseFrom = x;
			break;
		}
	}
	// Join runs when rewriting the unchanged columns between them is no dearer than moving over them.
	const spans: Array<[number, number]> = [];
	for (const run of runs) {
		const prev = spans[spans.length - 1];
		if (prev) {
			const between = bytes(next.raw.slice(b[prev[1]].end, b[run[0]].start));
			const jump = (b[prev[1]].style === '' ? 0 : reset.length) + moveRight(prev[1] + 1, run[0] + 1).length + sgr(b[run[0]].style).length;
			if (between <= jump) {
				prev[1] = run[1];
				continue;
			}
		}
		spans.push([run[0], run[1]]);
	}
	let out = '';
	let cursor: number | undefined; // 0-based column the cursor is at, once on this row
	for (const [first, last] of spans) {
		out += cursor === undefined ? cup(row, first + 1) : moveRight(cursor + 1, first + 1);
		out += sgr(b[first].style) + next.raw.slice(b[first].start, b[last].end);
		if (b[last].style !== '') out += reset;
		cursor = last + 1;
	}
	if (eraseFrom !== undefined) {
		// eraseFrom < oldWidth <= columns: the cursor is never left in the pending-wrap state here.
		if (cursor !== eraseFrom) out += cursor === undefined || cursor > eraseFrom ? cup(row, eraseFrom + 1) : moveRight(cursor + 1, eraseFrom + 1);
		out += `${esc}[K`;
	}
	return out;
}

/** The cheaper of the two ways to turn row `row` (1-based) from `old` into `next`; '' when they are the same. */
export function lineUpdate(row: number, old: StyledLine, next: StyledLine, columns: number): string {
	if (old.raw === next.raw) return '';
	const whole = wholeLine(row, old, next);
	const spans = changedSpans(row, old, next, columns);
	return spans !== undefined && bytes(spans) < bytes(whole) ? spans : whole;
}
