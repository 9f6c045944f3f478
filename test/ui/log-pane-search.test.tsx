import {afterEach, describe, expect, test, vi} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {consoleLineText} from '../../source/ui/log-search.js';
import {fixtureStore, now} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

// Counts the log lines turned into search texts, the function itself unchanged.
vi.mock('../../source/ui/log-search.js', async importOriginal => {
	const original = await importOriginal<typeof import('../../source/ui/log-search.js')>();
	return {...original, consoleLineText: vi.fn(original.consoleLineText)};
});

afterEach(unmountAll);

describe('console log pane', () => {
	test('a line added while no search is set reads no line as searched; a search still finds the new line', async () => {
		// A big fleet logs a line with most connection flips: the pane mapped all of its (up to 2,000)
		// lines to their search texts each time, searched or not, on the way to the screen.
		const store = fixtureStore();
		for (let i = 0; i < 2000; i++) store.getState().addLog({level: 'info', cluster: 'mgmt', text: `line ${i}`, t: now});
		const ui = createUiStore();
		const h = await renderAt(<App store={store} ui={ui} clock={createFixedClock(now)} size={{columns: 120, rows: 40}} />, 120, 40);
		const searched = vi.mocked(consoleLineText);
		searched.mockClear();
		store.getState().addLog({level: 'warn', cluster: 'managed-7', text: 'connection True -> False', t: now});
		await h.press();
		expect(lines(h.lastFrame()).some(l => /managed-7\s+connection True -> False/.test(l))).toBe(true);
		expect(searched).not.toHaveBeenCalled();
		await h.press(keys.tab, keys.tab, keys.tab, '/', ...'true -> false', keys.enter);
		expect(lines(h.lastFrame()).some(l => l.includes('search:true -> false 1/1'))).toBe(true);
	});
});
