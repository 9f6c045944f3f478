// A headless xterm for screen-level tests: what the user sees, cell by cell.
import xtermHeadless from '@xterm/headless';

const {Terminal} = xtermHeadless;
export type XTerm = InstanceType<typeof Terminal>;

const terminals: XTerm[] = [];
/** Disposes every terminal made since the last call (a test file's afterEach). */
export function disposeTerminals(): void {
	for (const t of terminals.splice(0)) t.dispose();
}

export function newTerminal(cols: number, rows: number): XTerm {
	const t = new Terminal({cols, rows, allowProposedApi: true, scrollback: 0});
	terminals.push(t);
	return t;
}

export const put = (t: XTerm, data: string) => new Promise<void>(resolve => t.write(data, resolve));

/**
 * Every cell as the user sees it: character, width, colours and attributes. Unwritten and blank
 * cells alike read ' ', and a space's foreground colour and glyph-only attributes (bold, dim, italic,
 * blink, invisible) are dropped unless inverse, underline, strike-through or overline make them show.
 */
export function cellsOf(t: XTerm): string[] {
	const buf = t.buffer.active;
	const cell = buf.getNullCell();
	const rows: string[] = [];
	for (let y = 0; y < t.rows; y++) {
		const line = buf.getLine(buf.viewportY + y)!;
		const row: string[] = [];
		for (let x = 0; x < t.cols; x++) {
			line.getCell(x, cell);
			const ch = cell.getChars() || ' ';
			const bare = ch === ' ' && !cell.isInverse() && !cell.isUnderline() && !cell.isStrikethrough() && !cell.isOverline();
			const flags = bare ? '' : [cell.isBold(), cell.isDim(), cell.isItalic(), cell.isUnderline(), cell.isBlink(), cell.isInverse(), cell.isInvisible(), cell.isStrikethrough(), cell.isOverline()].map(f => (f ? 1 : 0)).join('');
			const fg = bare ? '' : `${cell.getFgColorMode()}:${cell.getFgColor()}`;
			row.push(`${ch}/${cell.getWidth()}/${fg}/${cell.getBgColorMode()}:${cell.getBgColor()}/${flags}`);
		}
		rows.push(row.join(' '));
	}
	return rows;
}

export const textOf = (t: XTerm) => Array.from({length: t.rows}, (_, y) => t.buffer.active.getLine(y)!.translateToString(true));
