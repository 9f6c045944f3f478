import {afterEach, describe, expect, test} from 'vitest';
import type {Cluster} from '../../source/mcm/types.js';
import {computeFleetView} from '../../source/store/selectors.js';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {cluster, fixtureStore, min, now} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

// Two management clusters in one kubeconfig, each with managed clusters (one remote-only, named like
// a managed cluster of the other), a standalone and a bare cluster.
const link = (management: string, name: string, connected: 'True' | 'False' = 'True') =>
	({management, managedName: name, fromManagement: connected, disagree: false, since: now - 2 * min});

function twoManagements(): Cluster[] {
	return [
		cluster('mgmt-a', {role: 'management'}),
		cluster('mgmt-b', {role: 'management', createdAt: now - 5 * min}),
		cluster('eu-1', {role: 'managed', connection: link('mgmt-a', 'eu-1')}),
		cluster('eu-2', {role: 'managed', health: 'disconnected', connection: link('mgmt-a', 'eu-2', 'False')}),
		cluster('us-1', {role: 'managed', connection: link('mgmt-b', 'us-1')}),
		cluster('mgmt-b/eu-1', {name: 'eu-1', context: undefined, remoteOnly: true, role: 'managed', connection: link('mgmt-b', 'eu-1'), rollup: {available: 0, total: 0, degraded: [], progressing: []}}),
		cluster('alone', {role: 'standalone'}),
		cluster('bare', {role: 'not-installed', version: undefined}),
	];
}

const byId = (rows: Cluster[]) => Object.fromEntries(rows.map(c => [c.id, c]));

describe('fleet tree (selector)', () => {
	test('groups each management cluster with its managed clusters, sorted within the group; the rest after', () => {
		const view = computeFleetView(byId(twoManagements()), 'name', false, '', false, 'tree');
		expect(view.rows.map(c => `${'  '.repeat(view.depth.get(c.id) ?? 0)}${c.id}`)).toEqual([
			'mgmt-a', '  eu-1', '  eu-2', 'mgmt-b', '  mgmt-b/eu-1', '  us-1', 'alone', 'bare',
		]);
		const reversed = computeFleetView(byId(twoManagements()), 'name', true, '', false, 'tree');
		expect(reversed.rows.map(c => c.id)).toEqual(['mgmt-b', 'us-1', 'mgmt-b/eu-1', 'mgmt-a', 'eu-2', 'eu-1', 'bare', 'alone']);
	});

	test('a filter or unhealthy-only keeps the parent of a matching managed row, as context', () => {
		const filtered = computeFleetView(byId(twoManagements()), 'name', false, 'us-', false, 'tree');
		expect(filtered.rows.map(c => c.id)).toEqual(['mgmt-b', 'us-1']);
		expect([...filtered.context]).toEqual(['mgmt-b']);
		expect(filtered.matched).toBe(1);
		const unhealthy = computeFleetView(byId(twoManagements()), 'health', false, '', true, 'tree');
		expect(unhealthy.rows.map(c => c.id)).toEqual(['mgmt-a', 'eu-2']);
		expect(unhealthy.context.has('mgmt-a')).toBe(true);
	});

	test('health sort orders the groups by their management rows and sorts within each group', () => {
		const rows = twoManagements();
		rows[1] = {...rows[1]!, health: 'degraded'};
		const view = computeFleetView(byId(rows), 'health', false, '', false, 'tree');
		expect(view.rows.map(c => c.id)).toEqual(['mgmt-b', 'mgmt-b/eu-1', 'us-1', 'mgmt-a', 'eu-2', 'eu-1', 'alone', 'bare']);
	});
});

describe('fleet tree (screen)', () => {
	async function render(ui = createUiStore()) {
		const store = fixtureStore(twoManagements());
		const h = await renderAt(<App store={store} ui={ui} clock={createFixedClock(now)} size={{columns: 120, rows: 30}} />, 120, 30);
		return {h, ui};
	}
	const fleetRows = (frame: string) => {
		const all = lines(frame);
		const start = all.findIndex(l => l.includes('NAME') && l.includes('ROLE')) + 1;
		const end = all.findIndex((l, i) => i > start && /^─ TigerStatus/.test(l));
		return all.slice(start, end).filter(l => l.trim() !== '');
	};

	const nameCell = (row: string) => /^\s*\S+/.exec(row.slice(3))![0];

	test('t switches between the flat list (with a MANAGEMENT column) and the tree; marks and filters work in both', async () => {
		const {h, ui} = await render();
		let rows = fleetRows(h.lastFrame());
		expect(lines(h.lastFrame()).find(l => l.includes('NAME'))).toMatch(/MANAGEMENT/);
		// Flat: the two eu-1 rows read apart by their MANAGEMENT cell.
		expect(rows.filter(r => / eu-1 /.test(r)).map(r => r.split(/\s+/)[5])).toEqual(['mgmt-a', 'mgmt-b']);
		await h.press('t');
		expect(ui.getState().layout).toBe('tree');
		expect(h.lastFrame()).toMatch(/Fleet 8 ─ tree ─/);
		rows = fleetRows(h.lastFrame());
		expect(lines(h.lastFrame()).find(l => l.includes('NAME'))).not.toMatch(/MANAGEMENT/);
		expect(rows.map(r => nameCell(r))).toEqual(['mgmt-a', '  eu-1', '  eu-2', 'mgmt-b', '  eu-1', '  us-1', 'alone', 'bare']);
		await h.press(keys.down, ' ');
		expect(Object.keys(ui.getState().marked)).toEqual(['eu-1']);
		await h.press('/', 'u', 's', keys.enter);
		expect(fleetRows(h.lastFrame()).map(r => nameCell(r))).toEqual(['mgmt-b', '  us-1']);
		expect(h.lastFrame()).toMatch(/Fleet 1\/8/);
		await h.press(keys.escape, 't');
		expect(ui.getState().layout).toBe('flat');
		expect(fleetRows(h.lastFrame())[0]).toMatch(/ alone /);
	});
});
