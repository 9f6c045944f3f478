import process from 'node:process';
import {collectsAfterLoad} from './settle-collection.js';
import {withoutOptimizingCompiler} from './short-run-compile.js';

// A big fleet's load (1,001 clusters: 1,001 handshakes, ~5,000 lists and Secret reads, then 4,004
// watch streams) runs code that is hot for a few seconds and then mostly never again: connecting, the
// first lists, the rows' first build. V8's optimizing compiler (TurboFan) compiled it on its worker
// threads while it ran: in a perf profile to the complete fleet ~1.3 of the console's ~6.7 CPU-s were
// TurboFan's compile jobs, on the 2 cores the API servers' load also needs. So a console watching a
// fleet that big runs on Sparkplug's baseline code from the load's start (A/B against main, n=5 and
// n=3: worker-thread CPU to complete 2.2-2.3 -> 0.8 CPU-s, the main thread's within its noise; RSS
// ~9 MB lower, no TurboFan code or zones). It stays so after the load: with TurboFan back once the
// load settled, V8 compiled the load's hot code at once, ~0.4-0.7 CPU-s more in the 3 s after
// complete and the idle window, and the reducing collection came late enough for RSS at complete+3 s
// to read 218-223 MB. What runs after the load (bookmarks, probes, frames) is mostly Node's TLS and
// HTTP/2 in C++, the kernel and GC; baseline JavaScript did not read higher there (console CPU from
// complete to the end of a 30 s window 1.57 -> 1.62 CPU-s, n=3). The one-shot `status` runs without
// TurboFan for the same reason (short-run-compile.ts).
//
// The flag changes after the code cache is written (the first frame, code-cache.ts), as every runtime
// V8 flag must: V8 refuses a cache made under other flags. A user's own compiler flags are left alone.

/**
 * Measured on Node 20's V8 11. V8 12 and later tier up through Maglev, and the console there was not
 * measured without TurboFan (and a function Maglev compiled while TurboFan was off stayed on Maglev
 * once TurboFan was back, Node 26): there the console leaves V8 as it is.
 */
export function baselineAppliesTo(v8Version: string): boolean {
	return Number.parseInt(v8Version, 10) === 11;
}

/**
 * On a fleet big enough to have a load (the settle collection's threshold), TurboFan off from now on.
 * Returns what turns it back on (the console's stop).
 */
export function baselineForBigFleet(contexts: number, o: {compilerOff?: () => () => void; appliesTo?: boolean} = {}): () => void {
	if (!collectsAfterLoad(contexts) || !(o.appliesTo ?? baselineAppliesTo(process.versions.v8))) return () => {};
	return (o.compilerOff ?? withoutOptimizingCompiler)();
}
