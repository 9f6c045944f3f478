import {UsageError} from './usage.js';

// The one rule for the size and pace of a simulated fleet, for `calico-mcm --demo` and
// `calico-mcm sim` alike. The simulator checks its own options again (it is a program of its own,
// see source/sim/fleet.ts); these limits are the same as its.

export const maxClusters = 5000;
export const maxSpeed = 1000;

/** --managed, --standalone, --bare: a whole number from 0 to maxClusters; undefined when not given. */
export function parseCount(name: string, value: string | undefined, max = maxClusters): number | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	if (!/^\d+$/.test(text) || Number(text) > max) {
		throw new UsageError(`invalid --${name} "${value}" is not a valid count`, `give a whole number from 0 to ${max}, e.g. --${name} 3`);
	}
	return Number(text);
}

/** --speed: how fast the simulated operator works, 0 (at once) to maxSpeed; 1 is the demo pace. */
export function parseSpeed(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	if (!/^\d*\.?\d+$/.test(text) || Number(text) > maxSpeed) {
		throw new UsageError(`--speed "${value}" is not a valid speed`, `give a number from 0 (at once) to ${maxSpeed}; 1 is the demo pace, e.g. --speed 0.2`);
	}
	return Number(text);
}
