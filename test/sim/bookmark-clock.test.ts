import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BookmarkClock, type ClockHooks} from '../../source/sim/bookmark-clock.js';
import {rawRequest} from './http-client.js';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

// Bookmarks as kube-apiserver's cacher sends them: a minute after the watch began (never sooner), the
// watches of one resource begun within the same second in the same instant, one 2 s before a deadline.

/** A clock and timers that move only when told to. */
function fakeTime(start = 10_000): ClockHooks & {advance: (ms: number) => void} {
	let now = start;
	let timers: Array<{at: number; fn: () => void; id: number}> = [];
	let ids = 0;
	return {
		now: () => now,
		random: () => 0.5,
		setTimer(fn, ms) {
			const id = ++ids;
			timers.push({at: now + ms, fn, id});
			return id;
		},
		clearTimer(id) {
			timers = timers.filter(t => t.id !== id);
		},
		advance(ms) {
			const end = now + ms;
			for (;;) {
				const next = timers.filter(t => t.at <= end).sort((a, b) => a.at - b.at)[0];
				if (!next) break;
				timers = timers.filter(t => t !== next);
				now = next.at;
				next.fn();
			}
			now = end;
		},
	};
}

function recorder(time: ClockHooks, log: Array<[string, number]>, name: string) {
	return {bookmark: () => log.push([name, time.now()])};
}

describe('BookmarkClock', () => {
	it('sends the first bookmark a minute after the watch began, then one a minute', () => {
		const time = fakeTime();
		const clock = new BookmarkClock(60_000, time);
		const log: Array<[string, number]> = [];
		clock.add(recorder(time, log, 'a'), undefined);
		time.advance(58_999);
		expect(log).toEqual([]);
		time.advance(3 * 60_000);
		expect(log).toHaveLength(3);
		const gaps = log.map(([, at], i) => at - (i === 0 ? 10_000 : log[i - 1][1]));
		// Each lands in or after its one-second bucket, by the cacher's next firing (1-1.25 s apart).
		for (const gap of gaps) {
			expect(gap).toBeGreaterThan(58_999);
			expect(gap).toBeLessThan(61_250);
		}
	});

	it('sends the bookmarks of watches begun within the same second in the same instant', () => {
		const time = fakeTime();
		const clock = new BookmarkClock(60_000, time);
		const log: Array<[string, number]> = [];
		clock.add(recorder(time, log, 'a'), undefined);
		time.advance(300);
		clock.add(recorder(time, log, 'b'), undefined);
		time.advance(600);
		clock.add(recorder(time, log, 'c'), undefined);
		time.advance(61_500);
		expect(log.map(([name]) => name).sort()).toEqual(['a', 'b', 'c']);
		expect(new Set(log.map(([, at]) => at)).size).toBe(1);
	});

	it('sends one 2 s before a deadline that comes before the minute, and none after it', () => {
		const time = fakeTime();
		const clock = new BookmarkClock(60_000, time);
		const log: Array<[string, number]> = [];
		clock.add(recorder(time, log, 'short'), 10_000 + 30_000);
		time.advance(27_000);
		expect(log).toEqual([]);
		time.advance(10 * 60_000);
		expect(log).toHaveLength(1);
		expect(log[0][1] - 10_000).toBeGreaterThanOrEqual(27_000);
		expect(log[0][1] - 10_000).toBeLessThan(30_000);
		expect(clock.size).toBe(0);
	});

	it('sends none to a watch whose deadline is less than 2 s away, nor to one that ended', () => {
		const time = fakeTime();
		const clock = new BookmarkClock(60_000, time);
		const log: Array<[string, number]> = [];
		clock.add(recorder(time, log, 'brief'), 10_000 + 1_500);
		const ended = recorder(time, log, 'ended');
		clock.add(ended, undefined);
		time.advance(30_000);
		clock.delete(ended);
		time.advance(5 * 60_000);
		expect(log).toEqual([]);
		expect(clock.size).toBe(0);
	});
});

describe('simulator watch bookmarks', () => {
	let cluster: SingleCluster;
	beforeAll(async () => {
		cluster = await startSingleCluster('bookmark-clock', {});
	});
	afterAll(async () => {
		await cluster?.stop();
	});

	async function watchLines(query: string): Promise<string[]> {
		const response = await rawRequest(cluster.server.url, 'GET', `/api/v1/namespaces?watch=1&${query}`, {token: cluster.tokens.adminToken});
		return response.text.trim().split('\n');
	}

	it('gives a watch with timeoutSeconds a bookmark 2 s before it ends, and one shorter than 2 s none', async () => {
		const [withBookmark, without] = await Promise.all([
			watchLines('allowWatchBookmarks=true&timeoutSeconds=3'),
			watchLines('allowWatchBookmarks=true&timeoutSeconds=1'),
		]);
		const types = (lines: string[]) => lines.map(l => JSON.parse(l).type as string);
		expect(types(withBookmark).at(-1)).toBe('BOOKMARK');
		expect(types(without)).not.toContain('BOOKMARK');
	}, 20_000);
});
