// An idle fleet costs (almost) nothing: the clock alone renders a frame only when an age on screen
// reads differently, and ages past ten seconds move on a coarser grid.
import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {nextAgeChange, nextAgesChange} from '../../source/ui/age-clock.js';
import {App} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {cluster, delay, fixtureStore, min, now, sec, status, waitFor} from './fixtures.js';
import {renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

async function consoleAt(clusters: ReturnType<typeof cluster>[]) {
	const clock = createFixedClock(now);
	const store = fixtureStore(clusters);
	store.getState().applyBatch({clusters: {}, statuses: {[clusters[0]!.id]: [status('calico', {since: now - 20 * min})]}});
	const h = await renderAt(<App store={store} ui={createUiStore()} clock={clock} size={{columns: 120, rows: 30}} />, 120, 30);
	return {h, clock};
}

/** Steps the clock one second at a time, as the real one ticks; the frames written meanwhile. */
async function tick(h: Awaited<ReturnType<typeof consoleAt>>['h'], clock: ReturnType<typeof createFixedClock>, from: number, seconds: number): Promise<string[]> {
	const before = h.stdout.frames.length;
	for (let s = 1; s <= seconds; s++) {
		clock.set(from + s * sec);
		await delay(2);
	}
	await delay(20);
	return h.stdout.frames.slice(before);
}

describe('frames while idle', () => {
	test('a fleet whose ages count minutes writes no frame for 25 s of clock ticks, then one when a minute rolls over', async () => {
		const fleet = Array.from({length: 11}, (_, i) => cluster(`c-${i}`, {api: {state: 'ok', since: now - 5 * min - i * 1500}}));
		const {h, clock} = await consoleAt(fleet);
		expect(h.lastFrame()).toMatch(/c-0 .* ok 5m/);
		expect(await tick(h, clock, now, 25)).toEqual([]);
		// c-0 turns 6m at now+60 s; c-10 (5m15s old) at now+45 s: both land on the 30 s grid at now+60 s.
		const frames = await tick(h, clock, now + 25 * sec, 40);
		expect(frames).toHaveLength(1);
		expect(h.lastFrame()).toMatch(/c-0 .* ok 6m/);
		expect(h.lastFrame()).toMatch(/c-10 .* ok 6m/);
	});

	test('a fresh change ticks by the second for ten seconds, then every ten', async () => {
		const fleet = [cluster('fresh', {api: {state: 'unreachable', since: now - 2 * sec, error: 'connect ECONNREFUSED'}, health: 'unreachable'}), cluster('old')];
		const {h, clock} = await consoleAt(fleet);
		expect(h.lastFrame()).toContain('unreachable 2s');
		for (let s = 1; s <= 7; s++) {
			clock.set(now + s * sec);
			await waitFor(() => expect(h.lastFrame()).toContain(`unreachable ${2 + s}s`));
		}
		// The frame that shows 10s, then only the 10 s marks of the clock (now+10 s, now+20 s): at most 3
		// frames for 15 ticks (React may fold two into one on a slow machine), none in between.
		const later = await tick(h, clock, now + 7 * sec, 15);
		expect(later.length).toBeGreaterThan(0);
		expect(later.length).toBeLessThanOrEqual(3);
		expect(h.lastFrame()).toContain('unreachable 22s');
		expect(await tick(h, clock, now + 22 * sec, 7)).toEqual([]);
	});
});

describe('frames the clock makes are told apart', () => {
	test('the clock tells the frame writer before each re-render an age causes, and on no tick that changes nothing', async () => {
		const fleet = [cluster('fresh', {api: {state: 'unreachable', since: now - 2 * sec, error: 'connect ECONNREFUSED'}, health: 'unreachable'}), cluster('old')];
		const fixed = createFixedClock(now);
		let told = 0;
		const clock = {...fixed, rendering: () => void told++};
		const store = fixtureStore(fleet);
		const h = await renderAt(<App store={store} ui={createUiStore()} clock={clock} size={{columns: 120, rows: 30}} />, 120, 30);
		expect(h.lastFrame()).toContain('unreachable 2s');
		const frames = async (from: number, seconds: number) => {
			const before = h.stdout.frames.length;
			for (let s = 1; s <= seconds; s++) {
				fixed.set(from + s * sec);
				await delay(2);
			}
			await delay(20);
			return h.stdout.frames.length - before;
		};
		// By the second while the age is under 10 s: each tick re-renders, and says so first.
		expect(await frames(now, 3)).toBeGreaterThan(0);
		expect(told).toBeGreaterThanOrEqual(3);
		expect(h.lastFrame()).toContain('unreachable 5s');
		// A change of the fleet is not the clock's.
		const before = told;
		store.getState().applyBatch({clusters: {old: {...fleet[1]!, health: 'unreachable', api: {state: 'unreachable', since: now + 3 * sec, error: 'connect ECONNREFUSED'}}}});
		await waitFor(() => expect(h.lastFrame()).toMatch(/old .* unreachable 0s/));
		expect(told).toBe(before);
		// Ages past 10 s move on the 10 s grid: ticks between the marks neither render nor tell.
		await frames(now + 3 * sec, 12);
		const settled = told;
		expect(await frames(now + 15 * sec, 4)).toBe(0);
		expect(told).toBe(settled);
	});
});

describe('what the ticking clock leaves on screen', () => {
	// Rows whose age cells read the clock in every way they can: by the second (just changed), in
	// seconds on the 10 s marks, in minutes, a tunnel's and an API's age, a stale TigerStatus ("ago").
	const fleet = () => [
		cluster('fresh', {api: {state: 'ok', since: now - 2 * sec}, createdAt: now - 4 * sec}),
		cluster('seconds', {api: {state: 'ok', since: now - 47 * sec}}),
		cluster('minutes', {api: {state: 'ok', since: now - 5 * min - 12 * sec}}),
		cluster('tunnel', {role: 'managed', connection: {management: 'minutes', managedName: 'tunnel', fromManagement: 'False', fromManaged: 'True', disagree: true, since: now - 8 * sec}}),
		cluster('stale', {health: 'unreachable', api: {state: 'unreachable', since: now - 100 * sec, error: 'connect ECONNREFUSED'}}),
	];

	/** A console mounted afresh at `t`: what every age reads at that instant. */
	async function freshAt(t: number, clusters: ReturnType<typeof cluster>[]) {
		const h = await renderAt(<App store={fixtureStore(clusters)} ui={createUiStore()} clock={createFixedClock(t)} size={{columns: 120, rows: 30}} />, 120, 30);
		const frame = h.lastFrame();
		h.unmount();
		return frame;
	}

	test('on every 30 s mark the screen equals a console started at that instant: no age left behind, every changed row redrawn', async () => {
		const clusters = fleet();
		const clock = createFixedClock(now);
		const store = fixtureStore(clusters);
		const h = await renderAt(<App store={store} ui={createUiStore()} clock={clock} size={{columns: 120, rows: 30}} />, 120, 30);
		expect(h.lastFrame()).toMatch(/fresh .* ok 2s .* 4s /);
		let t = now;
		for (const mark of [30, 60, 90, 180]) {
			await tick(h, clock, t, mark - (t - now) / sec);
			t = now + mark * sec;
			expect(h.lastFrame(), `at +${mark} s`).toBe(await freshAt(t, clusters));
		}
		expect(h.lastFrame()).toMatch(/fresh .* ok 3m .* 3m /);
		expect(h.lastFrame()).toMatch(/stale .* unreachable 4m .* 12\/12, 4m ago/);
		// A row that changes between two marks is drawn at once, with the ages of the others as they were.
		const changed = {...clusters[1]!, health: 'unreachable' as const, api: {state: 'unreachable' as const, since: t + 5 * sec, error: 'connect ECONNREFUSED'}};
		clock.set(t + 5 * sec);
		store.getState().applyBatch({clusters: {seconds: changed}});
		await waitFor(() => expect(h.lastFrame()).toMatch(/seconds .* unreachable 0s .* 12\/12, 0s ago/));
		expect(h.lastFrame()).toMatch(/minutes .* ok 8m /);
		await tick(h, clock, t + 5 * sec, 25);
		expect(h.lastFrame()).toBe(await freshAt(t + 30 * sec, [clusters[0]!, changed, ...clusters.slice(2)]));
	});
});

describe("the TigerStatus pane's ages under the ticking clock", () => {
	// The selected cluster's tunnel note ("for 8s") and component rows whose AGE cells move at
	// different moments; the pane's notes and rows re-render for the clock on their own.
	const selected = () =>
		cluster('tunnel', {
			role: 'managed',
			api: {state: 'ok', since: now - 3 * min},
			connection: {management: 'mgmt', managedName: 'tunnel', fromManagement: 'True', fromManaged: 'True', disagree: false, since: now - 8 * sec},
		});
	const statuses = () => [status('apiserver', {since: now - 4 * sec}), status('calico', {since: now - 75 * sec})];

	async function consoleWith(clock: ReturnType<typeof createFixedClock>, list = statuses()) {
		const store = fixtureStore([selected(), cluster('zz-other')]);
		store.getState().applyBatch({clusters: {}, statuses: {tunnel: list}});
		return {store, h: await renderAt(<App store={store} ui={createUiStore()} clock={clock} size={{columns: 120, rows: 30}} />, 120, 30)};
	}

	/** The TigerStatus pane's lines of a frame. */
	const paneOf = (frame: string) => {
		const all = frame.split('\n');
		const start = all.findIndex(l => l.includes('─ TigerStatus'));
		const end = all.findIndex((l, i) => i > start && l.startsWith('─ Steps'));
		return all.slice(start, end).join('\n');
	};

	test('on every mark the pane reads as in a console started at that instant: note and rows', async () => {
		const clock = createFixedClock(now);
		const {h} = await consoleWith(clock);
		expect(paneOf(h.lastFrame())).toContain('ManagedClusterConnected True for 8s');
		let t = now;
		for (const mark of [1, 2, 10, 30, 60, 90, 120, 180]) {
			await tick(h, clock, t, mark - (t - now) / sec);
			t = now + mark * sec;
			const fresh = await consoleWith(createFixedClock(t));
			expect(paneOf(h.lastFrame()), `at +${mark} s`).toBe(paneOf(fresh.h.lastFrame()));
			fresh.h.unmount();
		}
		expect(paneOf(h.lastFrame())).toContain('ManagedClusterConnected True for 3m');
		expect(paneOf(h.lastFrame())).toMatch(/apiserver .* 3m\b/);
		expect(paneOf(h.lastFrame())).toMatch(/calico .* 4m\b/);
	});

	test('a component that changes between two marks shows its new age at once, the others as they were', async () => {
		const clock = createFixedClock(now);
		const {h, store} = await consoleWith(clock);
		await tick(h, clock, now, 30);
		const t = now + 35 * sec;
		clock.set(t);
		store.getState().applyBatch({clusters: {}, statuses: {tunnel: [status('apiserver', {since: t, available: 'False', degraded: 'True', reason: 'ResourceNotReady'}), statuses()[1]!]}});
		await waitFor(() => expect(paneOf(h.lastFrame())).toMatch(/apiserver\s+False\s+False\s+True\s+0s /));
		// calico's age is on the 10 s grid: 105 s at now+30 s, until the next mark.
		expect(paneOf(h.lastFrame())).toMatch(/calico .* 105s\b/);
		await tick(h, clock, t, 10);
		expect(paneOf(h.lastFrame())).toMatch(/apiserver\s+False\s+False\s+True\s+10s /);
		expect(paneOf(h.lastFrame())).toMatch(/calico .* 2m\b/);
	});
});

describe('age roll-overs', () => {
	test('the next change of an age is the next second, minute, hour or day it counts', () => {
		expect(nextAgeChange(now, now + 12_300)).toBe(now + 13 * sec);
		expect(nextAgeChange(now, now + 119 * sec)).toBe(now + 120 * sec);
		expect(nextAgeChange(now, now + 5 * min + 10 * sec)).toBe(now + 6 * min);
		expect(nextAgeChange(now, now + 3 * 3600 * sec)).toBe(now + 4 * 3600 * sec);
	});

	test('ages gather on a grid: by the second under 10 s, 10 s marks under 2 min, 30 s marks beyond', () => {
		expect(nextAgesChange([now - 3 * sec], now)).toBe(now + sec);
		expect(nextAgesChange([now - 13 * sec - 500], now)).toBe(now + 10 * sec);
		expect(nextAgesChange([now - 5 * min - 5 * sec, now - 5 * min - 50 * sec], now)).toBe(now + 30 * sec);
		expect(nextAgesChange([], now)).toBe(Number.POSITIVE_INFINITY);
	});
});
