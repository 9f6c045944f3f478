import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {textWidth} from '../../source/ui/format.js';
import {computeLayout} from '../../source/ui/layout.js';
import {cluster, fixtureStore, manyClusters, now, run} from './fixtures.js';
import {lines, renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

const sizes: Array<[number, number]> = [
	[80, 24],
	[100, 30],
	[120, 40],
	[139, 45],
	[159, 40],
	[160, 30],
	[200, 50],
	[250, 70],
];

function busyStore() {
	const long = 'x'.repeat(300);
	const store = fixtureStore([
		...manyClusters(300),
		cluster(`a-very-long-cluster-name-that-goes-on-${'and-on-'.repeat(10)}`, {
			health: 'unreachable',
			api: {state: 'unreachable', since: now - 1000, error: `multi\nline\terror ${long}`},
		}),
	]);
	store.getState().putRun(run({title: `A plan with a long title ${long}`}));
	for (let i = 0; i < 100; i++) store.getState().addLog({level: 'warn', cluster: `cluster-${i}`, text: `message ${i} ${long}`, t: now});
	return store;
}

describe('layout', () => {
	test.each(sizes)('at %ix%i the frame is at most rows - 1 tall and no line is wider than the terminal', async (columns, rows) => {
		const h = await renderAt(<App store={busyStore()} ui={createUiStore()} clock={createFixedClock(now)} size={{columns, rows}} />, columns, rows);
		const frame = lines(h.lastFrame());
		expect(frame.length).toBeLessThanOrEqual(rows - 1);
		expect(frame.length).toBeGreaterThanOrEqual(rows - 2);
		for (const line of frame) expect(textWidth(line)).toBeLessThanOrEqual(columns);
		expect(h.lastFrame()).toContain('Fleet 301');
		expect(h.lastFrame()).toContain('TigerStatus');
		expect(h.lastFrame()).toContain('Steps');
		expect(h.lastFrame()).toContain('Log');
	});

	test('re-lays out when the terminal is resized', async () => {
		const h = await renderAt(<App store={busyStore()} clock={createFixedClock(now)} />, 80, 24);
		expect(lines(h.lastFrame()).length).toBe(23);
		h.stdout.columns = 200;
		h.stdout.rows = 60;
		h.stdout.emit('resize');
		await h.press();
		const frame = lines(h.lastFrame());
		expect(frame.length).toBe(59);
		// Two columns now: the fleet and TigerStatus titles share a line.
		expect(frame[0]).toMatch(/Fleet 301.*│.*TigerStatus/);
	});

	test('a terminal too small says so', async () => {
		const h = await renderAt(<App store={fixtureStore()} clock={createFixedClock(now)} size={{columns: 30, rows: 10}} />, 30, 10);
		expect(h.lastFrame()).toContain('Terminal too small');
	});

	test('pane heights add up to the body for every size from 80x24 to 250x70', () => {
		for (let columns = 80; columns <= 250; columns += 17) {
			for (let rows = 24; rows <= 70; rows += 5) {
				const l = computeLayout(columns, rows);
				const p = l.panes;
				if (l.mode === 'grid') {
					expect(p.fleet.height + p.steps.height).toBe(l.body);
					expect(p.fleet.width + 1 + p.status.width).toBe(columns);
					expect(p.steps.width + 1 + p.log.width).toBe(columns);
				} else {
					expect(p.fleet.height + p.status.height + p.steps.height + p.log.height).toBe(l.body);
				}
				expect(l.height).toBe(rows - 1);
				expect(p.fleet.height).toBeGreaterThanOrEqual(5);
			}
		}
	});
});
