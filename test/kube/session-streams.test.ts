import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {SessionStreams, type SessionStream} from '../../source/kube/watch/session-streams.js';

// A rider (a watch stream of a shared HTTP/2 session that asks no bookmarks) that stays silent past
// its server-side timeout plus the watchdog's limit is cut by the carrier's watchdog sweep (every 15 s
// in the console). On a simulated clock.

type FakeRider = SessionStream & {lastLineAt: number; cuts: number; looks: number};

function rider(limitMs: number): FakeRider {
	const r = {
		cuts: 0,
		looks: 0,
		line: 0,
		get lastLineAt() {
			r.looks++;
			return r.line;
		},
		set lastLineAt(at: number) {
			r.line = at;
		},
		get riderLimitMs() {
			r.looks++;
			return limitMs;
		},
		silenced() {
			r.cuts++;
		},
	};
	return r as unknown as FakeRider;
}

describe('SessionStreams.sweepRiders', () => {
	beforeEach(() => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'performance']});
		// A stream's lastLineAt of 0 means "not opened yet": the clock starts past it, as a process's does.
		vi.advanceTimersByTime(1000);
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('cuts a rider silent past its limit at the first sweep after it, and not one that spoke since', () => {
		const group = new SessionStreams();
		const carrier = rider(0);
		const quiet = rider(60_000);
		const talking = rider(60_000);
		expect(group.join(carrier)).toBe('carrier');
		expect(group.join(quiet)).toBe('rider');
		expect(group.join(talking)).toBe('rider');
		// Both open now (their first line: the response headers).
		quiet.lastLineAt = performance.now();
		talking.lastLineAt = performance.now();
		const sweep = () => group.sweepRiders(performance.now());
		for (let t = 15_000; t < 60_000; t += 15_000) {
			vi.advanceTimersByTime(15_000);
			if (t === 30_000) talking.lastLineAt = performance.now();
			sweep();
		}
		expect(quiet.cuts + talking.cuts).toBe(0);
		// 60 s of silence: the quiet one is cut at this sweep; the other spoke 30 s ago.
		vi.advanceTimersByTime(15_000);
		sweep();
		expect(quiet.cuts).toBe(1);
		expect(talking.cuts).toBe(0);
		// Its own limit after its last line.
		vi.advanceTimersByTime(30_000);
		sweep();
		expect(talking.cuts).toBe(1);
	});

	it('does not look at the riders on a sweep before any of them can be past its limit', () => {
		const group = new SessionStreams();
		group.join(rider(0));
		const riders = [rider(31 * 60_000), rider(45 * 60_000), rider(61 * 60_000)];
		for (const r of riders) {
			group.join(r);
			r.lastLineAt = performance.now();
		}
		for (const r of riders) r.looks = 0;
		// The console's watchdog sweeps every 15 s; a rider's limit is 30-60 min and more.
		for (let i = 0; i < 100; i++) {
			vi.advanceTimersByTime(15_000);
			group.sweepRiders(performance.now());
		}
		expect(riders.map(r => r.looks)).toEqual([0, 0, 0]);
		expect(riders.map(r => r.cuts)).toEqual([0, 0, 0]);
		// Past the first one's limit (31 min after it opened): it is cut, the others looked at once.
		vi.advanceTimersByTime(7 * 60_000);
		group.sweepRiders(performance.now());
		expect(riders.map(r => r.cuts)).toEqual([1, 0, 0]);
	});
});
