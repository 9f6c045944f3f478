// One line of an ink frame read as a terminal would draw it: one cell per column with its
// character and the SGR style in force, so that two lines can be compared cell by cell and only the
// changed span rewritten.
//
// Only lines whose every column is certain are split into cells: printable characters that are one
// column wide in every terminal and in ink's own layout, and SGR sequences whose meaning is known.
// Anything else (wide or zero-width characters, emoji, other escape sequences, colon sub-parameters)
// makes the line "opaque": it is then only ever rewritten whole from column 1, where the terminal
// lays it out itself, so a width table that disagrees with the terminal cannot misplace a span.

import {BoundedCache} from './bounded-cache.js';

/** A style as the SGR parameters that set it from the default, in a fixed order ('' = default). */
export type Style = string;

export type Cell = {
	/** The character (one UTF-16 unit or a surrogate pair). */
	text: string;
	style: Style;
	/** What the cell looks like: the style, less what a space does not show (see lookOf). */
	look: string;
	/** Where the character starts and ends in the line's raw text. */
	start: number;
	end: number;
};

export type StyledLine = {
	raw: string;
	/** One per column; undefined when the line is opaque (see above). */
	cells?: Cell[];
	/** The style in force after the whole line; undefined when an SGR sequence was not understood. */
	endStyle?: Style;
};

const flagOn = new Map<number, number>([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [7, 7], [8, 8], [9, 9], [53, 53]]);
const flagOff = new Map<number, number[]>([[22, [1, 2]], [23, [3]], [24, [4]], [25, [5]], [27, [7]], [28, [8]], [29, [9]], [55, [53]]]);
const flagOrder = [1, 2, 3, 4, 5, 7, 8, 9, 53];

type StyleState = {flags: Set<number>; fg: string; bg: string};

// A space shows its background, and its foreground only through inverse, underline, strike-through
// or overline; chalk colours the padding of a coloured cell, and those spaces look exactly like blank
// ones, so they need not be written over blanks.
const spaceShows = [4, 7, 9, 53];
function lookOf(text: string, s: StyleState, style: Style): string {
	if (text !== ' ' || spaceShows.some(f => s.flags.has(f))) return `${text}|${style}`;
	return ` |${s.bg}`;
}

/**
 * The look strings of one style, one string per distinct character: a frame whose ages changed
 * re-reads ~17 lines of 120 columns, and a new string per cell was most of what the writer
 * allocated (with the style key built per cell, now once per SGR sequence).
 */
const looks = new BoundedCache<Style, BoundedCache<string, string>>(1000);
function internedLook(text: string, s: StyleState, style: Style): string {
	const byText = looks.peek(style) ?? looks.set(style, new BoundedCache(5000));
	return byText.peek(text) ?? byText.set(text, lookOf(text, s, style));
}

export const blankLook = ' |';

const keyOf = (s: StyleState): Style => [...flagOrder.filter(f => s.flags.has(f)).map(String), s.fg, s.bg].filter(Boolean).join(';');

/** Extended colour (38/48 ;5;n or ;2;r;g;b) at params[i]; returns the canonical text and how many params it used. */
function extendedColor(params: number[], i: number): [string, number] | undefined {
	const base = params[i];
	const mode = params[i + 1];
	const inByte = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n >= 0 && n <= 255;
	if (mode === 5 && inByte(params[i + 2])) return [`${base};5;${params[i + 2]}`, 3];
	if (mode === 2 && inByte(params[i + 2]) && inByte(params[i + 3]) && inByte(params[i + 4])) return [`${base};2;${params[i + 2]};${params[i + 3]};${params[i + 4]}`, 5];
	return undefined;
}

/** Applies one SGR parameter string (between `ESC[` and `m`); false when any part is not understood. */
function applySgr(state: StyleState, body: string): boolean {
	if (!/^[\d;]*$/.test(body)) return false;
	const params = body === '' ? [0] : body.split(';').map(p => (p === '' ? 0 : Number(p)));
	for (let i = 0; i < params.length; i++) {
		const p = params[i];
		if (p === 0) {
			state.flags.clear();
			state.fg = '';
			state.bg = '';
		} else if (flagOn.has(p)) state.flags.add(p);
		else if (flagOff.has(p)) for (const f of flagOff.get(p)!) state.flags.delete(f);
		else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) state.fg = String(p);
		else if (p === 39) state.fg = '';
		else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) state.bg = String(p);
		else if (p === 49) state.bg = '';
		else if (p === 38 || p === 48) {
			const color = extendedColor(params, i);
			if (!color) return false;
			if (p === 38) state.fg = color[0];
			else state.bg = color[0];
			i += color[1] - 1;
		} else return false;
	}
	return true;
}

/** One column wide in xterm, VTE, tmux, ink's string-width and the like, whatever the locale. */
export function isCertainlyNarrow(cp: number): boolean {
	return (
		(cp >= 0x20 && cp <= 0x7E)
		|| (cp >= 0xA0 && cp <= 0x2FF && cp !== 0xAD)
		|| (cp >= 0x391 && cp <= 0x3C9)
		|| (cp >= 0x410 && cp <= 0x44F)
		|| (cp >= 0x2010 && cp <= 0x2027)
		|| (cp >= 0x2030 && cp <= 0x205E && cp !== 0x203C && cp !== 0x2049)
		|| (cp >= 0x2190 && cp <= 0x22FF)
		|| (cp >= 0x2500 && cp <= 0x25FC)
		|| (cp >= 0x2713 && cp <= 0x2718)
		|| (cp >= 0x2800 && cp <= 0x28FF)
	);
}

const esc = '\u001B';

/** Reads a line of ink output (no newlines). */
export function parseLine(raw: string): StyledLine {
	const state: StyleState = {flags: new Set(), fg: '', bg: ''};
	let style: Style = '';
	let known = true;
	let opaque = false;
	const cells: Cell[] = [];
	let i = 0;
	while (i < raw.length) {
		if (raw[i] === esc) {
			if (raw[i + 1] === '[') {
				// CSI: parameter and intermediate bytes, then one final byte in @..~.
				let j = i + 2;
				while (j < raw.length && (raw.charCodeAt(j) < 0x40 || raw.charCodeAt(j) > 0x7E)) j++;
				if (raw[j] === 'm') {
					if (!applySgr(state, raw.slice(i + 2, j))) {
						known = false;
						opaque = true;
					}
					style = keyOf(state);
				} else opaque = true;
				i = j + 1;
			} else if (raw[i + 1] === ']') {
				// OSC (e.g. a hyperlink): ends at BEL or ST.
				const bel = raw.indexOf('\u0007', i);
				const st = raw.indexOf(`${esc}\\`, i);
				const end = [bel === -1 ? Infinity : bel + 1, st === -1 ? Infinity : st + 2].reduce((a, b) => Math.min(a, b));
				opaque = true;
				i = Number.isFinite(end) ? end : raw.length;
			} else {
				opaque = true;
				i += 2;
			}
			continue;
		}
		const cp = raw.codePointAt(i)!;
		const size = cp > 0xFFFF ? 2 : 1;
		if (!isCertainlyNarrow(cp)) opaque = true;
		else if (!opaque) {
			const text = size === 1 ? raw[i]! : raw.slice(i, i + size);
			cells.push({text, style, look: internedLook(text, state, style), start: i, end: i + size});
		}
		i += size;
	}
	return {raw, cells: opaque ? undefined : cells, endStyle: known ? keyOf(state) : undefined};
}

/** The SGR sequence that sets `style` from the default one. */
export const sgr = (style: Style): string => (style === '' ? '' : `${esc}[${style}m`);
