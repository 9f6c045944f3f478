import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import type {WatchHandle, WatchOptions} from '../../source/kube/watch.js';
import type {RawObject} from '../../source/mcm/raw.js';
import {collectOnceLoaded, settleCollectionMinContexts} from '../../source/cli/settle-collection.js';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';

// The console collects a big fleet's load garbage once, when every first list has answered
// (settle-collection.ts): not on a small fleet, not before the load settled, not again on later events.

type FakeWatch = {context: string; path: string; handlers: WatchOptions<RawObject>['handlers']};

async function fleet(size: number) {
	const contexts = Array.from({length: size}, (_, i) => `cluster-${i}`);
	const watches: FakeWatch[] = [];
	const sync = startFleetSync({
		store: createAppStore(),
		clients: new Map(contexts.map(context => [context, {context} as ClusterClient])),
		flushMs: 5,
		loadingFlushMs: 5,
		startConcurrency: size,
		startWatch(client, options): WatchHandle {
			watches.push({context: client.context, path: options.path, handlers: options.handlers});
			return {stop() {}, wake() {}, resourceVersion: undefined};
		},
	});
	await new Promise(resolve => setImmediate(resolve));
	const answer = (context: string) => {
		for (const w of watches.filter(w => w.context === context && w.path !== watchedPaths.managedclusters)) {
			w.handlers.onReset([]);
			w.handlers.onState({state: 'ok'});
		}
	};
	return {sync, contexts, answer};
}

const settle = () => new Promise(resolve => setTimeout(resolve, 30));

describe('collectOnceLoaded', () => {
	it('collects once on a big fleet, after its last first list answered, and not again on later changes', async () => {
		const f = await fleet(settleCollectionMinContexts);
		let collections = 0;
		let stopped = false;
		collectOnceLoaded(f.sync, f.contexts.length, {stopped: () => stopped, collect: () => collections++});
		for (const context of f.contexts.slice(1)) f.answer(context);
		await settle();
		expect(collections).toBe(0);
		f.answer(f.contexts[0]!);
		await settle();
		expect(collections).toBe(1);
		// A later reset of a watch (a reconnect) is not a load.
		f.answer(f.contexts[0]!);
		await settle();
		await f.sync.ready();
		expect(collections).toBe(1);
		stopped = true;
		f.sync.stop();
	});

	it('never collects on a fleet below the threshold', async () => {
		const f = await fleet(settleCollectionMinContexts - 1);
		let collections = 0;
		collectOnceLoaded(f.sync, f.contexts.length, {stopped: () => false, collect: () => collections++});
		for (const context of f.contexts) f.answer(context);
		await settle();
		await f.sync.ready();
		expect(collections).toBe(0);
		f.sync.stop();
	});

	it('does not collect when the console stops before the load settled', async () => {
		const f = await fleet(settleCollectionMinContexts);
		let collections = 0;
		let stopped = false;
		collectOnceLoaded(f.sync, f.contexts.length, {stopped: () => stopped, collect: () => collections++});
		f.answer(f.contexts[0]!);
		stopped = true;
		f.sync.stop();
		await settle();
		expect(collections).toBe(0);
	});
});

describe('startIncrementalCollection', () => {
	it('runs a full GC and writes nothing to stderr (which is the full-screen console)', () => {
		const moduleUrl = new URL(`file://${path.resolve(import.meta.dirname, '../../dist/source/cli/settle-collection.js')}`).href;
		const script = `
			import {PerformanceObserver, constants} from 'node:perf_hooks';
			import {startIncrementalCollection} from ${JSON.stringify(moduleUrl)};
			let majors = 0;
			const observer = new PerformanceObserver(list => {
				for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
			});
			observer.observe({entryTypes: ['gc']});
			startIncrementalCollection();
			setTimeout(() => { observer.disconnect(); process.stdout.write(String(majors)); }, 1000);
		`;
		const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'});
		expect(run.stderr).toBe('');
		expect(Number(run.stdout)).toBeGreaterThanOrEqual(1);
	});
});
