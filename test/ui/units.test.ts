import {EventEmitter} from 'node:events';
import {describe, expect, test, vi} from 'vitest';
import {createAppStore} from '../../source/store/store.js';
import {computeFleetView, computeHealthCounts, createFleetViewSelector, parseFilter, selectCurrentRun, selectSortedStatuses} from '../../source/store/selectors.js';
import {age, elapsed, fit, oneLine, truncate} from '../../source/ui/format.js';
import {logWindow, scrollLog} from '../../source/ui/log-window.js';
import {scrollTo} from '../../source/ui/layout.js';
import {enterAlternateScreen, guardExit, leaveSequence, signalExitCode} from '../../source/ui/terminal.js';
import type {Cluster} from '../../source/mcm/types.js';
import {countingReads, fixtureClusters, run, status} from './fixtures.js';

const byId = (list = fixtureClusters()) => Object.fromEntries(list.map(c => [c.id, c]));

describe('selectors', () => {
	test('the fleet view is computed once per change of its inputs', () => {
		const select = createFleetViewSelector();
		const clusters = byId();
		const a = select(clusters, 'name', false, '', false);
		expect(select(clusters, 'name', false, '', false)).toBe(a);
		expect(select({...clusters}, 'name', false, '', false)).not.toBe(a);
		expect(select(clusters, 'health', false, '', false)).not.toBe(a);
	});

	test('after flushes that change, add and remove rows, and while a filter is typed, the view is the one a full sort and filter give', () => {
		const select = createFleetViewSelector();
		const healths = ['healthy', 'degraded', 'disconnected', 'unreachable', 'pending'] as const;
		let clusters = byId(Array.from({length: 400}, (_, i) => ({...fixtureClusters()[i % 7]!, id: `c-${(i * 7919) % 1000}`, name: `c-${(i * 7919) % 1000}`, createdAt: (i * 31) % 97})));
		let seed = 7;
		const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
		const settings = [
			['name', false, ''],
			['health', false, ''],
			['age', true, 'c-1'],
			['name', true, '/c-[0-4]/'],
		] as const;
		for (let flush = 0; flush < 40; flush++) {
			const next = {...clusters};
			const ids = Object.keys(next);
			for (let k = 0; k < 5; k++) {
				const id = ids[random(ids.length)]!;
				next[id] = {...next[id]!, health: healths[random(healths.length)]!, createdAt: random(97)};
			}
			delete next[ids[random(ids.length)]!];
			const added = `c-new-${flush}`;
			next[added] = {...fixtureClusters()[0]!, id: added, name: added};
			clusters = next;
			const [sort, desc, filter] = settings[Math.floor(flush / 10)]!;
			const unhealthy = flush % 3 === 0;
			expect(select(clusters, sort, desc, filter, unhealthy).rows.map(c => c.id)).toEqual(computeFleetView(clusters, sort, desc, filter, unhealthy).rows.map(c => c.id));
		}
		// Typing a filter re-filters the rows already sorted: each prefix is the full computation's view.
		for (const typed of ['c', 'c-', 'c-1', 'c-12', '!c-12']) {
			const view = select(clusters, 'health', false, typed, false);
			expect(view.rows.map(c => c.id)).toEqual(computeFleetView(clusters, 'health', false, typed, false).rows.map(c => c.id));
			expect([...view.index.entries()]).toEqual(view.rows.map((c, i) => [c.id, i]));
		}
		const view = select(clusters, 'health', false, '', false);
		const sorted = view.rows;
		expect(select(clusters, 'health', false, 'degraded', false).rows.every((c, i, rows) => i === 0 || sorted.indexOf(rows[i - 1]!) < sorted.indexOf(c))).toBe(true);
	});

	test('flushes that change rows but add or remove none keep the view a full sort gives, in every sort', () => {
		const healths = ['healthy', 'degraded', 'disconnected', 'unreachable', 'pending'] as const;
		let seed = 11;
		const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
		for (const [sort, desc] of [['name', false], ['health', false], ['health', true], ['age', false], ['age', true]] as const) {
			const select = createFleetViewSelector();
			let clusters = byId(Array.from({length: 300}, (_, i) => ({...fixtureClusters()[i % 7]!, id: `r-${i}`, name: `r-${i}`, createdAt: i % 13})));
			for (let flush = 0; flush < 60; flush++) {
				const next = {...clusters};
				const ids = Object.keys(next);
				// Mostly one row a flush (a connection flip), sometimes a few.
				for (let k = 0; k < (flush % 5 === 0 ? 3 : 1); k++) {
					const id = ids[random(ids.length)]!;
					next[id] = {...next[id]!, health: healths[random(healths.length)]!, createdAt: random(13)};
				}
				clusters = next;
				expect(select(clusters, sort, desc, '', false).rows.map(c => c.id)).toEqual(computeFleetView(clusters, sort, desc, '', false).rows.map(c => c.id));
			}
		}
	});

	test('a flush that changes one row without moving it compares that row with its neighbours only, not the whole fleet', () => {
		// A connection flip on a 1,001-row fleet sorted by name: its order cannot change, and a whole
		// pass of natural-order name comparisons found that out on the way to the screen.
		let reads = 0;
		const counted = (c: Cluster) => countingReads(c, 'name', () => reads++);
		const select = createFleetViewSelector();
		let clusters = byId(Array.from({length: 1001}, (_, i) => counted({...fixtureClusters()[1]!, id: `managed-${i}`, name: `managed-${i}`})));
		select(clusters, 'name', false, '', false);
		clusters = {...clusters, 'managed-500': counted({...clusters['managed-500']!, name: 'managed-500', health: 'disconnected'})};
		reads = 0;
		const view = select(clusters, 'name', false, '', false);
		expect(reads).toBeLessThan(10);
		expect(view.rows.map(c => c.id)).toEqual(computeFleetView(clusters, 'name', false, '', false).rows.map(c => c.id));
		expect(view.rows[view.index.get('managed-500')!]!.health).toBe('disconnected');
	});

	test('a flush that changes one row of a filtered fleet runs the filter on that row only, and the view follows it', () => {
		// The latency bench's screen: 1,001 rows filtered to few. Each connection flip tested every row
		// against the filter again on its way to the screen.
		let reads = 0;
		const counted = (c: Cluster) => countingReads(c, 'health', () => reads++);
		const select = createFleetViewSelector();
		let clusters = byId(Array.from({length: 1001}, (_, i) => counted({...fixtureClusters()[1]!, id: `managed-${i}`, name: `managed-${i}`, health: i % 100 === 0 ? 'degraded' : 'healthy'})));
		expect(select(clusters, 'name', false, 'managed-5', true).rows.map(c => c.id)).toEqual(['managed-500']);
		clusters = {...clusters, 'managed-50': counted({...clusters['managed-50']!, name: 'managed-50', health: 'disconnected'})};
		reads = 0;
		const view = select(clusters, 'name', false, 'managed-5', true);
		expect(reads).toBeLessThan(5);
		expect(view.rows.map(c => c.id)).toEqual(['managed-50', 'managed-500']);
		expect(view.rows.map(c => c.id)).toEqual(computeFleetView(clusters, 'name', false, 'managed-5', true).rows.map(c => c.id));
		clusters = {...clusters, 'managed-50': counted({...clusters['managed-50']!, name: 'managed-50', health: 'healthy'})};
		expect(select(clusters, 'name', false, 'managed-5', true).rows.map(c => c.id)).toEqual(['managed-500']);
	});

	test("a store flush that changes one row of 1,001 does not list the record's keys to sort the view", () => {
		// The sorted stage checked that no row was added by counting the record's keys: an array of
		// 1,001 ids per connection flip. The store knows the count (its health counts' total).
		const store = createAppStore();
		store.getState().applyBatch({clusters: Object.fromEntries(Array.from({length: 1001}, (_, i) => [`managed-${i}`, {...fixtureClusters()[1]!, id: `managed-${i}`, name: `managed-${i}`}]))});
		const select = createFleetViewSelector();
		select(store.getState().clusters, 'name', false, '', false);
		store.getState().applyBatch({clusters: {'managed-500': {...store.getState().clusters['managed-500']!, health: 'disconnected'}}});
		const clusters = store.getState().clusters;
		const keys = vi.spyOn(Object, 'keys');
		try {
			const view = select(clusters, 'name', false, '', false);
			expect(keys.mock.calls.filter(([o]) => o === clusters)).toHaveLength(0);
			expect(view.rows.map(c => c.id)).toEqual(computeFleetView(clusters, 'name', false, '', false).rows.map(c => c.id));
			expect(view.rows[view.index.get('managed-500')!]!.health).toBe('disconnected');
		} finally {
			keys.mockRestore();
		}
		// A row added (and one removed) is still seen as such.
		store.getState().applyBatch({clusters: {'managed-1001': {...fixtureClusters()[1]!, id: 'managed-1001', name: 'managed-1001'}, 'managed-3': null}});
		const next = store.getState().clusters;
		expect(select(next, 'name', false, '', false).rows.map(c => c.id)).toEqual(computeFleetView(next, 'name', false, '', false).rows.map(c => c.id));
	});

	test('switching between sorts, with flushes in between, gives the rows a full sort gives each time', () => {
		const select = createFleetViewSelector();
		const healths = ['healthy', 'degraded', 'disconnected', 'unreachable', 'pending'] as const;
		let clusters = byId(Array.from({length: 300}, (_, i) => ({...fixtureClusters()[i % 7]!, id: `s-${(i * 7919) % 1000}`, name: `s-${(i * 7919) % 1000}`, createdAt: (i * 31) % 17})));
		let seed = 11;
		const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
		const sorts = [['name', false], ['age', false], ['name', false], ['health', true], ['age', false], ['name', false], ['health', true]] as const;
		for (let step = 0; step < 28; step++) {
			// A flush between some switches: the sort remembered for a key must take in the changed rows.
			if (step % 2 === 1) {
				const next = {...clusters};
				const ids = Object.keys(next);
				for (let k = 0; k < 4; k++) {
					const id = ids[random(ids.length)]!;
					next[id] = {...next[id]!, health: healths[random(healths.length)]!, createdAt: random(17), name: random(3) === 0 ? `s-renamed-${step}-${k}` : next[id]!.name};
				}
				delete next[ids[random(ids.length)]!];
				next[`s-new-${step}`] = {...fixtureClusters()[0]!, id: `s-new-${step}`, name: `s-new-${step}`};
				clusters = next;
			}
			const [sort, desc] = sorts[step % sorts.length]!;
			expect(select(clusters, sort, desc, '', false).rows.map(c => c.id)).toEqual(computeFleetView(clusters, sort, desc, '', false).rows.map(c => c.id));
		}
	});

	test('a row that changes is matched by the filter with its new text', () => {
		const select = createFleetViewSelector();
		const clusters = byId();
		expect(select(clusters, 'name', false, 'degraded', false).rows.map(c => c.id)).toEqual(['standalone-1']);
		const next = {...clusters, 'managed-1': {...clusters['managed-1']!, health: 'degraded' as const}};
		expect(select(next, 'name', false, 'degraded', false).rows.map(c => c.id)).toEqual(['managed-1', 'standalone-1']);
	});

	test('names sort naturally: managed-2 before managed-10', () => {
		const v = computeFleetView(byId(), 'name', false, 'managed', false);
		expect(v.rows.map(c => c.id)).toEqual(['managed-1', 'managed-2', 'managed-10']);
	});

	test('filter syntax', () => {
		const rows = (f: string) => computeFleetView(byId(), 'name', false, f, false).rows.map(c => c.id);
		expect(rows('MGMT')).toEqual(['mgmt']);
		expect(rows('unreachable')).toEqual(['edge-9']);
		expect(rows('/-1$/').length).toBe(0); // the row text goes on after the name
		expect(rows('/^managed-1\\b/')).toEqual(['managed-1']);
		expect(rows('! degraded')).not.toContain('standalone-1');
		expect(parseFilter('/(').error).toMatch(/bad regex/);
		expect(parseFilter('').test).toBeUndefined();
		expect(parseFilter('!').test).toBeUndefined();
	});

	test('health counts', () => {
		expect(computeHealthCounts(byId())).toEqual({total: 7, healthy: 4, pending: 0, degraded: 1, disconnected: 1, unreachable: 1});
	});

	test('statuses: Degraded first, then unavailable, then progressing, then by name', () => {
		const list = [status('b'), status('a', {progressing: 'True'}), status('z', {degraded: 'True'}), status('c', {available: 'False'})];
		expect(selectSortedStatuses(list).map(s => s.name)).toEqual(['z', 'c', 'a', 'b']);
		expect(selectSortedStatuses(list)).toBe(selectSortedStatuses(list));
	});

	test('the current run is the newest running one, else the newest', () => {
		const a = run({id: 'a', state: 'running'});
		const b = run({id: 'b', state: 'done'});
		expect(selectCurrentRun({a, b}, ['a', 'b'])?.id).toBe('a');
		expect(selectCurrentRun({a: {...a, state: 'failed'}, b}, ['a', 'b'])?.id).toBe('b');
		expect(selectCurrentRun({}, [])).toBeUndefined();
	});
});

describe('format', () => {
	test('ages in one whole unit', () => {
		expect([0, 12_000, 119_000, 180_000, 3 * 3600_000, 50 * 3600_000].map(age)).toEqual(['0s', '12s', '119s', '3m', '3h', '2d']);
		expect(elapsed(400)).toBe('0.4s');
		expect(elapsed(185_000)).toBe('3m05s');
	});

	test('fit cuts and pads to the exact width, counting wide characters as two', () => {
		expect(fit('abcdef', 4)).toBe('abc…');
		expect(fit('ab', 4)).toBe('ab  ');
		expect(fit('ab', 4, '…', 'right')).toBe('  ab');
		expect(truncate('日本語テキスト', 5)).toBe('日本…');
	});

	test('oneLine removes escape sequences and control characters: a log line cannot drive the terminal', () => {
		expect(oneLine('a\u001B[2J\u001B]0;title\u0007b\nc\td\u0007')).toBe('ab c d');
	});
});

describe('scrolling', () => {
	test('scrollTo keeps the index in view with the smallest move', () => {
		expect(scrollTo(0, 5, 10, 100)).toBe(0);
		expect(scrollTo(0, 15, 10, 100)).toBe(6);
		expect(scrollTo(20, 15, 10, 100)).toBe(15);
		expect(scrollTo(95, 99, 10, 100)).toBe(90);
	});

	test('a paused log window stays on the same lines while old ones fall off the cap', () => {
		expect(logWindow(100, 0, 10, true, 0)).toEqual({start: 90, end: 100, newer: 0});
		const top = scrollLog(100, 0, 10, true, 0, -5);
		expect(top).toBe(85);
		// 20 more lines arrive, 20 old ones drop off the cap: still lines 85..94.
		expect(logWindow(100, 20, 10, false, top)).toEqual({start: 65, end: 75, newer: 25});
	});
});

describe('terminal', () => {
	test('the alternate screen is left exactly once, and only if it was entered', () => {
		const out: string[] = [];
		const tty = {isTTY: true, write: (s: string) => out.push(s)};
		const session = enterAlternateScreen(tty);
		expect(out.join('')).toContain('\u001B[?1049h');
		session.restore();
		session.restore();
		expect(out.filter(s => s === leaveSequence)).toHaveLength(1);
		const pipe: string[] = [];
		enterAlternateScreen({isTTY: false, write: (s: string) => pipe.push(s)}).restore();
		expect(pipe).toEqual([]);
	});

	test('signals and uncaught errors restore the terminal first and exit once', () => {
		const proc = new EventEmitter() as unknown as NodeJS.Process;
		const events: string[] = [];
		const unguard = guardExit({proc, restore: () => events.push('restore'), onExit: r => events.push(r.kind === 'signal' ? r.signal : 'error')});
		proc.emit('SIGTERM', 'SIGTERM');
		proc.emit('SIGHUP', 'SIGHUP');
		proc.emit('exit', 0);
		expect(events).toEqual(['restore', 'SIGTERM', 'restore', 'restore']);
		unguard();
		expect(proc.listenerCount('SIGTERM')).toBe(0);
		expect(signalExitCode('SIGTERM')).toBe(143);
		expect(signalExitCode('SIGHUP')).toBe(129);
	});
});

