// ink's Output (ink 6.8.0 build/output.js, MIT licence, (c) Vadym Demedes and Sindre Sorhus), with
// its caches kept from one frame to the next. ink builds every frame from scratch: each text it
// writes is tokenized into styled characters, each character measured, and each of the screen's rows
// turned back into a string, 20-30 ms for a 120x40 screen. Between two frames almost every text is
// the same (scrolling moves rows, it does not change them), so here:
//  - a text's styled characters, a text clipped to a box and a character's width are computed once,
//    not once per frame;
//  - a row is the result of the texts written on it, in order, at their columns: a row written with
//    the same texts at the same columns as in an earlier frame is that frame's string, not rebuilt.
// The output is the same string ink's own Output returns (test/ui/ink-output.test.ts compares them).
//
// How it replaces ink's: the bundle (scripts/bundle.mjs) resolves ink's `./output.js` to this file;
// run from the sources, installInkOutput() sets ink's Output.prototype.get to this one's.
import {createRequire} from 'node:module';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, tokenize, type AnsiCode, type StyledChar} from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import {BoundedCache} from './bounded-cache.js';
import stringWidth, {narrowText, sgrNarrowText} from './string-width-cache.js';

type Clip = {x1?: number; x2?: number; y1?: number; y2?: number};
type Transformer = (line: string, index: number) => string;
type Operation = {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/** A map that forgets everything when it grows past `limit` (the screen's texts churn slowly). */
const styledChars = new BoundedCache<string, StyledChar[]>(20_000);
const blockWidths = new BoundedCache<string, number>(5000);
const rowStrings = new BoundedCache<string, string>(5000);
const slices = new BoundedCache<string, string>(20_000);

// One object per distinct styled character, shared by every cached line that holds it. The tokenizer
// makes an object per character of every line, each with a shape of its own: a 1,001-cluster console
// kept ~300,000 of them (~60 MB) in the line cache. Placed characters are only read, never changed
// (as `blank` below), so sharing them changes no frame. Their styles are shared the same way: one
// array per distinct style, which holds its characters, so that a row's string is built
// from the style changes along it (rowString), not from a comparison of every character with the last.
type Styles = AnsiCode[];
type InternedStyle = {styles: Styles; chars: BoundedCache<string, StyledChar>; after: BoundedCache<string, InternedStyle>};
const internedStyles = new BoundedCache<string, InternedStyle>(5000);
const internStyles = (codes: Styles) => internedStyles.get(codes.map(code => code.code).join('\u0000'), () => ({styles: codes, chars: new BoundedCache(5000), after: new BoundedCache(1000)}));
const plainStyle = internStyles([]);

/** The one shared character of this style (see above). */
function charOf(style: InternedStyle, value: string, fullWidth: boolean): StyledChar {
	const key = fullWidth ? `\u0001${value}` : value;
	return style.chars.peek(key) ?? style.chars.set(key, {type: 'char', value, fullWidth, styles: style.styles} as StyledChar);
}

/** The style after one SGR sequence (`ESC[...m`, compound or not) in `style`, as ansi-tokenize reduces it. */
function styleAfter(style: InternedStyle, sequence: string): InternedStyle {
	return style.after.peek(sequence) ?? style.after.set(sequence, internStyles(reduceAnsiCodesIncremental(style.styles, tokenize(sequence) as AnsiCode[])));
}

/** ansi-tokenize's styledCharsFromTokens (same characters, same styles), made of shared objects. */
function styledCharsOf(line: string): StyledChar[] {
	return styledChars.get(line, l => {
		const chars: StyledChar[] = [];
		let style = plainStyle;
		// SGR sequences and narrow characters only (what the console draws): a character per UTF-16
		// unit, its own grapheme and never wide (string-width-cache.ts), so no segmenter and no token
		// objects; each SGR sequence is tokenized alone, once per style, as ansi-tokenize would within
		// the line. A row whose ages changed (every 10 s) is read again without ~2,000 token objects.
		if (sgrNarrowText.test(l)) {
			for (let i = 0; i < l.length; i++) {
				if (l.charCodeAt(i) === 0x1b) {
					const end = l.indexOf('m', i);
					style = styleAfter(style, l.slice(i, end + 1));
					i = end;
				} else chars.push(charOf(style, l[i]!, false));
			}
			return chars;
		}
		for (const token of tokenize(l)) {
			if (token.type === 'ansi') style = internStyles(reduceAnsiCodesIncremental(style.styles, [token]));
			else chars.push(charOf(style, token.value, token.fullWidth));
		}
		return chars;
	});
}

/** What ansi-tokenize's styledCharsToString writes between two styles, by the styles' identity. */
const transitions = new Map<Styles, Map<Styles, string>>();
const none: Styles = [];
function transition(from: Styles, to: Styles): string {
	if (from === to) return '';
	let row = transitions.get(from);
	if (!row) {
		if (transitions.size >= 5000) transitions.clear();
		transitions.set(from, (row = new Map()));
	}
	let text = row.get(to);
	if (text === undefined) {
		text = from === none ? ansiCodesToString(to) : ansiCodesToString(diffAnsiCodes(from, to));
		row.set(to, text);
	}
	return text;
}

/**
 * ansi-tokenize's styledCharsToString, same string: it compares every character's styles with the
 * last one's (three Sets and four arrays a character); here only where the styles differ, and what
 * to write there is remembered. Equal styles write nothing either way.
 */
function rowString(chars: readonly StyledChar[]): string {
	let text = '';
	let last = none;
	for (const char of chars) {
		text += transition(last, char.styles) + char.value;
		last = char.styles;
	}
	return chars.length === 0 ? text : text + transition(last, none);
}
const widthOf = (text: string) => stringWidth(text);
const widestLine = (text: string) => blockWidths.get(text, t => Math.max(0, ...t.split('\n').map(widthOf)));

// Characters are only read once placed, so every blank cell can be the same object.
const blank: StyledChar = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: []}) as unknown as StyledChar;

/** One text written on one row: its column and the line as it lands (clipped, transformed). */
type RowWrite = {x: number; line: string};

export default class Output {
	width: number;
	height: number;
	operations: Operation[] = [];

	constructor(options: {width: number; height: number}) {
		this.width = options.width;
		this.height = options.height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers: options.transformers});
	}

	clip(clip: Clip): void {
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		return fastGet(this.operations, this.width, this.height);
	}
}

/** ink's Output.get, same result: see the file comment. */
export function fastGet(operations: readonly Operation[], width: number, height: number): {output: string; height: number} {
	const rows: RowWrite[][] = Array.from({length: height}, () => []);
	const clips: Clip[] = [];
	for (const operation of operations) {
		if (operation.type === 'clip') clips.push(operation.clip);
		if (operation.type === 'unclip') clips.pop();
		if (operation.type !== 'write') continue;
		const {text, transformers} = operation;
		let {x, y} = operation;
		let lines = text.split('\n');
		const clip = clips.at(-1);
		if (clip) {
			const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
			const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
			if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) continue;
			if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) continue;
			if (clipHorizontally) {
				const from = x < clip.x1! ? clip.x1! - x : 0;
				lines = lines.map(line => {
					const lineWidth = widthOf(line);
					const to = x + lineWidth > clip.x2! ? clip.x2! - x : lineWidth;
					// Plain narrow text is one column per unit: its columns are its indices (no slice-ansi, no ICU).
					return slices.get(`${from}\u0000${to}\u0000${line}`, () => (narrowText.test(line) ? line.slice(from, to) : sliceAnsi(line, from, to)));
				});
				if (x < clip.x1!) x = clip.x1!;
			}
			if (clipVertically) {
				const from = y < clip.y1! ? clip.y1! - y : 0;
				const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
				lines = lines.slice(from, to);
				if (y < clip.y1!) y = clip.y1!;
			}
		}
		let offsetY = 0;
		for (const [index, text] of lines.entries()) {
			// As ink: a line with no row to land on is dropped without moving to the next row.
			const row = rows[y + offsetY];
			if (!row) continue;
			let line = text;
			for (const transformer of transformers) line = transformer(line, index);
			row.push({x, line});
			offsetY++;
		}
	}
	const out: string[] = [];
	for (const writes of rows) {
		if (writes.length === 0) {
			out.push('');
			continue;
		}
		const key = `${width}\u0001${writes.length === 1 ? `${writes[0]!.x}\u0000${writes[0]!.line}` : writes.map(w => `${w.x}\u0000${w.line}`).join('\u0001')}`;
		out.push(rowStrings.get(key, () => buildRow(writes, width)));
	}
	return {output: out.join('\n'), height: rows.length};
}

function buildRow(writes: readonly RowWrite[], width: number): string {
	const cells: StyledChar[] = new Array<StyledChar>(width).fill(blank);
	for (const {x, line} of writes) {
		let offsetX = x;
		for (const character of styledCharsOf(line)) {
			cells[offsetX] = character;
			// Determine printed width using string-width to align with measurement
			const characterWidth = Math.max(1, widthOf(character.value));
			// For multi-column characters, clear following cells to avoid stray spaces/artifacts
			for (let index = 1; index < characterWidth; index++) cells[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
			offsetX += characterWidth;
		}
	}
	// See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
	return rowString(cells.filter(item => item !== undefined)).trimEnd();
}

/** ink's own Output class, where ink is installed (run from the sources); undefined in the bundle. */
export async function loadInkOutput(): Promise<{prototype: {get: () => {output: string; height: number}}} | undefined> {
	let entry: string;
	try {
		entry = createRequire(import.meta.url).resolve('ink');
	} catch {
		return undefined;
	}
	const module = (await import(pathToFileURL(path.join(path.dirname(entry), 'output.js')).href)) as {default: {prototype: {get: () => {output: string; height: number}}}};
	return module.default;
}

/** Defined (true) by scripts/bundle.mjs: in the bundle ink's renderer imports this Output already. */
declare const CALICO_MCM_BUNDLE: boolean | undefined;

/**
 * Makes ink's Output (run from the sources) produce its frames as this one does. Idempotent. In the
 * bundle there is nothing to do, and looking would load ink's own output.js and its dependencies from
 * a node_modules beside the bundle (the repository's): ~40 ms before the first frame.
 */
export async function installInkOutput(): Promise<void> {
	if (typeof CALICO_MCM_BUNDLE !== 'undefined' && CALICO_MCM_BUNDLE) return;
	const inkOutput = await loadInkOutput();
	if (!inkOutput || inkOutput === (Output as unknown)) return;
	inkOutput.prototype.get = function (this: {operations: Operation[]; width: number; height: number}) {
		return fastGet(this.operations, this.width, this.height);
	};
}
