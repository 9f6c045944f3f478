import v8 from 'node:v8';

// A console watching a large fleet spends its first seconds in a burst (thousands of first lists and
// watch openings) and then hours nearly idle. V8 sizes its heap for the burst: the burst's short-lived
// objects are promoted and leave the old space half empty, and the young generation stays at its
// largest (16 MB semi-spaces). V8's memory reducer compacts and shrinks both only once it sees a low
// allocation rate at one of its 8 s checks, which an idle console's probes, age frames and bookmark
// waves can put off for minutes (a 1,001-cluster console read 200-250 MB after a full GC from run to
// run, with whether the reducer had run yet). Favouring memory from the moment the fleet is loaded makes
// the reducer run at its next check (within ~8 s of the last full GC of the start) and lets later full
// GCs compact fragmented pages. Set once the start is over, never before: from the start (a command-line
// flag) it slows the start for the smaller young generation it implies.

/** The V8 flags of the steady state. */
export const steadyHeapFlags = '--optimize-for-size';

/** Tells V8 that what follows is the console's steady state: favour memory over speed. */
export function favourMemoryFromNowOn(setFlags: (flags: string) => void = v8.setFlagsFromString): void {
	setFlags(steadyHeapFlags);
}
