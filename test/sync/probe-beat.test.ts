import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import type {WatchHandle, WatchOptions} from '../../source/kube/watch.js';
import type {RawObject} from '../../source/mcm/raw.js';
import {probeIntervalsFor} from '../../source/sync/api-probe.js';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';

// The rows the user looks at are probed on the fleet's beat: a screenful of GET /version goes out in
// the same instants (one wake-up of the process each), not each at its own. On a simulated clock,
// through the fleet sync as the console starts it (scripted watches, clients that record probes).

describe('the fleet sync\'s probe beat', () => {
	beforeEach(() => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance']});
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('probes the selected row and the other rows on screen of a 1,001-cluster fleet in the selected row\'s instants, each within its interval', async () => {
		const contexts = Array.from({length: 60}, (_, i) => `c${String(i).padStart(2, '0')}`);
		const probes = new Map<string, number[]>(contexts.map(c => [c, []]));
		const clients = new Map(
			contexts.map(context => {
				const client = {
					context,
					lastAnswerAt: undefined as number | undefined,
					async request(options: RequestOptions) {
						if (options.path === '/version') probes.get(context)!.push(performance.now());
						client.lastAnswerAt = performance.now();
						return {};
					},
				};
				return [context, client as unknown as ClusterClient];
			}),
		);
		const watches: Array<{context: string; path: string; handlers: WatchOptions<RawObject>['handlers']}> = [];
		const sync = startFleetSync({
			store: createAppStore(),
			clients,
			flushMs: 20,
			probeMs: probeIntervalsFor(1001),
			startWatch(client, options): WatchHandle {
				watches.push({context: client.context, path: options.path, handlers: options.handlers});
				return {stop() {}, wake() {}, resourceVersion: undefined};
			},
		});
		await vi.advanceTimersByTimeAsync(0);
		for (const kind of ['installations', 'tigerstatuses', 'managementclusters', 'managementclusterconnections'] as const) {
			for (const w of watches.filter(w => w.path === watchedPaths[kind])) {
				w.handlers.onReset([]);
				w.handlers.onState({state: 'ok'});
			}
		}
		await sync.ready();
		const onScreen = contexts.slice(0, 40);
		sync.setProbeFocus({contexts: onScreen, selected: onScreen[0]});
		await vi.advanceTimersByTimeAsync(10_000);
		const from = performance.now();
		await vi.advanceTimersByTimeAsync(60_000);
		const sent = (context: string) => probes.get(context)!.filter(t => t >= from);
		for (const context of onScreen) {
			const times = sent(context);
			const every = context === onScreen[0] ? 1500 : 5000;
			expect(times.length).toBeGreaterThanOrEqual(60_000 / every - 1);
			for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeLessThanOrEqual(every);
		}
		const selected = new Set(sent(onScreen[0]!));
		expect(onScreen.flatMap(sent).filter(t => !selected.has(t))).toEqual([]);
		sync.stop();
	});
});
