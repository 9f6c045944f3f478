import v8 from 'node:v8';
import {userSetNodeFlags} from './node-flags.js';

// A one-shot `status` lives one to three seconds. V8's optimizing compiler (TurboFan) compiles its hot
// functions on a worker thread, ~18 % of the process's CPU at 1,001 clusters, for code that mostly has
// finished running by the time the optimized version is ready: without it (Sparkplug's baseline code
// only) the same run took ~0.4 CPU-s less, on 2 cores shared with the API servers it waits for.
// Long-lived modes (--watch, the console) keep it: there it pays for itself.
//
// The flag is put back before the process exits: V8 stamps the flags into the code cache it writes
// (code-cache.ts), and an entry written with TurboFan off would be refused by every next start.

/** The user chose the compiler's settings themselves (node flags): leave them as they are. */
const userTuned = (): boolean => userSetNodeFlags(/turbofan|max-opt|jitless|(?:^|\s)--(?:no-)?opt\b/);

/** Turns the optimizing compiler off; the returned function turns it on again. */
export function withoutOptimizingCompiler(): () => void {
	if (userTuned()) return () => {};
	v8.setFlagsFromString('--no-turbofan');
	let restored = false;
	return () => {
		if (restored) return;
		restored = true;
		v8.setFlagsFromString('--turbofan');
	};
}
