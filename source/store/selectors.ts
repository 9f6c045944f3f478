import {RE2JS} from 're2js';
import {compareNamesNatural} from '../mcm/name-order.js';
import {compareTigerStatus} from '../mcm/tigerstatus.js';
import type {Cluster, Health, RunProgress, TigerStatus} from '../mcm/types.js';
import {arrangeTree} from './fleet-tree.js';
import {recordSize} from './record-notes.js';
import type {HealthCounts} from './store.js';
import type {FleetLayout, SortKey} from './ui-store.js';

// Pure, memoised reads over the stores. The fleet view recomputes its rows only when the clusters
// object or the view settings change (the store replaces `clusters` per flush, never mutates it), so a
// render with 1,000 clusters costs one sort per flush, not one per frame or key press.

export const healthOrder: readonly Health[] = ['unreachable', 'disconnected', 'degraded', 'pending', 'healthy'];

/** Remembers the last call only: enough for a view that asks with the same inputs every render. */
export function memoizeLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
	let lastArgs: A | undefined;
	let lastResult: R;
	return (...args: A) => {
		if (lastArgs && lastArgs.length === args.length && lastArgs.every((a, i) => Object.is(a, args[i]))) return lastResult;
		lastResult = fn(...args);
		lastArgs = args;
		return lastResult;
	};
}

export function compareNames(a: Cluster, b: Cluster): number {
	return compareNamesNatural(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function comparator(sort: SortKey): (a: Cluster, b: Cluster) => number {
	switch (sort) {
		case 'health':
			return (a, b) => healthOrder.indexOf(a.health) - healthOrder.indexOf(b.health) || compareNames(a, b);
		case 'age':
			// Newest first, as k9s's age sort; unknown creation times last.
			return (a, b) => (b.createdAt ?? -Infinity) - (a.createdAt ?? -Infinity) || compareNames(a, b);
		default:
			return compareNames;
	}
}

/** The text a filter matches against: what the row shows. */
export function rowText(c: Cluster): string {
	return [c.name, c.role, c.version ?? '', c.health, c.api.state, c.remoteOnly ? 'remote' : ''].join(' ');
}

// Rows are immutable (a changed row is a new object), so each row's filter text is built once, not
// once per key typed into the filter: with 10,000 rows a key then costs one lookup and one search per row.
const rowTexts = new WeakMap<Cluster, string>();
const lowerRowTexts = new WeakMap<Cluster, string>();

function cachedRowText(c: Cluster): string {
	let text = rowTexts.get(c);
	if (text === undefined) rowTexts.set(c, (text = rowText(c)));
	return text;
}

function lowerRowText(c: Cluster): string {
	let text = lowerRowTexts.get(c);
	if (text === undefined) lowerRowTexts.set(c, (text = cachedRowText(c).toLowerCase()));
	return text;
}

export type ParsedFilter = {
	/** Undefined: no filter. */
	test?: (c: Cluster) => boolean;
	invert: boolean;
	regex: boolean;
	error?: string;
};

// RE2's message without its flags prefix: `missing closing ): \`(a\``. Lookarounds and
// backreferences are what RE2 leaves out to match in linear time: say so.
function regexError(error: unknown): string {
	const message = (error as Error).message.replace(/^error parsing regexp: /, '').replace('`(?i)', '`');
	if (/invalid escape sequence: `\\[1-9]/.test(message)) return `backreferences (${message.split(': ').pop()}) are not supported: the filter matches in linear time`;
	if (/unsupported Perl syntax: `\(\?<?[=!]/.test(message)) return `lookarounds (${message.split(': ').pop()}) are not supported: the filter matches in linear time`;
	return message;
}

/**
 * Filter syntax: `text` case-insensitive substring; `/re/` or `~re` a case-insensitive regular
 * expression; a leading `!` keeps the rows that do NOT match.
 */
// Regexes run in RE2JS, a linear-time engine (no backtracking): a pattern like `(a+)+b` on a long row
// costs microseconds, where JavaScript's RegExp could hold the main thread (and so every key and
// signal) for minutes.
export function parseFilter(raw: string): ParsedFilter {
	let text = raw.trim();
	const invert = text.startsWith('!');
	if (invert) text = text.slice(1).trimStart();
	let pattern: string | undefined;
	if (text.length >= 2 && text.startsWith('/') && text.endsWith('/')) pattern = text.slice(1, -1);
	else if (text.startsWith('/')) pattern = text.slice(1); // still being typed: `/abc`
	else if (text.startsWith('~')) pattern = text.slice(1);
	if (pattern !== undefined) {
		if (pattern === '') return {invert, regex: true};
		try {
			const re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
			return {invert, regex: true, test: c => re.test(cachedRowText(c)) !== invert};
		} catch (error) {
			return {invert, regex: true, error: `bad regex: ${regexError(error)}`};
		}
	}
	if (text === '') return {invert, regex: false};
	const needle = text.toLowerCase();
	return {invert, regex: false, test: c => lowerRowText(c).includes(needle) !== invert};
}

export type FleetView = {
	rows: Cluster[];
	/** Row index by cluster id. */
	index: Map<string, number>;
	total: number;
	/** Rows that matched the filter and view (tree context rows not counted). */
	matched: number;
	/** Tree layout: 1 for a managed row under its management row. */
	depth: Map<string, number>;
	/** Tree layout: management rows shown only as the parent of a matching row. */
	context: Set<string>;
	filterError?: string;
};

export function computeFleetView(
	clusters: Record<string, Cluster>,
	sort: SortKey,
	sortDesc: boolean,
	filter: string,
	unhealthyOnly: boolean,
	layout: FleetLayout = 'flat',
): FleetView {
	const all = Object.values(clusters);
	const parsed = parseFilter(filter);
	let rows = parsed.test ? all.filter(parsed.test) : all;
	if (unhealthyOnly) rows = rows.filter(c => c.health !== 'healthy');
	if (rows === all) rows = [...all];
	const compare = comparator(sort);
	rows.sort(sortDesc ? (a, b) => compare(b, a) : compare);
	const matched = rows.length;
	let depth = new Map<string, number>();
	let context = new Set<string>();
	if (layout === 'tree') ({rows, depth, context} = arrangeTree(rows, clusters));
	const index = new Map<string, number>();
	rows.forEach((c, i) => index.set(c.id, i));
	return {rows, index, total: all.length, matched, depth, context, filterError: parsed.error};
}

/**
 * A memoised fleet view; make one per view (each remembers its own last inputs). The same rows as
 * computeFleetView, in two memoised stages so that neither a key press nor a flush costs a full sort:
 *  - every row, sorted: recomputed when the clusters or the sort change. After a flush it starts from
 *    the previous order (the changed rows put in their old places, new rows at the end), which the
 *    engine's merge sort (TimSort) finishes in about one comparison per row, not n log n;
 *  - the filter over those sorted rows (it keeps their order): recomputed when the filter text or
 *    `unhealthy only` change, or the sorted rows do. Scrolling recomputes nothing.
 */
export function createFleetViewSelector(): typeof computeFleetView {
	// The last order of each sort (by key and direction): switching back to a sort starts from its
	// own last order, so going from age back to name costs about n comparisons, not n log n. Only ids
	// are kept: a sort not in use must not hold on to a fleet's worth of superseded rows.
	const previousBy = new Map<string, string[]>();
	// The record and sort of the last call (memoizeLast holds that record anyway): a flush that changed a
	// few rows of the same fleet is checked around those rows, not sorted again (below).
	let last: {clusters: Record<string, Cluster>; key: string} | undefined;
	const sorted = memoizeLast((clusters: Record<string, Cluster>, sort: SortKey, sortDesc: boolean): Cluster[] => {
		let rows: Cluster[];
		const key = `${sort}/${sortDesc}`;
		const previous = previousBy.get(key);
		const base = comparator(sort);
		const compare = sortDesc ? (a: Cluster, b: Cluster) => base(b, a) : base;
		const before = last?.key === key ? last.clusters : undefined;
		last = {clusters, key};
		if (previous) {
			// Allocated at the last order's length and cut to the rows found: pushing 1,001 rows into an
			// empty array grew it five times (~27 KB of garbage a connection flip).
			rows = new Array<Cluster>(previous.length);
			let found = 0;
			for (const id of previous) {
				const row = clusters[id];
				if (row) rows[found++] = row;
			}
			rows.length = found;
			// Every id of the record is among the last order's (ids are unique): then only the rows that
			// changed since the last call can be out of place. A connection flip on 1,001 rows made a
			// whole pass of natural-order name comparisons (~1 ms) to find the order unchanged.
			if (rows.length === recordSize(clusters)) {
				if (before && inPlace(rows, before, compare)) return rows;
			} else {
				const placed = new Set(previous);
				for (const row of Object.values(clusters)) if (!placed.has(row.id)) rows.push(row);
			}
		} else rows = Object.values(clusters);
		rows.sort(compare);
		previousBy.set(key, rows.map(row => row.id));
		return rows;
	});
	const parsed = memoizeLast(parseFilter);
	// The filter's last pass: which of the sorted rows it kept. A flush that changed a few rows and no
	// order (a connection flip) tests those rows again, not the whole fleet: on 1,001 rows filtered
	// to one, every flip ran the filter's test on every row (~0.6 ms on the path to the screen).
	let kept: {rows: Cluster[]; filter: string; unhealthyOnly: boolean; keep: Uint8Array} | undefined;
	const filtered = memoizeLast((rows: Cluster[], clusters: Record<string, Cluster>, filter: string, unhealthyOnly: boolean, layout: FleetLayout): FleetView => {
		const f = parsed(filter);
		const passes = (c: Cluster) => (!f.test || f.test(c)) && (!unhealthyOnly || c.health !== 'healthy');
		const was = kept?.filter === filter && kept.unhealthyOnly === unhealthyOnly && kept.rows.length === rows.length ? kept : undefined;
		const keep = new Uint8Array(rows.length);
		let shown: Cluster[] = [];
		for (let i = 0; i < rows.length; i++) {
			const row = rows[i]!;
			const before = was?.rows[i];
			// The same row object as in the last pass reads the same: its verdict stands.
			const pass = before === row ? was!.keep[i] === 1 : passes(row);
			if (pass) {
				keep[i] = 1;
				shown.push(row);
			}
		}
		kept = {rows, filter, unhealthyOnly, keep};
		const matched = shown.length;
		let depth = new Map<string, number>();
		let context = new Set<string>();
		// The tree keeps the sorted order within each group (fleet-tree.ts).
		if (layout === 'tree') ({rows: shown, depth, context} = arrangeTree(shown, clusters));
		const index = new Map<string, number>();
		shown.forEach((c, i) => index.set(c.id, i));
		return {rows: shown, index, total: rows.length, matched, depth, context, filterError: f.error};
	});
	return (clusters, sort, sortDesc, filter, unhealthyOnly, layout = 'flat') => {
		const rows = sorted(clusters, sort, sortDesc);
		return filtered(rows, clusters, filter, unhealthyOnly, layout);
	};
}

/** Counts over every row; the store keeps the same counts as rows change (AppState.healthCounts). */
export function computeHealthCounts(clusters: Record<string, Cluster>): HealthCounts {
	const counts: HealthCounts = {total: 0, healthy: 0, pending: 0, degraded: 0, disconnected: 0, unreachable: 0};
	for (const c of Object.values(clusters)) {
		counts[c.health]++;
		counts.total++;
	}
	return counts;
}


const sortedStatuses = new WeakMap<TigerStatus[], TigerStatus[]>();

/** A cluster's components in the domain's order (compareTigerStatus), memoized per list. */
export function selectSortedStatuses(list: TigerStatus[] | undefined): TigerStatus[] {
	if (!list) return [];
	let sorted = sortedStatuses.get(list);
	if (!sorted) {
		sorted = [...list].sort(compareTigerStatus);
		sortedStatuses.set(list, sorted);
	}
	return sorted;
}

/** The run the steps pane shows (and esc, r, s act on): the one shown on purpose, else the current one. */
export function selectShownRun(runs: Record<string, RunProgress>, runOrder: string[], shownRun: string | undefined): RunProgress | undefined {
	return (shownRun === undefined ? undefined : runs[shownRun]) ?? selectCurrentRun(runs, runOrder);
}

/** The runs of a batch, in start order. */
export function selectBatchRuns(runs: Record<string, RunProgress>, runOrder: string[], batch: string): RunProgress[] {
	return runOrder.map(id => runs[id]!).filter(r => r?.batch === batch);
}

/** How the console names a run in a question or the status bar: `join on managed-2`, `join on 3 clusters`. */
export function runLabel(run: RunProgress, members = 1): string {
	return members > 1 ? `${run.plan} on ${members} clusters` : `${run.plan} on ${run.cluster}`;
}

/** The newest run still running, else the newest one. */
export function selectCurrentRun(runs: Record<string, RunProgress>, runOrder: string[]): RunProgress | undefined {
	for (let i = runOrder.length - 1; i >= 0; i--) {
		const run = runs[runOrder[i]];
		if (run?.state === 'running') return run;
	}
	return runOrder.length ? runs[runOrder[runOrder.length - 1]] : undefined;
}

export function selectRunningCount(runs: Record<string, RunProgress>): number {
	let n = 0;
	for (const run of Object.values(runs)) if (run.state === 'running') n++;
	return n;
}

/**
 * Whether `rows` (the last order, with this record's rows) is still in order: each pair of neighbours
 * holding a row that is not the one `before` had was in order before, so only those pairs are compared.
 */
function inPlace(rows: readonly Cluster[], before: Record<string, Cluster>, compare: (a: Cluster, b: Cluster) => number): boolean {
	for (let i = 0; i < rows.length; i++) {
		const row = rows[i]!;
		if (before[row.id] === row) continue;
		if (i > 0 && compare(rows[i - 1]!, row) > 0) return false;
		if (i + 1 < rows.length && compare(row, rows[i + 1]!) > 0) return false;
	}
	return true;
}
