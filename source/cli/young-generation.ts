import {PerformanceObserver, constants} from 'node:perf_hooks';
import process from 'node:process';
import v8 from 'node:v8';
import {userSetNodeFlags} from './node-flags.js';

// V8's young generation (two semi-spaces) starts at 1 MB a semi-space and doubles whenever more than
// its size has survived scavenges since it last grew. Loading a large fleet keeps tens of MB, all of
// which survive a scavenge on their way to the old generation, so it always grows to V8's maximum:
// 16 MB a semi-space, 32 MB of resident memory, held until V8's memory reducer shrinks it, ~100 s
// after the load's last full GC (its watchdog; 1,001 clusters, 8 MB cap: RSS at complete+3 s 230 -> 217 MB, medians of 5, README design notes).
// The price: a smaller space collects more often and promotes some objects that would have died in a
// bigger one (the load's CPU cost of 8 MB was within a loaded machine's noise; 4 MB tripled the scavenges).
//
// The size can only be fixed by a node flag at process start (--max-semi-space-size), which the
// console does not get. The console starts the cap after the code cache is written (V8 refuses a cache
// entry written under other flags than the next start compiles under): as the fleet sync starts, or,
// where the settle collection follows the load (a big fleet: reducing-collection.ts), once the first
// load is in (console-fleet.ts, FleetSync.ready). Not during such a load: there 16 MB semi-spaces take
// ~26 scavenges against ~46 at 8 MB (1,001 clusters), and that collection shrinks the young generation
// to 1 MB a semi-space right after anyway; the cap then keeps it from growing past 8 MB again. The growth factor is read at each growth, so it is set to 1 while the
// semi-space is at or above the cap and back to V8's 2 below it (after the memory reducer shrank it, it
// may grow back to the cap). Checked after each scavenge; V8 may grow it once more before the check
// runs, which leaves it at twice the cap at worst.

const defaultGrowthFactor = 2;

/** The user chose the young generation's size themselves (node flags): leave it as it is. */
const userTuned = (): boolean => userSetNodeFlags(/semi-space|max-heap-size/);

function semiSpaceBytes(): number {
	for (const space of v8.getHeapSpaceStatistics()) {
		if (space.space_name === 'new_space') return space.space_size / 2;
	}
	return 0;
}

/**
 * Whether the cap is for this V8: measured on Node 20's V8 11. V8 12 and later size the young
 * generation their own way: on Node 26 (V8 14) an uncapped load's new space read 13-17 MB, and the
 * growth-factor changes made it larger, not smaller. There the console leaves V8 as it is.
 */
export function capAppliesTo(v8Version: string): boolean {
	return Number.parseInt(v8Version, 10) === 11;
}

/** Keeps V8's young generation at most `semiSpaceMb` a semi-space (give or take one growth); returns the function that stops it. */
export function capYoungGeneration(semiSpaceMb: number): () => void {
	if (userTuned() || !capAppliesTo(process.versions.v8)) return () => {};
	const cap = semiSpaceMb * 1024 * 1024;
	let held = false;
	const check = (): void => {
		const hold = semiSpaceBytes() >= cap;
		if (hold === held) return;
		held = hold;
		v8.setFlagsFromString(`--semi-space-growth-factor=${hold ? 1 : defaultGrowthFactor}`);
	};
	const observer = new PerformanceObserver(list => {
		for (const entry of list.getEntries()) {
			if (((entry as {detail?: {kind?: number}}).detail)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
				check();
				return;
			}
		}
	});
	observer.observe({entryTypes: ['gc']});
	check();
	return () => {
		observer.disconnect();
		if (held) v8.setFlagsFromString(`--semi-space-growth-factor=${defaultGrowthFactor}`);
		held = false;
	};
}
