import {afterAll, afterEach, beforeAll, describe, expect, test, vi} from 'vitest';
import type {Cluster} from '../../source/mcm/types.js';
import type {Harness} from './harness.js';

// The console's frames are built by source/ui/ink-output.ts, which keeps ink's caches from frame to
// frame. A frame must be exactly what ink's own Output would have built from the same writes, in
// colour, with clipping, wide characters and rows written by several texts: checked here against
// ink's Output itself, frame by frame, on the real console and on hand-made writes.

type Operation = Parameters<typeof import('../../source/ui/ink-output.js').fastGet>[0][number];
type OutputLike = {operations: Operation[]; width: number; height: number};
type InkOutputClass = {new (o: {width: number; height: number}): OutputLike & {write: (x: number, y: number, text: string, o: {transformers: Array<(l: string, i: number) => string>}) => void; clip: (c: object) => void; unclip: () => void; get: () => {output: string; height: number}}; prototype: {get: () => {output: string; height: number}}};

let InkOutput: InkOutputClass;
let stockGet: () => {output: string; height: number};
let fastGet: typeof import('../../source/ui/ink-output.js').fastGet;
let renderAt: typeof import('./harness.js').renderAt;
let unmountAll: () => void;
let keys: typeof import('./harness.js').keys;
let consoleOf: (clusters: Cluster[]) => Promise<Harness>;
let compared = 0;
const mismatches: Array<{stock: string; fast: string}> = [];

beforeAll(async () => {
	// Colour on, so that the frames carry the escape sequences the caches must keep right.
	vi.stubEnv('FORCE_COLOR', '1');
	const output = await import('../../source/ui/ink-output.js');
	fastGet = output.fastGet;
	InkOutput = (await output.loadInkOutput()) as unknown as InkOutputClass;
	stockGet = InkOutput.prototype.get;
	// Every frame ink builds is built both ways.
	InkOutput.prototype.get = function (this: OutputLike) {
		const stock = stockGet.call(this);
		const fast = fastGet(this.operations, this.width, this.height);
		compared++;
		if (fast.output !== stock.output || fast.height !== stock.height) mismatches.push({stock: stock.output, fast: fast.output});
		return stock;
	};
	const harness = await import('./harness.js');
	({renderAt, unmountAll, keys} = harness);
	const {App} = await import('../../source/ui/app.js');
	const {createFixedClock} = await import('../../source/ui/clock.js');
	const {fixtureStore, now} = await import('./fixtures.js');
	consoleOf = clusters => renderAt(<App store={fixtureStore(clusters)} color clock={createFixedClock(now)} size={{columns: 100, rows: 30}} />, 100, 30);
});

afterEach(() => unmountAll());
afterAll(() => {
	InkOutput.prototype.get = stockGet;
});

describe('frames built from the last frames (ink-output.ts)', () => {
	test('the console in colour: every frame equals ink’s own while scrolling, filtering, sorting and switching panes', async () => {
		const {fixtureClusters, manyClusters} = await import('./fixtures.js');
		const clusters = [...fixtureClusters(), ...manyClusters(300), {...manyClusters(1)[0]!, id: 'wide', name: '日本語-クラスタ-😀'}];
		const h = await consoleOf(clusters);
		await h.press('j', 'j', keys.pageDown, keys.pageDown, 'k', keys.end, keys.home);
		await h.press('/', 'c', '-', '0', '0', '7', keys.enter, keys.escape);
		await h.press('A', 'N', 'S', 'z', 'z', keys.tab, 'j', keys.tab, keys.tab, '?', keys.escape);
		expect(compared).toBeGreaterThan(15);
		expect(mismatches.slice(0, 1)).toEqual([]);
	});

	test('hand-made writes: clips, wide characters, several texts on a row, rows out of range, transformers, another width', () => {
		const red = (s: string) => `\u001B[31m${s}\u001B[39m`;
		const bold = (s: string) => `\u001B[1m${s}\u001B[22m`;
		const upper = (line: string) => line.toUpperCase();
		const numbered = (line: string, index: number) => `${index}:${line}`;
		const script = (o: InstanceType<InkOutputClass>) => {
			o.write(0, 0, `${red('error')} plain ${bold('bold')}`, {transformers: []});
			o.write(3, 0, '日本語😀x', {transformers: []});
			o.write(2, 1, 'two\nlines\nand three', {transformers: [numbered]});
			o.clip({x1: 4, x2: 12, y1: 2, y2: 5});
			o.write(1, 1, `${red('clipped on the left and the right')}\nsecond\nthird\nfourth\nfifth`, {transformers: [upper]});
			o.write(30, 3, 'outside the clip', {transformers: []});
			o.unclip();
			o.write(0, -1, 'above the top\nstill dropped', {transformers: []});
			o.write(0, 7, 'below\nthe bottom', {transformers: []});
			o.write(18, 6, 'past the right edge of the screen', {transformers: []});
			o.write(5, 4, '', {transformers: []});
			// Escape sequences as a line of SGR and narrow characters has them (read without a segmenter):
			// compound, 256-colour, reset by 0 and by an empty sequence, an end code for what is not on.
			o.write(0, 5, `\u001B[1;31mab\u001B[0mc\u001B[38;5;208;4md─\u001B[me\u001B[22mf\u001B[7m \u001B[27m`, {transformers: []});
			o.write(9, 6, `\u001B[2m\u001B[36m› ●\u001B[39m\u001B[22m`, {transformers: []});
		};
		for (const [width, height] of [
			[20, 8],
			[20, 8],
			[26, 8],
			[12, 3],
		] as const) {
			const o = new InkOutput({width, height});
			script(o);
			expect(fastGet(o.operations, width, height)).toEqual(stockGet.call(o));
		}
	});
});
