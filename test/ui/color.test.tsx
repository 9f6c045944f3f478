/* eslint-disable no-control-regex -- the assertions look for escape sequences on purpose */
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';
import type {Harness} from './harness.js';

// chalk decides its colour level when ink is first imported, from the environment: force colour
// for this file, then import, so "colour on" really writes colour and "colour off" is the console's
// own doing (chalk ignores NO_COLOR).
let renderConsole: (color: boolean) => Promise<Harness>;
let unmountAll: () => void;

beforeAll(async () => {
	vi.stubEnv('FORCE_COLOR', '1');
	const harness = await import('./harness.js');
	const {App} = await import('../../source/ui/app.js');
	const {createFixedClock} = await import('../../source/ui/clock.js');
	const {fixtureStore, now} = await import('./fixtures.js');
	unmountAll = harness.unmountAll;
	renderConsole = color => harness.renderAt(<App store={fixtureStore()} color={color} clock={createFixedClock(now)} size={{columns: 100, rows: 30}} />, 100, 30);
});

afterEach(() => unmountAll());

describe('colour', () => {
	test('on: health and errors are coloured', async () => {
		const h = await renderConsole(true);
		expect(h.stdout.frames.at(-1)).toMatch(/\u001B\[3[0-9]m/);
	});

	test('off (NO_COLOR, TERM=dumb): no colour codes at all, emphasis by attributes only', async () => {
		const h = await renderConsole(false);
		const frame = h.stdout.frames.at(-1)!;
		expect(frame).not.toMatch(/\u001B\[(3[0-9]|9[0-7]|4[0-9])m/);
		expect(frame).toMatch(/\u001B\[7m/); // the focused pane's title is inverse
	});
});
