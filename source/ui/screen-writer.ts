import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';
import {lineUpdate} from './line-diff.js';
import {createPacer, intervalFor, type Pacer} from '../store/pacer.js';
import {applyShift, bestShift, blankLine, shiftSequence} from './row-shift.js';
import {parseLine, type StyledLine} from './styled-line.js';
import type {CellPatch} from './clock.js';

// What ink writes to, in place of the terminal: ink renders whole frames (its debug mode) and this
// writer puts on the screen only what changed, addressed absolutely, at most `maxFps` times in any
// second, inside a synchronized update:
//  - rows that moved as a block (the log pane after a new line) are moved by the terminal
//    (row-shift.ts), then
//  - each row still different gets only its changed spans, or the whole line when that is shorter
//    (line-diff.ts).
// Frames are paced by a token bucket (store/pacer.ts): up to `burst` frames after a quiet spell are
// drawn at once; frames that follow are coalesced into one drawn when the next token is in (one per
// interval, chosen so that bursts included no second holds more than `maxFps`). Emits 'flush' after
// each frame it draws.
//
// Why not ink's own `incrementalRendering`: in ink 6.8.0 it is off by one line for any frame that
// is shorter than the terminal (the only kind that avoids a full clear per update: a frame as tall as
// the terminal makes ink 6 clear the whole screen each time, which is why our root is `rows - 1` tall):
// it moves the cursor up `lines - 1` from the row below the frame, so every update is drawn one row
// lower and the screen scrolls (log-update.js createIncremental; reproduced here by feeding its
// output to @xterm/headless). Absolute addressing is right whatever the cursor did, and we own the
// whole alternate screen anyway.

type Terminal = NodeJS.WriteStream | (EventEmitter & {write: (chunk: string) => unknown; columns?: number; rows?: number; isTTY?: boolean});

const syncStart = '\u001B[?2026h';
const syncEnd = '\u001B[?2026l';

export type ScreenWriterStats = {frames: number; flushes: number; bytes: number};

export class ScreenWriter extends EventEmitter {
	readonly isTTY = true;
	readonly stats: ScreenWriterStats = {frames: 0, flushes: 0, bytes: 0};
	private shown: StyledLine[] = [];
	private pending?: string;
	private timer?: NodeJS.Timeout;
	private readonly pacer: Pacer;
	private fullRepaint = true;
	private disposed = false;
	/** The terminal is lent to another program: keep the latest frame, draw nothing. */
	private paused = false;
	private lastFrame?: string;
	/** The next frame answers a key press: drawn at once, even with no token in the bucket. */
	private urgent = false;
	/** The next frame comes from the clock (ages moved), not from a change of the fleet. */
	private clockNext = false;
	/** The frame waiting to be drawn only moves the clock: drawing it spends no token. */
	private pendingClock = false;
	private readonly onResize = () => {
		// Terminals reflow or clear on resize: repaint everything on the next frame.
		this.fullRepaint = true;
		this.emit('resize');
	};

	constructor(
		private readonly terminal: Terminal,
		options: {maxFps?: number; burst?: number} = {},
	) {
		super();
		const burst = options.burst ?? 1;
		this.pacer = createPacer({burst, intervalMs: intervalFor(options.maxFps ?? 15, burst)});
		terminal.on('resize', this.onResize);
	}

	get columns(): number {
		return this.terminal.columns || 80;
	}

	get rows(): number {
		return this.terminal.rows || 24;
	}

	/** ink calls this with one whole frame per render. */
	write = (frame: string): boolean => {
		if (this.disposed) return true;
		this.stats.frames++;
		// A clock frame that replaces a fleet frame still waiting carries that change: it counts.
		this.pendingClock = this.clockNext && (this.pending === undefined || this.pendingClock);
		this.clockNext = false;
		this.pending = frame;
		const wait = this.pacer.waitMs(performance.now());
		if (wait <= 0 || this.urgent) {
			this.urgent = false;
			this.flush();
		}
		else this.timer ??= setTimeout(() => this.flush(), wait);
		return true;
	};

	/**
	 * A key was pressed: its frame is drawn as soon as it is rendered. The cap is for the fleet's own
	 * changes (a storm of events coalesces into 15 frames a second); a person scrolling waits for
	 * nothing but the render (with the cap, a key typed within 67 ms of the last frame waited for the
	 * next tick: 60-70 ms per key while scrolling 10,000 rows).
	 */
	expedite(): void {
		this.urgent = true;
	}

	/**
	 * The next frame is the clock's: only ages changed (at most once a second, on the age grid). It is
	 * drawn as any frame, but it does not hold back the fleet's next change: a connection that flipped
	 * just after an age frame was drawn waited out the rest of the 1/maxFps interval (up to 67 ms, the
	 * latency's whole tail at 1,001 clusters), for a cap that is there to fold storms of fleet changes.
	 */
	clockFrame(): void {
		this.clockNext = true;
	}

	/** Draw the pending frame now. */
	flush(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (this.paused) return;
		const frame = this.pending;
		const clockOnly = this.pendingClock;
		this.pending = undefined;
		this.pendingClock = false;
		if (frame === undefined || this.disposed) return;
		this.lastFrame = frame;
		const known = new Map(this.shown.map(l => [l.raw, l]));
		const lines = frame.endsWith('\n') ? frame.slice(0, -1).split('\n') : frame.split('\n');
		const next = lines.map(raw => known.get(raw) ?? parseLine(raw));
		let out = '';
		if (this.fullRepaint) {
			out += '\u001B[H\u001B[2J';
			this.shown = [];
			this.fullRepaint = false;
		}
		const columns = this.columns;
		const cost = (row: number, old: StyledLine, line: StyledLine) => Buffer.byteLength(lineUpdate(row + 1, old, line, columns));
		let shown = this.shown;
		// Each shift is worth its bytes on its own; a frame rarely has more than one block that moved.
		for (let n = 0; n < 3; n++) {
			const shift = bestShift(shown, next, this.rows, cost);
			if (!shift) break;
			out += shiftSequence(shift, this.rows);
			shown = applyShift(shown, shift);
		}
		const rows = Math.max(next.length, shown.length);
		for (let i = 0; i < rows; i++) out += lineUpdate(i + 1, shown[i] ?? blankLine, next[i] ?? blankLine, columns);
		this.shown = next;
		if (out === '') return;
		// The cap counts the fleet's frames drawn: a render that changed nothing, or only moved the
		// clock, does not delay the next one.
		if (!clockOnly) this.pacer.take(performance.now());
		const chunk = syncStart + out + syncEnd;
		this.stats.flushes++;
		this.stats.bytes += Buffer.byteLength(chunk);
		this.terminal.write(chunk);
		this.emit('flush');
	}

	/**
	 * Rewrites cells of the screen in place, without a frame: the age overlay (age-overlay.ts), whose
	 * ~16 changed cells every 10 s otherwise cost a React commit and ink's layout, walk and write of the
	 * whole tree. Each patch must find `from` in its row exactly as shown (the same characters at those
	 * columns, one cell each, inside one run of the raw line with no escape sequence between them);
	 * the row then reads as ink would write it with `to` in their place (same width, same style: the
	 * SGR sequences around a span do not depend on its characters). All or nothing: false, with
	 * nothing drawn, when a frame is waiting, the terminal is lent, a full repaint is due, or any patch
	 * does not match; the caller then renders a frame.
	 */
	patchCells = (patches: readonly CellPatch[]): boolean => {
		if (this.disposed || this.paused || this.fullRepaint || this.pending !== undefined) return false;
		const lines = new Map<number, StyledLine>();
		for (const p of patches) {
			const line = lines.get(p.row) ?? this.shown[p.row];
			if (line?.cells === undefined || p.from.length !== p.to.length || p.from.length === 0) return false;
			// ink writes each row with its trailing blanks trimmed (ink-output.ts): a span at the end of
			// its row may be shown only up to its last character that is not a space.
			const n = Math.min(p.from.length, line.cells.length - p.col);
			if (n <= 0 || (n < p.from.length && p.from.slice(n).trim() !== '')) return false;
			const first = line.cells[p.col];
			const last = line.cells[p.col + n - 1];
			if (first === undefined || last === undefined || line.raw.slice(first.start, last.end) !== p.from.slice(0, n)) return false;
			const next = parseLine((line.raw.slice(0, first.start) + p.to + line.raw.slice(last.end)).trimEnd());
			if (next.cells === undefined || next.endStyle !== line.endStyle) return false;
			lines.set(p.row, next);
		}
		if (lines.size === 0) return true;
		const columns = this.columns;
		let out = '';
		for (const [row, next] of [...lines].sort((a, b) => a[0] - b[0])) {
			out += lineUpdate(row + 1, this.shown[row]!, next, columns);
			this.shown[row] = next;
		}
		// What resume() repaints: the screen as it now reads.
		this.lastFrame = this.shown.map(l => l.raw).join('\n');
		if (out === '') return true;
		const chunk = syncStart + out + syncEnd;
		this.stats.flushes++;
		this.stats.bytes += Buffer.byteLength(chunk);
		this.terminal.write(chunk);
		this.emit('flush');
		return true;
	};

	/** Draw nothing until resume() (the terminal is lent to a login prompt). */
	pause(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.paused = true;
	}

	/** Draw again: the whole latest frame, since another program wrote on the screen meanwhile. */
	resume(): void {
		if (!this.paused) return;
		this.paused = false;
		this.fullRepaint = true;
		this.pending ??= this.lastFrame;
		this.flush();
	}

	/** Stop writing (before leaving the alternate screen). */
	dispose(): void {
		this.flush();
		this.disposed = true;
		if (this.timer) clearTimeout(this.timer);
		this.terminal.off('resize', this.onResize);
	}
}
