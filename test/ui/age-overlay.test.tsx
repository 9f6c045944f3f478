// An age tick rewrites only the age cells, without a frame (age-overlay.ts), and what the terminal
// then shows is exactly what a full frame would show: at each tick, and after a key, a resize or a
// filter that comes right after one (ink's own tree reads the new ages too).
import {afterEach, describe, expect, test} from 'vitest';
import type {Cluster} from '../../source/mcm/types.js';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock, type CellPatch} from '../../source/ui/clock.js';
import {ScreenWriter} from '../../source/ui/screen-writer.js';
import {cluster, delay, fixtureStore, now, sec} from './fixtures.js';
import {keys, renderAt, stripAnsi, unmountAll, type FakeStdout} from './harness.js';
import {cellsOf, disposeTerminals, newTerminal, put, textOf, type XTerm} from './xterm-cells.js';

const esc = '\u001B';

afterEach(() => {
	unmountAll();
	disposeTerminals();
});

// Ages between 10 s and 2 min move on the clock's 10 s marks: every row's CONNECTED and API cells.
function fleet(): Cluster[] {
	return Array.from({length: 40}, (_, i) =>
		cluster(`c-${String(i).padStart(2, '0')}`, {
			role: 'managed',
			api: {state: 'ok', since: now - 25 * sec - i * 100},
			connection: {management: 'mgmt', managedName: `c-${i}`, fromManagement: 'True', fromManaged: 'True', disagree: false, since: now - 33 * sec},
			createdAt: now - 45 * sec,
		}),
	);
}

/** The console on a terminal, through the screen writer, with the overlay on (as console.tsx wires it). */
async function overlayConsole(columns = 120, rows = 30) {
	const fixed = createFixedClock(now);
	let writer!: ScreenWriter;
	const patched: CellPatch[][] = [];
	const clock = {
		...fixed,
		patch: (p: readonly CellPatch[]) => {
			const drawn = writer.patchCells(p);
			if (drawn) patched.push([...p]);
			return drawn;
		},
	};
	let tty!: FakeStdout;
	/** The whole frames ink rendered (the writer draws only what changed). */
	const inkFrames: string[] = [];
	const h = await renderAt(<App store={fixtureStore(fleet())} ui={createUiStore()} clock={clock} />, columns, rows, {
		through: out => {
			tty = out;
			writer = new ScreenWriter(out, {maxFps: 1000});
			const write = writer.write;
			writer.write = frame => (inkFrames.push(frame), write(frame));
			return writer;
		},
	});
	const screen = newTerminal(columns, rows);
	let fed = 0;
	/** The terminal after everything written so far. */
	const shown = async () => {
		for (; fed < tty.frames.length; fed++) await put(screen, tty.frames[fed]!);
		return screen;
	};
	return {h, fixed, writer, tty, patched, shown, inkFrames};
}

/** What a console mounted afresh at `t` (after `press`) draws: its frame drawn whole on a blank terminal. */
async function fresh(t: number, press: string[] = [], columns = 120, rows = 30): Promise<XTerm> {
	const h = await renderAt(<App store={fixtureStore(fleet())} ui={createUiStore()} clock={createFixedClock(t)} size={{columns, rows}} />, columns, rows);
	if (press.length > 0) await h.press(...press);
	const frame = h.stdout.frames.at(-1)!.replace(/\n$/, '').split('\n');
	const term = newTerminal(columns, rows);
	await put(term, frame.map((line, i) => `${esc}[${i + 1};1H${esc}[m${line}`).join('') + `${esc}[m`);
	h.unmount();
	return term;
}

function expectSame(got: XTerm, want: XTerm, context: string) {
	const a = cellsOf(got);
	const b = cellsOf(want);
	for (let y = 0; y < a.length; y++) {
		if (a[y] !== b[y]) throw new Error(`${context}: row ${y + 1} differs\n  got:  ${JSON.stringify(textOf(got)[y])}\n  want: ${JSON.stringify(textOf(want)[y])}`);
	}
}

async function tickTo(c: Awaited<ReturnType<typeof overlayConsole>>, t: number) {
	c.fixed.set(t);
	await delay(30);
}

describe('the age overlay', () => {
	test('an age tick draws the changed cells without a frame, and the screen equals a full frame at each tick', async () => {
		const c = await overlayConsole();
		expect(textOf(await c.shown()).join('\n')).toMatch(/c-00 .* True 33s .* ok 25s/);
		for (const t of [now + 10 * sec, now + 20 * sec, now + 30 * sec, now + 90 * sec, now + 120 * sec]) {
			const frames = c.writer.stats.frames;
			await tickTo(c, t);
			// No frame from ink: the writer drew the patches alone.
			expect(c.writer.stats.frames, `frames at +${(t - now) / sec}s`).toBe(frames);
			expectSame(await c.shown(), await fresh(t), `tick +${(t - now) / sec}s`);
		}
		// At +10 s three cells of every fleet row on screen (CONNECTED, API, AGE) and the tunnel note.
		const first = c.patched.slice(0, 2).flat();
		expect(first.filter(p => /^True 43s/.test(p.to)).length).toBeGreaterThan(5);
		expect(first.filter(p => /^ok 35s/.test(p.to)).length).toBeGreaterThan(5);
		expect(first.filter(p => p.to.includes('ManagedClusterConnected True for 43s'))).toHaveLength(1);
	});

	test('a key, a filter and a resize right after an overlaid tick draw the new ages, not the ones of the last frame', async () => {
		const c = await overlayConsole();
		let frames = c.writer.stats.frames;
		await tickTo(c, now + 10 * sec);
		expect(c.writer.stats.frames).toBe(frames);
		await c.h.press(keys.down, keys.down);
		expectSame(await c.shown(), await fresh(now + 10 * sec, [keys.down, keys.down]), 'after two keys');
		// The frame ink drew for the keys reads the new ages (its tree was moved on with the screen).
		expect(stripAnsi(c.inkFrames.at(-1)!)).toMatch(/c-00 .* True 43s .* ok 35s/);
		expect(stripAnsi(c.inkFrames.at(-1)!)).toContain('ManagedClusterConnected True for 43s');

		frames = c.writer.stats.frames;
		await tickTo(c, now + 20 * sec);
		expect(c.writer.stats.frames).toBe(frames);
		await c.h.press('/', 'c', '-', '1', keys.enter);
		expectSame(await c.shown(), await fresh(now + 20 * sec, ['/', 'c', '-', '1', keys.enter]), 'after a filter');

		frames = c.writer.stats.frames;
		await tickTo(c, now + 30 * sec);
		expect(c.writer.stats.frames).toBe(frames);
		// ink's frame for the new width reads the ages of the last tick, as a console mounted at that width does.
		c.tty.columns = 100;
		c.tty.emit('resize');
		await delay(50);
		const h = await renderAt(<App store={fixtureStore(fleet())} ui={createUiStore()} clock={createFixedClock(now + 30 * sec)} />, 100, 30);
		await h.press('/', 'c', '-', '1', keys.enter);
		expect(c.inkFrames.at(-1)).toBe(h.stdout.frames.at(-1));
		expect(stripAnsi(c.inkFrames.at(-1)!)).toContain('ManagedClusterConnected True for 63s');
	});
});
