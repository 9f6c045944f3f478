import {compareNamesNatural} from './name-order.js';
import {parseTime, stringField, type RawObject} from './raw.js';
import type {Condition, ConditionStatus, TigerStatus} from './types.js';

// A TigerStatus object flattened to one row: its three conditions, and the reason/message of the one
// that matters most (Degraded when true, else Progressing when true, else Available).

export function toConditionStatus(value: unknown): ConditionStatus {
	return value === 'True' || value === 'False' ? value : 'Unknown';
}

/** status.conditions of any object, normalised; malformed entries are skipped. */
export function readConditions(object: RawObject | undefined): Condition[] {
	const list = object?.status?.conditions;
	if (!Array.isArray(list)) return [];
	const out: Condition[] = [];
	for (const entry of list as unknown[]) {
		if (!entry || typeof entry !== 'object') continue;
		const c = entry as Record<string, unknown>;
		if (typeof c.type !== 'string') continue;
		out.push({
			type: c.type,
			status: toConditionStatus(c.status),
			reason: stringField(c, 'reason'),
			message: stringField(c, 'message'),
			lastTransitionTime: parseTime(c.lastTransitionTime),
		});
	}
	return out;
}

export function findCondition(conditions: Condition[], type: string): Condition | undefined {
	return conditions.find(c => c.type === type);
}

export function flattenTigerStatus(object: RawObject): TigerStatus {
	const conditions = readConditions(object);
	const available = findCondition(conditions, 'Available');
	const progressing = findCondition(conditions, 'Progressing');
	const degraded = findCondition(conditions, 'Degraded');
	const relevant =
		degraded?.status === 'True' ? degraded : progressing?.status === 'True' ? progressing : (available ?? degraded ?? progressing);
	const times = conditions.map(c => c.lastTransitionTime).filter((t): t is number => t !== undefined);
	const status: TigerStatus = {
		name: object.metadata.name,
		available: available?.status ?? 'Unknown',
		progressing: progressing?.status ?? 'Unknown',
		degraded: degraded?.status ?? 'Unknown',
	};
	if (relevant?.reason) status.reason = relevant.reason;
	if (relevant?.message) status.message = relevant.message;
	if (times.length > 0) status.since = Math.max(...times);
	return status;
}

function rank(status: TigerStatus): number {
	if (status.degraded === 'True') return 0;
	if (status.available !== 'True') return 1;
	if (status.progressing === 'True') return 2;
	return 3;
}

/**
 * Degraded first, then not Available, then Progressing, then by name: what needs attention is on top.
 * The one order for every view of a cluster's components (`status --json`, the components pane, inspect).
 */
export function compareTigerStatus(a: TigerStatus, b: TigerStatus): number {
	return rank(a) - rank(b) || compareNamesNatural(a.name, b.name);
}

export function flattenTigerStatuses(objects: Iterable<RawObject>): TigerStatus[] {
	return [...objects].map(flattenTigerStatus).sort(compareTigerStatus);
}

/**
 * A cluster's kept TigerStatus rows (the watches keep each object flattened: raw-slim.ts) in the one
 * order, reusing `previous` (same elements, any order) when every row is one of its rows: a cluster's
 * facts are recomputed on every change of the cluster (its identity read, its API state), while its
 * TigerStatuses rarely change, and an event stores a new row rather than changing one.
 */
export function tigerStatusesSince(kept: ReadonlyMap<string, TigerStatus>, previous: readonly TigerStatus[] | undefined): TigerStatus[] {
	const out: TigerStatus[] = [];
	let same = previous !== undefined && previous.length === kept.size;
	for (const status of kept.values()) {
		if (same && !previous!.includes(status)) same = false;
		out.push(status);
	}
	return same ? (previous as TigerStatus[]) : out.sort(compareTigerStatus);
}
