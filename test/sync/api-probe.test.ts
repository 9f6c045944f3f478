import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import type {WatchState} from '../../source/kube/watch.js';
import {startProbe} from '../../source/sync/api-probe.js';

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
});
