import {EventEmitter} from 'node:events';
import {afterEach, describe, expect, test} from 'vitest';
import {ScreenWriter} from '../../source/ui/screen-writer.js';
import {parseLine} from '../../source/ui/styled-line.js';
import {cellsOf, disposeTerminals, newTerminal, put, textOf, type XTerm} from './xterm-cells.js';


// The property that matters: whatever the writer sends, a terminal that showed frame A shows
// exactly frame B afterwards — the same characters with the same colours and attributes in every
// cell — as if B had been drawn whole on a blank screen.

const esc = '\u001B';

class FakeTty extends EventEmitter {
	chunks: string[] = [];
	constructor(public columns: number, public rows: number) {
		super();
	}
	write(chunk: string): boolean {
		this.chunks.push(chunk);
		return true;
	}
	take(): string {
		const out = this.chunks.join('');
		this.chunks = [];
		return out;
	}
}

afterEach(() => {
	disposeTerminals();
});


/** Frame B drawn whole on a blank screen: each line from column 1, from the default style. */
async function reference(frame: string[], cols: number, rows: number): Promise<XTerm> {
	const t = newTerminal(cols, rows);
	await put(t, frame.map((line, i) => `${esc}[${i + 1};1H${esc}[m${line}`).join('') + `${esc}[m`);
	return t;
}

/** A writer on a screen: `show(frame)` draws it and returns the bytes the writer sent. */
function harness(cols: number, rows: number) {
	const tty = new FakeTty(cols, rows);
	const writer = new ScreenWriter(tty, {maxFps: 1000});
	const screen = newTerminal(cols, rows);
	return {
		tty,
		writer,
		screen,
		async show(frame: string[]): Promise<string> {
			writer.write(`${frame.join('\n')}\n`);
			writer.flush();
			const out = tty.take();
			await put(screen, out);
			return out;
		},
		async expectShows(frame: string[], context = '') {
			const want = await reference(frame, cols, rows);
			const got = cellsOf(screen);
			const expected = cellsOf(want);
			for (let y = 0; y < rows; y++) {
				if (got[y] !== expected[y]) {
					throw new Error(`${context}row ${y + 1} differs\n  got:  ${JSON.stringify(textOf(screen)[y])}\n  want: ${JSON.stringify(textOf(want)[y])}\n  frame line: ${JSON.stringify(frame[y])}\n  cells got:  ${got[y].slice(0, 400)}\n  cells want: ${expected[y].slice(0, 400)}`);
				}
			}
		},
	};
}

/** After the writer's last chunk the scroll region is the whole screen and the style is the default. */
async function expectStateReset(screen: XTerm, firstRow: string) {
	// A line feed on the bottom row scrolls the whole screen only when no smaller region is left set.
	await put(screen, `${esc}[${screen.rows};1H\nZ`);
	expect(textOf(screen)[0]).toBe(firstRow);
	const cell = screen.buffer.active.getLine(screen.rows - 1)!.getCell(0)!;
	expect(cell.getChars()).toBe('Z');
	expect(cell.isAttributeDefault()).toBe(true);
}

// ---------- random frames ----------

function rng(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6D2B79F5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
	return {
		next,
		int: (n: number) => Math.floor(next() * n),
		pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
		chance: (p: number) => next() < p,
	};
}
type Rng = ReturnType<typeof rng>;

type Token = {s: string; w: number};
const words = ['managed-2', 'True', 'False', '10/10', 'compliance', 'a', 'xyz', '04:54:29', 'tigerstatus', 'v3.24.0', 'ok'];
const narrowGlyphs = ['●', '▲', '│', '─', '✓', '…', '›', '⠋', '·', '◐', '↷', '⊘'];
const wide = ['漢', '字', '日本'];
const sgrs = [
	'1', '22', '2', '31', '39', '7', '27', '38;5;208', '48;2;10;20;30', '49', '0', '', '4', '24', '90', '103', '3', '23', '9', '29', '1;33;44', '42',
];
// Not understood by the writer: the line is then only written whole.
const strangeSgrs = ['4:3', '21'];

function token(r: Rng, room: number): Token | undefined {
	const kind = r.next();
	let t: Token;
	if (kind < 0.35) t = {s: r.pick(words), w: 0};
	else if (kind < 0.55) t = {s: ' '.repeat(1 + r.int(6)), w: 0};
	else if (kind < 0.68) t = {s: r.pick(narrowGlyphs), w: 1};
	else if (kind < 0.7) t = {s: r.pick(wide), w: 0};
	else if (kind < 0.71) t = {s: 'e\u0301', w: 1};
	else if (kind < 0.715) t = {s: `${esc}]8;;https://example.com/${r.int(9)}${esc}\\link${esc}]8;;${esc}\\`, w: 4};
	else t = {s: `${esc}[${r.chance(0.05) ? r.pick(strangeSgrs) : r.pick(sgrs)}m`, w: 0};
	if (t.w === 0 && !t.s.startsWith(esc)) t.w = [...t.s].reduce((n, ch) => n + (/[\u3000-\u9FFF]/.test(ch) ? 2 : 1), 0);
	return t.w <= room ? t : undefined;
}

function randomLine(r: Rng, cols: number): Token[] {
	const target = r.chance(0.15) ? cols : r.chance(0.1) ? 0 : r.int(cols + 1);
	const tokens: Token[] = [];
	let width = 0;
	while (width < target) {
		const t = token(r, target - width) ?? {s: 'x', w: 1};
		tokens.push(t);
		width += t.w;
	}
	// ink closes what it opens; sometimes leave a style open anyway.
	if (r.chance(0.8)) tokens.push({s: `${esc}[0m`, w: 0});
	return tokens;
}

const render = (line: Token[]) => line.map(t => t.s).join('');
const widthOf = (line: Token[]) => line.reduce((n, t) => n + t.w, 0);

function mutateLine(r: Rng, line: Token[], cols: number): Token[] {
	const out = [...line];
	const what = r.int(4);
	if (what === 0 && out.length > 0) {
		// Same width, different content: the rest of the line stays where it was.
		const i = r.int(out.length);
		const w = out[i].w;
		out[i] = w === 0 ? {s: `${esc}[${r.pick(sgrs)}m`, w: 0} : {s: Array.from({length: w}, () => r.pick(['x', 'Y', '●', '▲', ' ', '7'])).join(''), w};
	} else if (what === 1) {
		out.splice(r.int(out.length + 1), 0, token(r, cols - widthOf(out)) ?? {s: '', w: 0});
	} else if (what === 2 && out.length > 0) {
		out.splice(r.int(out.length), 1 + r.int(3));
	} else {
		return randomLine(r, cols);
	}
	while (widthOf(out) > cols) out.pop();
	return out;
}

function mutateFrame(r: Rng, frame: Token[][], cols: number, rows: number): Token[][] {
	let out = frame.map(l => [...l]);
	for (let m = 1 + r.int(3); m > 0; m--) {
		const what = r.int(7);
		if (what <= 1 && out.length > 0) {
			for (let n = 1 + r.int(3); n > 0; n--) {
				const i = r.int(out.length);
				out[i] = mutateLine(r, out[i], cols);
			}
		} else if (what <= 3 && out.length > 2) {
			// A block of rows moves up or down (a pane scrolling), new rows fill the gap.
			const top = r.int(out.length - 1);
			const bottom = top + 1 + r.int(out.length - top - 1);
			const k = 1 + r.int(Math.min(4, bottom - top));
			const block = out.slice(top, bottom + 1);
			const fresh = Array.from({length: k}, () => randomLine(r, cols));
			const moved = r.chance(0.5) ? [...block.slice(k), ...fresh] : [...fresh, ...block.slice(0, block.length - k)];
			out.splice(top, block.length, ...moved);
		} else if (what === 4) {
			const length = r.int(rows + 1);
			while (out.length > length) out.pop();
			while (out.length < length) out.push(randomLine(r, cols));
		} else if (what === 5) {
			out = Array.from({length: r.int(rows + 1)}, () => randomLine(r, cols));
		}
		// what === 6: unchanged
	}
	return out;
}

describe('ScreenWriter: the screen ends up showing exactly the new frame', () => {
	for (const [cols, rows, steps, seed] of [[30, 8, 400, 1], [80, 24, 200, 2], [120, 40, 120, 3]] as const) {
		test(`random frame sequences at ${cols}x${rows}`, async () => {
			const r = rng(seed);
			const h = harness(cols, rows);
			let frame = Array.from({length: rows - 1}, () => randomLine(r, cols));
			await h.show(frame.map(render));
			for (let step = 0; step < steps; step++) {
				const before = frame.map(render);
				frame = mutateFrame(r, frame, cols, rows);
				const lines = frame.map(render);
				await h.show(lines);
				await h.expectShows(lines, `seed ${seed} step ${step}\n  before: ${JSON.stringify(before)}\n  after:  ${JSON.stringify(lines)}\n`);
			}
			await expectStateReset(h.screen, textOf(h.screen)[1]);
		}, 120_000);
	}
});

// ---------- the console's own kinds of change ----------

const pad = (s: string, n: number) => s.padEnd(n).slice(0, n);

function consoleFrame(cols: number, logs: string[], healthy: number, degradedRow: boolean): string[] {
	const rows = [`─ Fleet 31 ─ sort:name↑ ${'─'.repeat(cols - 24)}`, '   NAME       ROLE          VERSION  CONNECTED        TIGERSTATUS              LAST ERROR'.slice(0, cols)];
	for (let i = 1; i <= 8; i++) {
		const bad = degradedRow && i === 2;
		rows.push(pad(` ${bad ? `${esc}[33m▲${esc}[39m` : `${esc}[32m●${esc}[39m`} managed-${i}  managed       v3.24.0  True 3s          ${bad ? `${esc}[33mcompliance${esc}[39m` : '10/10'}`, cols + 20));
	}
	rows.push(`─ Log ─ console ─ following ${'─'.repeat(cols - 28)}`, ...logs);
	const counts = ` 31 clusters  ${esc}[32m●${esc}[39m ${healthy} healthy${healthy < 31 ? ` ${esc}[33m▲${esc}[39m ${31 - healthy} degraded` : ''}`;
	rows.push(counts);
	return rows.map(l => l.trimEnd());
}

const logLine = (i: number) => `04:54:${String(i).padStart(2, '0')} managed-${i} ${esc}[2mapi connecting -> ok${esc}[22m`;

describe('ScreenWriter: sends little for small changes', () => {
	test('a new log line moves the log rows with delete-line in a scroll region instead of rewriting them', async () => {
		const h = harness(120, 40);
		const logs = Array.from({length: 20}, (_, i) => logLine(i));
		await h.show(consoleFrame(120, logs, 31, false));
		const after = consoleFrame(120, [...logs.slice(1), logLine(20)], 31, false);
		const out = await h.show(after);
		await h.expectShows(after);
		expect(out).toContain(`${esc}[12;31r`); // the log rows, 12..31
		expect(out).toContain(`${esc}[M`);
		expect(out).toContain(`${esc}[r`);
		// Only the new line is written; the 19 moved ones are not.
		expect(out).toContain('managed-20');
		expect(out).not.toContain('managed-19');
		expect(Buffer.byteLength(out)).toBeLessThan(120);
		await expectStateReset(h.screen, textOf(h.screen)[1]);
	});

	test('rows moving down are moved with insert-line', async () => {
		const h = harness(80, 24);
		const logs = Array.from({length: 10}, (_, i) => logLine(i));
		await h.show(consoleFrame(80, logs, 31, false));
		const after = consoleFrame(80, [logLine(40), logLine(41), ...logs.slice(0, 8)], 31, false);
		const out = await h.show(after);
		await h.expectShows(after);
		expect(out).toContain(`${esc}[2L`);
		expect(out).not.toContain('managed-7 ');
	});

	test('a status change writes only the changed cells of the fleet row and the status bar, each in its colour', async () => {
		const h = harness(120, 40);
		const logs = Array.from({length: 20}, (_, i) => logLine(i));
		await h.show(consoleFrame(120, logs, 31, false));
		const after = consoleFrame(120, [...logs.slice(1), logLine(20)], 30, true);
		const out = await h.show(after);
		await h.expectShows(after);
		expect(out).toContain(`${esc}[33m▲`);
		expect(out).toContain(`${esc}[33mcompliance`);
		// The unchanged middle of the fleet row and the start of the status bar are not re-sent.
		expect(out).not.toContain('v3.24.0');
		expect(out).not.toContain('clusters');
		expect(Buffer.byteLength(out)).toBeLessThan(300);
		// And back.
		const back = consoleFrame(120, [...logs.slice(2), logLine(20), logLine(21)], 31, false);
		await h.show(back);
		await h.expectShows(back);
	});

	test('a row that fills the last column keeps its last character, and loses it when it gets shorter', async () => {
		const h = harness(20, 4);
		const full = 'abcdefghijklmnopqrst';
		await h.show(['short', full]);
		await h.show(['short', `${full.slice(0, 19)}X`]);
		await h.expectShows(['short', `${full.slice(0, 19)}X`]);
		await h.show([full, 'abc']);
		await h.expectShows([full, 'abc']);
		await h.show([`${esc}[44m${full}${esc}[49m`, 'abc']);
		await h.expectShows([`${esc}[44m${full}${esc}[49m`, 'abc']);
		await h.show(['ab', 'cd']);
		await h.expectShows(['ab', 'cd']);
		await expectStateReset(h.screen, 'cd');
	});

	test('a line that gets shorter is erased past its new end, not rewritten', async () => {
		const h = harness(80, 5);
		await h.show(['first', ' 31 clusters  ● 30 healthy ▲ 1 degraded          ?: help']);
		const out = await h.show(['first', ' 31 clusters  ● 31 healthy']);
		await h.expectShows(['first', ' 31 clusters  ● 31 healthy']);
		expect(out).not.toContain('clusters');
		expect(out).toContain(`${esc}[K`);
	});

	test('a style change alone is redrawn with the new style, and the style is reset after it', async () => {
		const h = harness(40, 4);
		await h.show([`name ${esc}[32mok${esc}[39m tail text`]);
		const out = await h.show([`name ${esc}[1;31mok${esc}[22;39m tail text`]);
		await h.expectShows([`name ${esc}[1;31mok${esc}[22;39m tail text`]);
		expect(out).not.toContain('tail');
		await expectStateReset(h.screen, '');
	});

	test('coloured padding that looks blank is not written over blank cells', async () => {
		const h = harness(40, 4);
		await h.show(['one', '']);
		const out = await h.show(['one', `${esc}[33mwarn${' '.repeat(30)}${esc}[39m`]);
		await h.expectShows(['one', `${esc}[33mwarn${' '.repeat(30)}${esc}[39m`]);
		expect(out).toContain(`${esc}[33mwarn${esc}[m`);
		expect(out).not.toContain('warn ');
	});

	test('lines with wide or combining characters are rewritten whole, and come out right', async () => {
		const h = harness(30, 4);
		await h.show(['日本 cluster 1', 'cafe\u0301 ok']);
		const out = await h.show(['日本 cluster 2', 'cafe\u0301 no']);
		await h.expectShows(['日本 cluster 2', 'cafe\u0301 no']);
		expect(out).toContain('日本 cluster 2');
		expect(parseLine('日本').cells).toBeUndefined();
		expect(parseLine(`${esc}[4:3mx`).endStyle).toBeUndefined();
		expect(parseLine(`a${esc}[1;38;5;208mb${esc}[22m`).cells?.map(c => c.style)).toEqual(['', '1;38;5;208']);
	});

	test('an unchanged frame writes nothing; a resize repaints everything', async () => {
		const h = harness(40, 6);
		await h.show(['one', 'two']);
		expect(await h.show(['one', 'two'])).toBe('');
		h.tty.emit('resize');
		const out = await h.show(['one', 'two']);
		expect(out).toContain(`${esc}[2J`);
		await h.expectShows(['one', 'two']);
	});
});

describe('ScreenWriter: frame-rate cap', () => {
	test('the first frame after a quiet spell is drawn at once; the frames that follow are coalesced into one', async () => {
		const tty = new FakeTty(40, 6);
		// One frame a second: the synchronous writes below all fall inside one interval.
		const writer = new ScreenWriter(tty, {maxFps: 1});
		try {
			writer.write('frame 1\n');
			expect(tty.chunks.length).toBe(1);
			writer.write('frame 2\n');
			writer.write('frame 3\n');
			expect(tty.chunks.length).toBe(1);
			const until = Date.now() + 10_000;
			while (tty.chunks.length < 2 && Date.now() < until) await new Promise(r => setTimeout(r, 20));
			expect(tty.chunks.length).toBe(2);
			// Only frame 3, and only its change: row 1, column 7.
			expect(tty.chunks[1]).toBe('\u001B[?2026h\u001B[1;7H3\u001B[?2026l');
			expect(writer.stats).toMatchObject({frames: 3, flushes: 2});
		} finally {
			writer.dispose();
		}
	});

	test('with a burst, the first frames after a quiet spell are each drawn at once; the next waits for a token', () => {
		const tty = new FakeTty(40, 6);
		// Three at once, then (3 a second at most, bursts included) none for a second.
		const writer = new ScreenWriter(tty, {maxFps: 3, burst: 3});
		try {
			for (const state of ['False', 'True', 'False']) {
				writer.write(`managed-7 ${state}\n`);
				expect(tty.take()).toContain(state === 'True' ? 'True' : 'Fals');
			}
			writer.write('managed-7 Unknown\n');
			expect(tty.take()).toBe('');
		} finally {
			writer.dispose();
		}
	});

	test('a key press is answered at once, inside the interval; the fleet\'s own changes after it are capped again', () => {
		const tty = new FakeTty(40, 6);
		const writer = new ScreenWriter(tty, {maxFps: 1});
		try {
			writer.write('row 1\n');
			expect(tty.take()).toContain('row 1');
			// The user moves the cursor: that frame is not held for the rest of the second.
			writer.expedite();
			writer.write('row 2\n');
			expect(tty.take()).toContain('2');
			// A change of the fleet right after it waits for the interval, as before.
			writer.write('row 3\n');
			expect(tty.take()).toBe('');
		} finally {
			writer.dispose();
		}
	});

	test('a frame that only moved the clock does not hold back the fleet\'s next change; a fleet change still does', () => {
		const tty = new FakeTty(40, 6);
		const writer = new ScreenWriter(tty, {maxFps: 1});
		try {
			writer.clockFrame();
			writer.write('managed-7 True 9s\n');
			expect(tty.take()).toContain('9s');
			// The connection flips right after the ages moved: drawn at once, not a second later.
			writer.write('managed-7 False 0s\n');
			expect(tty.take()).toContain('False');
			// That was a change of the fleet: the next one waits for the interval, as before.
			writer.write('managed-7 True 0s\n');
			expect(tty.take()).toBe('');
			// A clock frame over a fleet frame still waiting carries that change: it counts.
			writer.clockFrame();
			writer.write('managed-7 True 1s\n');
			writer.flush();
			expect(tty.take()).toContain('True');
			writer.write('managed-7 False 1s\n');
			expect(tty.take()).toBe('');
		} finally {
			writer.dispose();
		}
	});

	test('a render that changes nothing does not hold back the next change', async () => {
		const tty = new FakeTty(40, 6);
		const writer = new ScreenWriter(tty, {maxFps: 1});
		try {
			writer.write('frame 1\n');
			expect(tty.take()).toContain('frame 1');
			await new Promise(r => setTimeout(r, 1100));
			writer.write('frame 1\n'); // drawn at once, and nothing to send
			writer.write('frame 2\n');
			expect(tty.take()).toContain('2');
		} finally {
			writer.dispose();
		}
	});
});

describe('ScreenWriter: cells patched in place (the age overlay)', () => {
	const g = (s: string) => `${esc}[32m${s}${esc}[39m`;
	const frame = (age: string, api: string) => [`${esc}[7m ${g('c-1')} True ${age}  ${esc}[27m${g(api)}`, `plain ${age} row`];

	test('a patched span leaves the terminal showing what the full frame with the new text shows', async () => {
		const h = harness(40, 4);
		await h.show(frame('33s', 'ok 25s'));
		expect(h.writer.patchCells([{row: 0, col: 10, from: '33s', to: '43s'}, {row: 0, col: 15, from: 'ok 25s', to: 'ok 35s'}, {row: 1, col: 6, from: '33s', to: '43s'}])).toBe(true);
		const out = h.tty.take();
		await put(h.screen, out);
		await h.expectShows(frame('43s', 'ok 35s'));
		// Only the changed spans went out, not the rows.
		expect(out).not.toContain('c-1');
		// And the next frame is compared with the patched rows: the same frame again sends nothing.
		expect(await h.show(frame('43s', 'ok 35s'))).toBe('');
	});

	test('refuses (nothing sent) what the screen does not show as given, and while a frame waits', async () => {
		const h = harness(40, 4);
		await h.show(frame('33s', 'ok 25s'));
		// Not what that column shows; across an escape sequence; a different width.
		expect(h.writer.patchCells([{row: 0, col: 10, from: '34s', to: '44s'}])).toBe(false);
		expect(h.writer.patchCells([{row: 0, col: 13, from: '  ok', to: '  no'}])).toBe(false);
		expect(h.writer.patchCells([{row: 1, col: 6, from: '33s', to: '2m'}])).toBe(false);
		// All or nothing: a good patch with a bad one draws neither.
		expect(h.writer.patchCells([{row: 1, col: 6, from: '33s', to: '43s'}, {row: 0, col: 10, from: '34s', to: '44s'}])).toBe(false);
		expect(h.tty.take()).toBe('');
		const capped = new ScreenWriter(new FakeTty(40, 4), {maxFps: 1});
		capped.write(`${frame('33s', 'ok 25s').join('\n')}\n`);
		capped.write(`${frame('34s', 'ok 25s').join('\n')}\n`);
		expect(capped.patchCells([{row: 1, col: 6, from: '33s', to: '43s'}])).toBe(false);
		capped.dispose();
	});
});
