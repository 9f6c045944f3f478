import type {StyledLine} from './styled-line.js';

// Moving rows instead of rewriting them: when a run of the new frame's rows is the old frame's rows
// shifted up or down (the log pane after a new line), the terminal can move them itself with
// delete/insert line (DL/IL) inside a scroll region (DECSTBM), and only the rows that are still
// different get written. DL/IL rather than SU/SD: they date from the VT102 and work on every
// terminal the console meets (the Linux console has no SU/SD), for a few bytes more.

const esc = '\u001B';

/** Rows `top`..`bottom` (0-based, inclusive) move by `by` rows: up when positive, down when negative. */
export type Shift = {top: number; bottom: number; by: number};

export const blankLine: StyledLine = {raw: '', cells: [], endStyle: ''};

/**
 * The bytes that move the rows, for a terminal `rows` tall. The cursor is left at the region's top
 * row and the scroll region at the whole screen; the rows vacated are blank in the default style
 * (the writer's SGR state is always the default between writes).
 */
export function shiftSequence(shift: Shift, rows: number): string {
	const k = Math.abs(shift.by);
	const count = k === 1 ? '' : String(k);
	// DL/IL act from the cursor's row down to the bottom margin: a region is needed only above the last row.
	const region = shift.bottom < rows - 1;
	return `${region ? `${esc}[${shift.top + 1};${shift.bottom + 1}r` : ''}${esc}[${shift.top + 1}H${esc}[${count}${shift.by > 0 ? 'M' : 'L'}${region ? `${esc}[r` : ''}`;
}

/** What the rows show after the shift. */
export function applyShift(lines: readonly StyledLine[], shift: Shift): StyledLine[] {
	const out = [...lines];
	while (out.length <= shift.bottom) out.push(blankLine);
	const k = Math.abs(shift.by);
	for (let i = shift.top; i <= shift.bottom; i++) {
		const from = shift.by > 0 ? i + k : i - k;
		out[i] = from >= shift.top && from <= shift.bottom ? lines[from] ?? blankLine : blankLine;
	}
	return out;
}

/**
 * The shift that saves the most bytes, if any saves some. `cost(row, old, next)` is what rewriting
 * one row costs. Candidates: for every distance k, each maximal run of rows where next[i] equals
 * shown[i ± k] and at least one row changed.
 */
export function bestShift(
	shown: readonly StyledLine[],
	next: readonly StyledLine[],
	rows: number,
	cost: (row: number, old: StyledLine, next: StyledLine) => number,
): Shift | undefined {
	const n = Math.min(rows, Math.max(shown.length, next.length));
	if (n < 2) return undefined;
	const oldAt = (i: number) => shown[i] ?? blankLine;
	const newAt = (i: number) => next[i] ?? blankLine;
	const unchanged = (i: number) => oldAt(i).raw === newAt(i).raw;
	const memo = new Map<number, number>();
	const stay = (i: number) => {
		let c = memo.get(i);
		if (c === undefined) memo.set(i, (c = unchanged(i) ? 0 : cost(i, oldAt(i), newAt(i))));
		return c;
	};
	const blankMemo = new Map<number, number>();
	const fromBlank = (i: number) => {
		let c = blankMemo.get(i);
		if (c === undefined) blankMemo.set(i, (c = newAt(i).raw === '' ? 0 : cost(i, blankLine, newAt(i))));
		return c;
	};
	let best: {shift: Shift; gain: number} | undefined;
	const consider = (shift: Shift, kept: [number, number], vacated: [number, number]) => {
		let gain = -Buffer.byteLength(shiftSequence(shift, rows));
		for (let i = kept[0]; i <= kept[1]; i++) gain += stay(i);
		for (let i = vacated[0]; i <= vacated[1]; i++) gain -= fromBlank(i) - stay(i);
		if (gain > 0 && (!best || gain > best.gain)) best = {shift, gain};
	};
	for (let k = 1; k < n; k++) {
		for (const up of [true, false]) {
			// Rows i of the new frame that are row i + k (up) or i - k (down) of the old one.
			const matches = (i: number) => newAt(i).raw === oldAt(up ? i + k : i - k).raw;
			const first = up ? 0 : k;
			const end = up ? n - k : n;
			for (let i = first; i < end; i++) {
				if (!matches(i)) continue;
				let j = i;
				let changed = !unchanged(i);
				while (j + 1 < end && matches(j + 1)) {
					j++;
					changed ||= !unchanged(j);
				}
				if (changed) {
					if (up) consider({top: i, bottom: j + k, by: k}, [i, j], [j + 1, j + k]);
					else consider({top: i - k, bottom: j, by: -k}, [i, j], [i - k, i - 1]);
				}
				i = j;
			}
		}
	}
	return best?.shift;
}
