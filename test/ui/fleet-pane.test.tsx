import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {fixtureStore, manyClusters, now} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

/** The fleet pane's rows: the lines between its column header and the next pane's title. */
function fleetRows(frame: string): string[] {
	const all = lines(frame);
	const start = all.findIndex(l => l.includes('NAME') && l.includes('ROLE')) + 1;
	const end = all.findIndex((l, i) => i > start && /^─ TigerStatus|^- TigerStatus/.test(l));
	return all.slice(start, end).filter(l => l.trim() !== '');
}

const names = (frame: string) => fleetRows(frame).map(r => r.slice(3).trim().split(/\s+/)[0]);

async function console100(store = fixtureStore(), ui = createUiStore(), extra: Partial<Parameters<typeof App>[0]> = {}) {
	const clock = createFixedClock(now);
	const h = await renderAt(<App store={store} ui={ui} clock={clock} size={{columns: 120, rows: 30}} {...extra} />, 120, 30);
	return {h, ui, store, clock};
}

describe('fleet pane', () => {
	test('shows one row per cluster with role, version, management, tunnel, API, age, roll-up and last error', async () => {
		const {h} = await console100();
		const rows = fleetRows(h.lastFrame());
		expect(names(h.lastFrame())).toEqual(['bare-1', 'edge-9', 'managed-1', 'managed-2', 'managed-10', 'mgmt', 'standalone-1']);
		const row = (name: string) => rows.find(r => r.includes(` ${name} `))!;
		expect(lines(h.lastFrame()).find(l => l.includes('NAME') && l.includes('ROLE'))).toMatch(/NAME\s+ROLE\s+VERSION\s+MANAGEMENT\s+CONNECTED\s+API\s+AGE\s+TIGERSTATUS/);
		// CONNECTED is the tunnel only; the API state has its own column.
		expect(row('managed-1')).toMatch(/managed\s+v3\.24\.0\s+mgmt\s+True 3m\s+ok 10m\s+60m\s+12\/12/);
		expect(row('managed-2')).toMatch(/False 12s ≠/);
		expect(row('edge-9')).toMatch(/unknown\s+-\s+-\s+-\s+unreachable 40s/);
		expect(row('edge-9')).toContain('connect ECONNREFUSED 127.0.0.1:41234');
		expect(row('standalone-1')).toMatch(/standalone\s+v3\.24\.0\s+-\s+-\s+ok 10m\s+5m\s+apiserver/);
		expect(row('bare-1')).toMatch(/not-installed/);
	});

	test('moves the selection with j/k and arrows, and the TigerStatus pane follows it', async () => {
		const {h, ui} = await console100();
		await h.press('j', 'j', keys.down);
		expect(ui.getState().selectedId).toBe('managed-2');
		expect(h.lastFrame()).toMatch(/─ TigerStatus ─ managed-2 managed/);
		await h.press('k');
		expect(ui.getState().selectedId).toBe('managed-1');
		await h.press(keys.end);
		expect(ui.getState().selectedId).toBe('standalone-1');
		await h.press(keys.home);
		expect(ui.getState().selectedId).toBe('bare-1');
	});

	test('filters by substring, regex (/re/ and ~re), and ! inverts; esc clears', async () => {
		const {h, ui} = await console100();
		await h.press('/', 'm', 'a', 'n', 'a', 'g', 'e', 'd', '-', '1');
		expect(names(h.lastFrame())).toEqual(['managed-1', 'managed-10']);
		expect(h.lastFrame()).toContain('Fleet 2/7');
		await h.press(keys.enter);
		expect(ui.getState().filterEditing).toBe(false);
		expect(h.lastFrame()).toContain('filter:managed-1');

		ui.getState().set({filter: '/^managed-\\d /'});
		await h.press();
		expect(names(h.lastFrame())).toEqual(['managed-1', 'managed-2']);

		ui.getState().set({filter: '~^(mgmt|bare)'});
		await h.press();
		expect(names(h.lastFrame())).toEqual(['bare-1', 'mgmt']);

		ui.getState().set({filter: '!managed'});
		await h.press();
		expect(names(h.lastFrame())).toEqual(['bare-1', 'edge-9', 'mgmt', 'standalone-1']);

		ui.getState().set({filter: '!/^m/'});
		await h.press();
		expect(names(h.lastFrame())).toEqual(['bare-1', 'edge-9', 'standalone-1']);

		await h.press(keys.escape);
		expect(ui.getState().filter).toBe('');
		expect(names(h.lastFrame())).toHaveLength(7);
	});

	test('a bad regex says so instead of hiding every row', async () => {
		const {h, ui} = await console100();
		await h.press('/', '/', '(', 'a');
		expect(ui.getState().filter).toBe('/(a');
		expect(h.lastFrame()).toMatch(/bad regex/);
		expect(names(h.lastFrame())).toHaveLength(7);
		await h.press(keys.escape);
		expect(ui.getState().filter).toBe('');
		expect(ui.getState().filterEditing).toBe(false);
	});

	test('z shows only clusters that are not healthy, and back', async () => {
		const {h} = await console100();
		await h.press('z');
		expect(names(h.lastFrame())).toEqual(['edge-9', 'managed-2', 'standalone-1']);
		expect(h.lastFrame()).toContain('unhealthy only');
		await h.press(keys.ctrlZ);
		expect(names(h.lastFrame())).toHaveLength(7);
	});

	test('N, S and A sort by name, health (worst first) and age; the same key again reverses', async () => {
		const {h} = await console100();
		await h.press('S');
		expect(names(h.lastFrame()).slice(0, 3)).toEqual(['edge-9', 'managed-2', 'standalone-1']);
		expect(h.lastFrame()).toContain('sort:health↑');
		await h.press('S');
		expect(names(h.lastFrame()).slice(-3)).toEqual(['standalone-1', 'managed-2', 'edge-9']);
		expect(h.lastFrame()).toContain('sort:health↓');
		await h.press('A');
		expect(names(h.lastFrame()).slice(0, 2)).toEqual(['bare-1', 'standalone-1']);
		await h.press('N', 'N');
		expect(names(h.lastFrame())[0]).toBe('standalone-1');
	});

	test('keeps the selected cluster selected when the order changes', async () => {
		const {h, ui} = await console100();
		await h.press('j', 'j', 'j'); // managed-2
		await h.press('S');
		expect(ui.getState().selectedId).toBe('managed-2');
		expect(h.lastFrame()).toMatch(/─ TigerStatus ─ managed-2/);
	});

	test('space marks clusters and moves down', async () => {
		const {h, ui} = await console100();
		await h.press(' ', ' ');
		expect(Object.keys(ui.getState().marked)).toEqual(['bare-1', 'edge-9']);
		expect(h.lastFrame()).toContain('2 marked');
		expect(fleetRows(h.lastFrame())[0].startsWith('◆')).toBe(true);
	});

	test('renders only the rows on screen: 1,000 clusters, about one screenful of row elements', async () => {
		const store = fixtureStore(manyClusters(1000));
		const {h, ui} = await console100(store);
		const rows = fleetRows(h.lastFrame());
		expect(rows.length).toBeGreaterThan(5);
		expect(rows.length).toBeLessThan(30);
		expect(rows[0]).toContain('c-0000');
		expect(h.lastFrame()).toContain('Fleet 1000');
		await h.press(keys.end);
		expect(ui.getState().selectedId).toBe('c-0999');
		const after = fleetRows(h.lastFrame());
		expect(after.at(-1)).toContain('c-0999');
		expect(after.some(r => r.includes('c-0000'))).toBe(false);
		await h.press(keys.pageUp);
		const paged = fleetRows(h.lastFrame());
		expect(paged.some(r => r.includes('c-0999'))).toBe(false);
		expect(h.lastFrame().split('\n').length).toBeLessThanOrEqual(29);
	});

	test('a store change shows up on the row without a key press', async () => {
		const {h, store} = await console100();
		const c = store.getState().clusters['managed-1'];
		store.getState().applyBatch({clusters: {'managed-1': {...c, health: 'unreachable', api: {state: 'unreachable', since: now - 5000, error: 'dial tcp: i/o timeout'}}}});
		await h.press();
		expect(fleetRows(h.lastFrame()).find(r => r.includes(' managed-1 '))).toMatch(/unreachable 5s/);
	});
});
