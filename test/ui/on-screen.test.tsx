import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {fixtureStore, manyClusters, now} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

// The console probes the API of the clusters the user sees more often than the rest of a big fleet
// (sync/api-probe.ts): the fleet pane tells it which those are, as drawn.

afterEach(unmountAll);

/** The names in the fleet pane's rows, as on screen. */
function shownNames(frame: string): string[] {
	const all = lines(frame);
	const start = all.findIndex(l => l.includes('NAME') && l.includes('ROLE')) + 1;
	const end = all.findIndex((l, i) => i > start && /^─ TigerStatus|^- TigerStatus/.test(l));
	return all.slice(start, end).filter(l => l.trim() !== '').map(r => r.slice(3).trim().split(/\s+/)[0]!);
}

describe('the rows on screen', () => {
	test('are the clusters whose API is watched closely, and follow scrolling and the selection', async () => {
		const store = fixtureStore(manyClusters(300));
		const ui = createUiStore();
		const h = await renderAt(<App store={store} ui={ui} clock={createFixedClock(now)} size={{columns: 120, rows: 30}} />, 120, 30);
		const first = shownNames(h.lastFrame());
		expect(first.length).toBeGreaterThan(3);
		expect(ui.getState().onScreen?.contexts).toEqual(first);
		expect(ui.getState().onScreen?.selected).toBe(first[0]);
		await h.press('j', 'j');
		expect(ui.getState().onScreen?.selected).toBe(first[2]);
		await h.press(keys.end);
		const last = shownNames(h.lastFrame());
		expect(last.at(-1)).toBe('c-0299');
		expect(ui.getState().onScreen?.contexts).toEqual(last);
		expect(ui.getState().onScreen?.selected).toBe('c-0299');
		// A filter shows other rows: those are the ones on screen now.
		await h.press('/', ...'c-0007', keys.enter);
		expect(shownNames(h.lastFrame())).toEqual(['c-0007']);
		expect(ui.getState().onScreen?.contexts).toEqual(['c-0007']);
	});

	test("a remote-only row counts as its management cluster's API", async () => {
		const [mgmt] = manyClusters(1);
		const remote = {...manyClusters(1)[0]!, id: 'c-0000/edge-7', name: 'edge-7', remoteOnly: true as const, context: undefined, connection: {management: mgmt!.id, disagree: false}};
		const ui = createUiStore();
		await renderAt(<App store={fixtureStore([mgmt!, remote])} ui={ui} clock={createFixedClock(now)} size={{columns: 120, rows: 30}} />, 120, 30);
		expect(ui.getState().onScreen?.contexts).toEqual([mgmt!.id]);
	});
});
