// Text helpers for a grid of fixed-width cells: every line the console draws is cut to its width
// here, so nothing wraps and a row change rewrites exactly one terminal line.

/** `12s`, `3m`, `5h`, `4d`: one unit, whole numbers, like kubectl's AGE (changes at most once a second). */
export function age(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 120) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 120) return `${m}m`;
	const h = Math.floor(m / 60);
	if (h < 48) return `${h}h`;
	return `${Math.floor(h / 24)}d`;
}

/** Elapsed time of a step: `0.4s`, `12s`, `3m05s`. */
export function elapsed(ms: number): string {
	const t = Math.max(0, ms);
	if (t < 10_000) return `${(Math.floor(t / 100) / 10).toFixed(1)}s`;
	const s = Math.floor(t / 1000);
	if (s < 60) return `${s}s`;
	const m = Math.floor(s / 60);
	return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export function clockTime(t: number): string {
	const d = new Date(t);
	return [d.getHours(), d.getMinutes(), d.getSeconds()].map(n => String(n).padStart(2, '0')).join(':');
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const control = /[\u0000-\u001F\u007F-\u009F]+/g;

/**
 * One line of plain text: escape sequences removed (a log line must not drive the terminal),
 * newlines and tabs turned into spaces.
 */
export function oneLine(text: string): string {
	return text.replace(ansi, '').replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ').replace(control, '');
}

/** Display width of one code point: 2 for East Asian wide and emoji, 0 for combining marks. */
function codePointWidth(cp: number): number {
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
	if (
		(cp >= 0x1100 && cp <= 0x115f) ||
		(cp >= 0x2e80 && cp <= 0xa4cf) ||
		(cp >= 0xac00 && cp <= 0xd7a3) ||
		(cp >= 0xf900 && cp <= 0xfaff) ||
		(cp >= 0xfe30 && cp <= 0xfe4f) ||
		(cp >= 0xff00 && cp <= 0xff60) ||
		(cp >= 0xffe0 && cp <= 0xffe6) ||
		(cp >= 0x1f300 && cp <= 0x1faff) ||
		(cp >= 0x20000 && cp <= 0x3fffd)
	)
		return 2;
	return 1;
}

export function textWidth(text: string): number {
	let w = 0;
	for (const ch of text) w += codePointWidth(ch.codePointAt(0)!);
	return w;
}

/** Cut to `width` columns (ending in `ellipsis` when cut) and pad with spaces to exactly `width`. */
export function fit(text: string, width: number, ellipsis = '…', align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	const cut = truncate(text, width, ellipsis);
	const pad = ' '.repeat(Math.max(0, width - textWidth(cut)));
	return align === 'left' ? cut + pad : pad + cut;
}

/** Cut to at most `width` columns, ending in `ellipsis` when cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
	if (width <= 0) return '';
	if (textWidth(text) <= width) return text;
	const room = width - textWidth(ellipsis);
	if (room <= 0) return ellipsis.slice(0, width);
	let out = '';
	let w = 0;
	for (const ch of text) {
		const cw = codePointWidth(ch.codePointAt(0)!);
		if (w + cw > room) break;
		out += ch;
		w += cw;
	}
	return out + ellipsis;
}

/** Cut into lines of at most `width` columns (a zoomed pane shows a long line whole). */
export function wrapColumns(text: string, width: number): string[] {
	if (width <= 0) return [];
	const out: string[] = [];
	let line = '';
	let w = 0;
	for (const ch of text) {
		const cw = codePointWidth(ch.codePointAt(0)!);
		if (w + cw > width) {
			out.push(line);
			line = '';
			w = 0;
		}
		line += ch;
		w += cw;
	}
	out.push(line);
	return out;
}
