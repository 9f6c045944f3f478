import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import type {WatchState} from '../../source/kube/watch.js';
import {probeBeatMs, probeIntervalOf, probeIntervalsFor, startProbe, type ProbeTier} from '../../source/sync/api-probe.js';
import {createCoarseTimers} from '../../source/sync/coarse-timers.js';

// The reachability probe asks only what nothing else said: while the server keeps answering (watch
// lines, other requests), no GET /version goes out; once it stops, one goes out within an interval.
// On a simulated clock (timers and performance.now), so a loaded machine cannot blur the intervals.

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function fakeClient() {
	const probes: number[] = [];
	let hung = false;
	const client = {
		context: 'c',
		lastAnswerAt: undefined as number | undefined,
		async request(options: RequestOptions) {
			probes.push(performance.now());
			if (hung) {
				await sleep(400);
				throw new KubeError({kind: 'timeout', message: `no answer within 400ms (GET ${options.path})`, context: 'c'});
			}
			client.lastAnswerAt = performance.now();
			return {};
		},
	};
	return {client, probes, hang: () => (hung = true)};
}

describe('startProbe', () => {
	beforeEach(() => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance']});
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('sends no probe while the server answers anyway, and finds a hang within an interval + the timeout', async () => {
		const f = fakeClient();
		const states: WatchState[] = [];
		const probe = startProbe(f.client as unknown as ClusterClient, {intervalMs: 1000, onState: s => states.push(s), onRecover: () => {}});
		// The first probe, within an interval: the server has said nothing yet.
		await vi.advanceTimersByTimeAsync(1000);
		expect(f.probes).toHaveLength(1);
		expect(states).toEqual([{state: 'ok'}]);
		// The server answers every 300 ms (bookmarks, other requests): no probe for 10 s.
		f.client.lastAnswerAt = performance.now();
		const answering = setInterval(() => (f.client.lastAnswerAt = performance.now()), 300);
		await vi.advanceTimersByTimeAsync(10_000);
		clearInterval(answering);
		expect(f.probes).toHaveLength(1);
		// It hangs right after its last answer: a probe goes out within an interval and fails at its timeout.
		f.hang();
		const hungAt = performance.now();
		await vi.advanceTimersByTimeAsync(1000 + 400);
		expect(states.at(-1)).toMatchObject({state: 'unreachable'});
		expect(f.probes.at(-1)! - hungAt).toBeLessThanOrEqual(1000);
		// Unreachable: probes go on every interval (after each one's timeout), to see it come back.
		const before = f.probes.length;
		await vi.advanceTimersByTimeAsync(5 * 1400);
		expect(f.probes.length - before).toBe(5);
		probe.stop();
	});

	it('on a 1,001-cluster fleet: probes nothing off screen while bookmarks come, and a selected row still shows a hang within the timeout + 2 s', async () => {
		const intervals = probeIntervalsFor(1001);
		const f = fakeClient();
		const states: WatchState[] = [];
		let tier: ProbeTier = 'off-screen';
		const probe = startProbe(f.client as unknown as ClusterClient, {intervalMs: state => probeIntervalOf(intervals, tier, state), onState: s => states.push(s), onRecover: () => {}});
		// The first probe, within an interval.
		await vi.advanceTimersByTimeAsync(65_000);
		expect(f.probes).toHaveLength(1);
		// Idle: each watch gets a bookmark about every minute (kube-apiserver's); off screen, no probe for 10 minutes.
		f.client.lastAnswerAt = performance.now();
		const bookmarks = setInterval(() => (f.client.lastAnswerAt = performance.now()), 60_000);
		await vi.advanceTimersByTimeAsync(10 * 60_000);
		expect(f.probes).toHaveLength(1);
		// The row comes on screen and is selected; the server hangs: unreachable within 2 s + the timeout.
		f.hang();
		clearInterval(bookmarks);
		tier = 'selected';
		probe.retune();
		await vi.advanceTimersByTimeAsync(2000 + 400);
		expect(states.at(-1)).toMatchObject({state: 'unreachable'});
		probe.stop();
	});

	it('off screen on a big fleet, a hang shows once a bookmark interval passes without an answer; on screen within seconds', async () => {
		const intervals = probeIntervalsFor(1001);
		// With exact timers, and on the fleet's grid, on screen on its beat (early, never late: the bound holds).
		const grid = () => createCoarseTimers(probeBeatMs(intervals));
		for (const [tier, within, coarse] of [['off-screen', 65_000, undefined], ['on-screen', 5000, undefined], ['off-screen', 65_000, grid()], ['on-screen', 5000, grid()]] as const) {
			const f = fakeClient();
			const states: WatchState[] = [];
			const probe = startProbe(f.client as unknown as ClusterClient, {intervalMs: state => probeIntervalOf(intervals, tier, state), onState: s => states.push(s), onRecover: () => {}, coarse, onBeat: () => tier !== 'off-screen'});
			await vi.advanceTimersByTimeAsync(intervals[tier]);
			f.client.lastAnswerAt = performance.now();
			f.hang();
			await vi.advanceTimersByTimeAsync(within - 1000);
			expect(states.at(-1)).toEqual({state: 'ok'});
			await vi.advanceTimersByTimeAsync(1000 + 400);
			expect(states.at(-1)).toMatchObject({state: 'unreachable'});
			probe.stop();
		}
	});

	it('1,000 clusters off screen, kept answering by bookmarks: no probe, and their re-armed timers wake the process at most once a beat', async () => {
		const intervals = probeIntervalsFor(1001);
		const clients = Array.from({length: 1000}, () => fakeClient());
		// The fleet's grid, as the fleet sync hands it to every cluster's probe.
		const coarse = createCoarseTimers(probeBeatMs(intervals));
		const probes = clients.map(f => startProbe(f.client as unknown as ClusterClient, {intervalMs: state => probeIntervalOf(intervals, 'off-screen', state), onState: () => {}, onRecover: () => {}, coarse}));
		// The first probes, spread over an interval; then each cluster's four watches send a bookmark a
		// minute each, at their own moments (kube-apiserver's, from when each watch opened).
		await vi.advanceTimersByTimeAsync(intervals['off-screen']);
		const firstProbes = clients.reduce((n, f) => n + f.probes.length, 0);
		for (const f of clients) f.client.lastAnswerAt = performance.now();
		const bookmarks = clients.flatMap(f => Array.from({length: 4}, () => ({f, next: performance.now() + Math.random() * 60_000})));
		// A probe's timer, when it fires, reads when its server last answered: the instants of those reads are its wake-ups.
		const wakeups = new Set<number>();
		for (const f of clients) {
			let at = f.client.lastAnswerAt;
			Object.defineProperty(f.client, 'lastAnswerAt', {
				get: () => {
					wakeups.add(Math.floor(performance.now()));
					return at;
				},
				set: (t: number | undefined) => (at = t),
			});
		}
		const end = performance.now() + 5 * 60_000;
		while (performance.now() < end) {
			await vi.advanceTimersByTimeAsync(100);
			for (const b of bookmarks) {
				if (b.next > performance.now()) continue;
				b.f.client.lastAnswerAt = performance.now();
				b.next += 60_000;
			}
		}
		expect(clients.reduce((n, f) => n + f.probes.length, 0)).toBe(firstProbes);
		// 5 minutes: at most one wake-up per beat (1.5 s) of the probes' timers (there were ~20 a second).
		expect(wakeups.size).toBeLessThanOrEqual((5 * 60_000) / 1500 + 1);
		for (const probe of probes) probe.stop();
	});

	it('a screenful of a 1,001-cluster fleet probes on one beat: the selected row every 1.5 s, the rest on screen every 5 s, all in the beat\'s instants', async () => {
		const intervals = probeIntervalsFor(1001);
		const coarse = createCoarseTimers(probeBeatMs(intervals));
		const rows = Array.from({length: 41}, (_, i) => ({f: fakeClient(), tier: (i === 0 ? 'selected' : 'on-screen') as ProbeTier}));
		const probes = rows.map(({f, tier}) => startProbe(f.client as unknown as ClusterClient, {intervalMs: state => probeIntervalOf(intervals, tier, state), onState: () => {}, onRecover: () => {}, coarse, onBeat: () => true}));
		await vi.advanceTimersByTimeAsync(intervals['on-screen']);
		const from = performance.now();
		await vi.advanceTimersByTimeAsync(60_000);
		const sent = rows.map(({f}) => f.probes.filter(t => t >= from));
		// Every row still within its interval: the selected one 1.5 s, the others 5 s.
		for (const [i, times] of sent.entries()) {
			const every = i === 0 ? 1500 : 5000;
			expect(times.length).toBeGreaterThanOrEqual(60_000 / every - 1);
			for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeLessThanOrEqual(every);
		}
		// ~570 probes a minute, at no more instants than the selected row's own (each its own wake-up before: ~16 a second).
		expect(new Set(sent.flat()).size).toBeLessThanOrEqual(sent[0]!.length + 1);
		for (const probe of probes) probe.stop();
	});

	it('a row on screen that is hung shows within 5 s + the timeout on the beat, and the selected one within 1.5 s + the timeout', async () => {
		const intervals = probeIntervalsFor(1001);
		const coarse = createCoarseTimers(probeBeatMs(intervals));
		for (const tier of ['on-screen', 'selected'] as const) {
			// Hung at every offset into the beat: the bound may not depend on when the hang began.
			for (const offset of [0, 300, 700, 1100, 1499]) {
				const f = fakeClient();
				const states: WatchState[] = [];
				const probe = startProbe(f.client as unknown as ClusterClient, {intervalMs: state => probeIntervalOf(intervals, tier, state), onState: s => states.push(s), onRecover: () => {}, coarse, onBeat: () => true});
				await vi.advanceTimersByTimeAsync(intervals[tier] + offset);
				f.client.lastAnswerAt = performance.now();
				f.hang();
				await vi.advanceTimersByTimeAsync(intervals[tier] + 400);
				expect(states.at(-1)).toMatchObject({state: 'unreachable'});
				probe.stop();
			}
		}
	});

	it('stop() ends a probe under way at once, and nothing is reported after it', async () => {
		// A server that never answers: the request waits for its cut (the caller's signal or the cut the client hands over).
		const cuts: string[] = [];
		const states: WatchState[] = [];
		const client = {
			context: 'c',
			lastAnswerAt: undefined as number | undefined,
			request(options: RequestOptions) {
				return new Promise((_, reject) => {
					const cut = () => {
						cuts.push(options.path);
						reject(new KubeError({kind: 'aborted', message: `aborted (GET ${options.path})`, context: 'c'}));
					};
					options.signal?.addEventListener('abort', cut, {once: true});
					options.onCut?.(cut);
				});
			},
		};
		const probe = startProbe(client as unknown as ClusterClient, {intervalMs: 1000, onState: s => states.push(s), onRecover: () => {}});
		await vi.advanceTimersByTimeAsync(1000);
		probe.stop();
		await vi.advanceTimersByTimeAsync(0);
		expect(cuts).toEqual(['/version']);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(cuts).toEqual(['/version']);
		expect(states).toEqual([]);
	});

	it('probes every cluster of a small fleet alike, at 1.5 s', () => {
		expect(probeIntervalsFor(20)).toEqual({'selected': 1500, 'on-screen': 1500, 'off-screen': 1500});
		// Unreachable on screen: as the selected row, so that recovery shows within 3 s.
		expect(probeIntervalOf(probeIntervalsFor(1001), 'on-screen', 'unreachable')).toBe(1500);
	});
});
