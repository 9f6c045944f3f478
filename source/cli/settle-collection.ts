import process from 'node:process';
import vm from 'node:vm';
import {startsIdle} from '../kube/watch/start-gate.js';
import {startReducingCollection} from './reducing-collection.js';
import type {FleetSync} from '../sync/fleet-sync.js';

// A big fleet's first load leaves tens of MB of garbage in V8's old generation (the lists' JSON, the
// handshakes, the first rows), and nothing collects it soon: the load's last full GC set the old
// generation's limit above it, so on 1,001 clusters RSS stayed ~259 MB until the limit was reached
// ~30 s after complete, and V8's memory reducer ran its GCs 8 s after that (or at its 100 s watchdog).
// Once every first list has answered and the watch streams have opened, the console starts one full
// GC itself, so the load's garbage is gone within a few seconds and V8's own schedule later finds less
// to do (1,001 clusters, n=3: console CPU complete..+123 s 2.76 -> 2.51 s). RSS falls less than the
// garbage: a GC that does not compact gives back only whole empty pages, and the young space stays
// (RSS at complete+3 s 230.7 -> 209.1 MB on a loaded machine, unchanged in the lead's quiet A/B;
// README design notes).
//
// The GC is started through vm.measureMemory: with `execution: 'eager'` V8 starts INCREMENTAL marking
// at once (marking in small steps between the event loop's turns, and on a helper thread), so the
// screen does not stall for a whole-heap pause right after it showed the fleet complete; the forced
// gc() of --expose-gc is one atomic pause (and needs a V8 flag changed at run time). The measurement
// itself is not wanted.

/** From this many contexts a load leaves enough garbage behind to be worth a collection of its own. */
export const settleCollectionMinContexts = 100;

/** Whether a fleet of `contexts` gets the collection once its first load settled. */
export function collectsAfterLoad(contexts: number): boolean {
	return contexts >= settleCollectionMinContexts;
}

/**
 * On a big fleet, one collection once every first list answered or failed (FleetSync.ready) and the
 * watch streams they open have opened (startsIdle: ~50 MB is allocated opening 4,004 streams after the
 * last list, which a collection before it would leave behind): once per load, and none if the console
 * stopped before the load settled (ready() then resolves as well).
 */
export function collectOnceLoaded(sync: Pick<FleetSync, 'ready'>, contexts: number, o: {stopped: () => boolean; collect?: () => void; streamsOpen?: () => Promise<void>}): void {
	if (!collectsAfterLoad(contexts)) return;
	void sync
		.ready()
		.then(o.streamsOpen ?? startsIdle)
		.then(() => {
			if (!o.stopped()) (o.collect ?? settleCollection)();
		});
}

/**
 * On Node 20's V8, the memory-reducing GCs V8's memory reducer would run ~30-100 s later
 * (reducing-collection.ts: RSS at complete+3 s ~205-230 -> ~184 MB at 1,001 clusters); elsewhere one
 * incremental full GC.
 */
export function settleCollection(): void {
	if (!startReducingCollection()) startIncrementalCollection();
}

/** Starts one incremental full GC; V8 finishes it over the next event-loop turns. */
export function startIncrementalCollection(): void {
	// vm.measureMemory is marked experimental in Node 20-26, and Node says so once per process on
	// stderr: over the full-screen console. The warning is raised inside the call, so it is held back
	// for that call only.
	const emitWarning = process.emitWarning;
	process.emitWarning = () => {};
	try {
		vm.measureMemory({mode: 'summary', execution: 'eager'}).catch(() => {});
	} finally {
		process.emitWarning = emitWarning;
	}
}
