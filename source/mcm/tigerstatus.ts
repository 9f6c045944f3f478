import {compareNamesNatural} from './name-order.js';
import {parseTime, stringField, type RawObject} from './raw.js';
import type {Condition, ConditionStatus, TigerStatus} from './types.js';

// A TigerStatus object flattened to one row: its three conditions, and the reason/message of the one
// that matters most (Degraded when true, else Progressing when true, else Available).

export function toConditionStatus(value: unknown): ConditionStatus {
	return value === 'True' || value === 'False' ? value : 'Unknown';
}

type RawCondition = Record<string, unknown> & {type: string};

/** An entry of status.conditions as both readers take it: an object with a string type, else undefined (skipped). */
function conditionEntry(entry: unknown): RawCondition | undefined {
	if (!entry || typeof entry !== 'object') return undefined;
	return typeof (entry as Record<string, unknown>).type === 'string' ? (entry as RawCondition) : undefined;
}

/** status.conditions of any object, normalised; malformed entries are skipped. */
export function readConditions(object: RawObject | undefined): Condition[] {
	const list = object?.status?.conditions;
	if (!Array.isArray(list)) return [];
	const out: Condition[] = [];
	for (const entry of list as unknown[]) {
		const c = conditionEntry(entry);
		if (!c) continue;
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

/**
 * One pass over the raw conditions, without a Condition object per entry: every TigerStatus of every
 * cluster comes through here (10 each, ~30,000 conditions for a 1,001-cluster `status`). As
 * readConditions reads them: entries without a string type are skipped, the first of each type counts,
 * `since` is the latest transition of any of them.
 */
export function flattenTigerStatus(object: RawObject): TigerStatus {
	let available: RawCondition | undefined;
	let progressing: RawCondition | undefined;
	let degraded: RawCondition | undefined;
	let since: number | undefined;
	const list = object.status?.conditions;
	if (Array.isArray(list)) {
		// Indexed: a for-of's iterator result per entry is garbage without the optimizing compiler.
		for (let i = 0; i < list.length; i++) {
			const c = conditionEntry(list[i]);
			if (!c) continue;
			if (c.type === 'Available') available ??= c;
			else if (c.type === 'Progressing') progressing ??= c;
			else if (c.type === 'Degraded') degraded ??= c;
			const time = parseTime(c.lastTransitionTime);
			if (time !== undefined && (since === undefined || time > since)) since = time;
		}
	}
	const status: TigerStatus = {
		name: object.metadata.name,
		available: available ? toConditionStatus(available.status) : 'Unknown',
		progressing: progressing ? toConditionStatus(progressing.status) : 'Unknown',
		degraded: degraded ? toConditionStatus(degraded.status) : 'Unknown',
	};
	const relevant = status.degraded === 'True' ? degraded : status.progressing === 'True' ? progressing : (available ?? degraded ?? progressing);
	const reason = stringField(relevant, 'reason');
	const message = stringField(relevant, 'message');
	if (reason) status.reason = reason;
	if (message) status.message = message;
	if (since !== undefined) status.since = since;
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
