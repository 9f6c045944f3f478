import {describe, expect, it} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import type {WatchState} from '../../source/kube/watch.js';
import {startProbe} from '../../source/sync/api-probe.js';

// The reachability probe asks only what nothing else said: while the server keeps answering (watch
// lines, other requests), no GET /version goes out; once it stops, one goes out within an interval.

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
				await sleep(40);
				throw new KubeError({kind: 'timeout', message: `no answer within 40ms (GET ${options.path})`, context: 'c'});
			}
			client.lastAnswerAt = performance.now();
			return {};
		},
	};
	return {client, probes, hang: () => (hung = true)};
}

describe('startProbe', () => {
	it('sends no probe while the server answers anyway, and finds a hang within an interval + the timeout', async () => {
		const f = fakeClient();
		const states: WatchState[] = [];
		const probe = startProbe(f.client as unknown as ClusterClient, {intervalMs: 100, onState: s => states.push(s), onRecover: () => {}});
		// The first probe (within an interval): the server has said nothing yet.
		while (f.probes.length === 0) await sleep(2);
		await sleep(2);
		expect(states).toEqual([{state: 'ok'}]);
		// Answers every 30 ms (bookmarks, other requests): no probe for 500 ms.
		const answering = setInterval(() => (f.client.lastAnswerAt = performance.now()), 30);
		await sleep(500);
		clearInterval(answering);
		expect(f.probes).toHaveLength(1);
		// It hangs: the last answer was just now, so a probe goes out within 100 ms and fails 40 ms later.
		f.hang();
		const hungAt = performance.now();
		while (!states.some(s => s.state === 'unreachable') && performance.now() - hungAt < 2000) await sleep(5);
		expect(states.at(-1)).toMatchObject({state: 'unreachable'});
		// (plus room for a loaded machine's timers)
		expect(performance.now() - hungAt).toBeLessThan(100 + 40 + 300);
		// Unreachable: probes go on at the interval whatever was answered before, to see it come back.
		const before = f.probes.length;
		await sleep(450);
		expect(f.probes.length - before).toBeGreaterThanOrEqual(2);
		probe.stop();
	});
});
