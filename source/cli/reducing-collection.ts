import {PerformanceObserver, constants, type PerformanceEntry} from 'node:perf_hooks';
import process from 'node:process';
import v8 from 'node:v8';
import {userSetNodeFlags} from './node-flags.js';

// What the settle collection (settle-collection.ts) does on Node 20's V8 11: V8's own memory-reducing
// GC, started at once instead of ~30-100 s later by V8's memory reducer.
//
// After a 1,001-cluster load the console's resident memory holds the young generation (8 MB semi-
// spaces, both touched: 16 MB) and old-space pages that the load's garbage left half empty. A plain
// full GC gives back neither: it frees objects, not pages, and leaves the young generation's size as
// it is. Only a GC flagged to reduce memory (V8's kReduceMemoryFootprint) compacts the old space and
// shrinks the young generation to 1 MB a semi-space, and V8 11 starts one from only two places a
// program can reach: its memory reducer (a timer that waits for a low allocation rate, or 100 s) and
// its answer to external memory passing V8's limit (Heap::ReportExternalMemoryPressure), which starts
// incremental marking with Heap::GCFlagsForIncrementalMarking(): reduce-memory while V8 optimizes for
// size (--optimize-for-size), a plain one otherwise. Node 20 offers no memory-reducing GC of its own
// (gc({flavor: 'last-resort'}) is V8 12 and later).
//
// So the console passes that limit on purpose: one ArrayBuffer of 128 MB, dropped at once. V8's limit is
// the external memory at the last full GC + 64 MB (the console keeps ~20 MB), so the buffer passes it,
// and far below the limit at which V8 would collect in one atomic pause instead (half the heap's
// maximum). Its memory is never touched: the allocator's calloc maps fresh zero pages, which are not
// resident. --optimize-for-size is on only for that allocation (the marking's flags are fixed as it
// starts) and off again before anything else runs; it also sets --max-semi-space-size=1, which V8
// reads only when the heap is made, and which is put back too, so that the rest of the session runs
// with V8's defaults.
//
// Two such GCs, as V8's memory reducer runs them: the first finds the load's garbage and shrinks the
// young generation; pages are picked for compaction as marking starts, by what the last marking found
// live on them, so only the second compacts the pages the first found half empty (1,001 clusters:
// old space 74 -> 46 MB committed for 44 MB live, RSS ~228 -> ~184 MB within 0.5 s of the settle).
// V8's memory reducer then still runs its own series once the console is idle (two or three full GCs
// on a heap that is already compact): for its next run it is told to run one GC only
// (--memory-reducer-single-gc), and V8's default is put back after that GC, or after a while if it
// does not come.

/** Measured on Node 20's V8 11; V8 12 and later have their own memory-reducing GC, and other heuristics. */
export function reducingCollectionAppliesTo(v8Version: string): boolean {
	return Number.parseInt(v8Version, 10) === 11;
}

/** The user chose V8's memory settings themselves (node flags): the console changes none of them. */
const userTuned = (): boolean => userSetNodeFlags(/optimize-for-size|semi-space|memory-reducer|max-heap-size|heap-growing/);

/** Bytes of external memory claimed (never touched) to pass V8's external-memory limit. */
export const externalPushBytes = 128 * 1024 * 1024;

/** How long a started GC may take to finish before the console stops waiting for it (one takes well under a second). */
const gcWaitMs = 10_000;

/** How long the memory reducer's single-GC setting may wait for the reducer's next GC (its watchdog is 100 s after the last full GC). */
export const singleGcWaitMs = 150_000;

const isMajor = (entry: PerformanceEntry): boolean => ((entry as {detail?: {kind?: number}}).detail?.kind ?? 0) === constants.NODE_PERFORMANCE_GC_MAJOR;
const isReducers = (entry: PerformanceEntry): boolean => isMajor(entry) && (((entry as {detail?: {flags?: number}}).detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY) !== 0;

/** Sets V8 flags (v8.setFlagsFromString); a parameter so that tests can see which and when. */
export type SetFlags = (flags: string) => void;

/** Starts one incremental memory-reducing GC; false if V8 refused the buffer (no GC started then). */
export function startReducingGc(setFlags: SetFlags = v8.setFlagsFromString): boolean {
	setFlags('--optimize-for-size');
	try {
		// The allocation is the point: V8 starts the GC while making it; the buffer is garbage at once.
		void new ArrayBuffer(externalPushBytes);
		return true;
	} catch {
		return false;
	} finally {
		setFlags('--no-optimize-for-size');
		setFlags('--max-semi-space-size=0');
	}
}

/** Whether the console starts V8's memory-reducing GCs itself once a big fleet settled. */
export function reducesAfterLoad(): boolean {
	return reducingCollectionAppliesTo(process.versions.v8) && !userTuned();
}

export type ReducingOptions = {
	/** Both GCs are done (or one did not come within its wait). */
	collected?: () => void;
	/** V8's defaults are back: the memory reducer ran its one GC, or did not within `reducerWaitMs`. */
	restored?: () => void;
	reducerWaitMs?: number;
	setFlags?: SetFlags;
};

/**
 * Two memory-reducing GCs, the second once the first is done, then the memory reducer's next run limited
 * to one GC. Returns false (and does nothing) where it does not apply.
 */
export function startReducingCollection(o: ReducingOptions = {}): boolean {
	if (!reducesAfterLoad()) return false;
	const setFlags = o.setFlags ?? v8.setFlagsFromString;
	let step: 'first' | 'second' | 'reducer' | 'done' = 'first';
	let timer: NodeJS.Timeout | undefined;
	const wait = (ms: number): void => {
		clearTimeout(timer);
		timer = setTimeout(next, ms).unref();
	};
	// One step on: a major GC seen (or the wait for one over).
	function next(): void {
		if (step === 'first') {
			step = 'second';
			wait(gcWaitMs);
			if (!startReducingGc(setFlags)) next();
		} else if (step === 'second') {
			step = 'reducer';
			o.collected?.();
			setFlags('--memory-reducer-single-gc');
			wait(o.reducerWaitMs ?? singleGcWaitMs);
		} else if (step === 'reducer') {
			step = 'done';
			clearTimeout(timer);
			observer.disconnect();
			setFlags('--no-memory-reducer-single-gc');
			o.restored?.();
		}
	}
	const observer = new PerformanceObserver(list => {
		// The memory reducer's own GC is told by its flags (kGCCallbackFlagCollectAllExternalMemory); the two before it are any major GC.
		if (list.getEntries().some(entry => (step === 'reducer' ? isReducers(entry) : isMajor(entry)))) next();
	});
	observer.observe({entryTypes: ['gc']});
	wait(gcWaitMs);
	if (!startReducingGc(setFlags)) {
		// V8 refused the buffer: nothing was changed that needs putting back.
		step = 'done';
		clearTimeout(timer);
		observer.disconnect();
		return false;
	}
	return true;
}
