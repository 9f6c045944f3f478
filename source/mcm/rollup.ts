import type {Rollup, TigerStatus} from './types.js';

export const emptyRollup: Rollup = Object.freeze({available: 0, total: 0, degraded: [], progressing: []}) as Rollup;

/** `available/total` and the names of what is degraded or progressing (in the statuses' order). */
export function rollup(statuses: readonly TigerStatus[]): Rollup {
	const result: Rollup = {available: 0, total: statuses.length, degraded: [], progressing: []};
	for (const s of statuses) {
		if (s.available === 'True') result.available++;
		if (s.degraded === 'True') result.degraded.push(s.name);
		else if (s.progressing === 'True') result.progressing.push(s.name);
	}
	return result;
}

/** Components neither available, degraded nor progressing (e.g. Available=False alone). */
export function unavailableIdle(statuses: readonly TigerStatus[]): string[] {
	return statuses.filter(s => s.available !== 'True' && s.degraded !== 'True' && s.progressing !== 'True').map(s => s.name);
}
