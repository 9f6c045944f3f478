import {describeDrift, describeSkew} from '../mcm/drift.js';
import {staleSince} from '../mcm/stale.js';
import {certLabel} from '../mcm/tunnel-cert.js';
import type {Cluster} from '../mcm/types.js';
import type {Glyphs} from './glyphs.js';
import {age, oneLine} from './format.js';
import type {Tone} from './theme.js';

// What each fleet cell says, and how wide each column is for a pane width. Pure functions: the
// fleet pane draws them, tests check them.
//
// Columns, in order: NAME (indented under its management cluster in the tree), ROLE, VERSION,
// MANAGEMENT (flat list only), CONNECTED (the tunnel, managed rows only), API (the API server, every
// row), CERT (tunnel certificates), AGE, TIGERSTATUS, NOTES (the last error, or drift/skew). A
// narrow pane drops NOTES first, then AGE, MANAGEMENT, VERSION; TIGERSTATUS takes what is left
// (and shows an unreachable row's error when NOTES is hidden).

export type FleetColumns = {
	name: number;
	role: number;
	version: number; // 0: hidden
	management: number; // 0: hidden (tree layout, or too narrow)
	connection: number;
	api: number;
	cert: number;
	age: number; // 0: hidden
	tiger: number;
	error: number; // NOTES; 0: hidden
};

const prefix = 3; // mark, health glyph, space
const roleWidth = 13; // `not-installed`, `misconfigured`
const versionWidth = 8; // `v3.24.0`
const connectionWidth = 11; // `False 59m ≠`
const apiWidth = 15; // `unreachable 40s`
const certWidth = 9; // `warn 19d`, `untrusted`
const ageWidth = 5; // `5m30s`

export const treeIndent = 2;

/** tree: the tree layout (no MANAGEMENT column); certs: some row has certificate facts (else no CERT column). */
export function fleetColumns(width: number, longestName: number, options: {tree?: boolean; longestManagement?: number; certs?: boolean} = {}): FleetColumns {
	let name = Math.max(8, Math.min(longestName + (options.tree ? treeIndent : 0), 32));
	const cols: FleetColumns = {
		name, role: roleWidth, version: versionWidth,
		management: options.tree ? 0 : Math.max(10, Math.min(options.longestManagement ?? 10, 16)),
		connection: connectionWidth, api: apiWidth, cert: options.certs === false ? 0 : certWidth, age: ageWidth, tiger: 0, error: 0,
	};
	const used = () => prefix + name + 1 + cols.role + 1 + [cols.version, cols.management, cols.connection, cols.api, cols.cert, cols.age].reduce((s, w) => s + (w ? w + 1 : 0), 0);
	// Drop columns until TIGERSTATUS has 14 cells, least useful first.
	for (const drop of ['age', 'management', 'version'] as const) {
		if (width - used() >= 14) break;
		cols[drop] = 0;
	}
	if (width - used() < 14) name = Math.max(8, name - (14 - (width - used())));
	cols.name = name;
	const rest = Math.max(0, width - used());
	const tiger = Math.min(rest, 24);
	const error = rest - tiger - 1 >= 16 ? rest - tiger - 1 : 0;
	cols.tiger = error ? tiger : rest;
	cols.error = error;
	return cols;
}

export function prefixWidth(): number {
	return prefix;
}

export type Cell = {text: string; tone: Tone};

/** CONNECTED: the tunnel, for managed rows (and remote-only ones) only. */
export function connectionCell(c: Cluster, now: number, glyphs: Glyphs): Cell {
	const conn = c.connection;
	if (!conn) return {text: '-', tone: 'muted'};
	const status = conn.fromManagement ?? conn.fromManaged ?? 'Unknown';
	const since = conn.since === undefined ? '' : ` ${age(now - conn.since)}`;
	const tone: Tone = status === 'True' ? (conn.disagree ? 'warn' : 'good') : status === 'False' ? 'bad' : 'warn';
	return {text: `${status}${since}${conn.disagree ? ` ${glyphs.disagree}` : ''}`, tone};
}

/** API: the API server's state and since when (a remote-only row: its management cluster's). */
export function apiCell(c: Cluster, now: number): Cell {
	const tone: Tone = c.api.state === 'ok' ? 'good' : c.api.state === 'connecting' ? 'warn' : 'bad';
	return {text: `${c.api.state} ${age(now - c.api.since)}`, tone};
}

/** CERT: the earliest tunnel certificate's state and time left. */
export function certCell(c: Cluster, now: number): Cell {
	const state = c.cert?.state;
	const tone: Tone = !state || state === 'unknown' ? 'muted' : state === 'ok' ? (c.cert?.caDiffers ? 'warn' : 'good') : state === 'warning' || state === 'forbidden' || state === 'missing' ? 'warn' : 'bad';
	return {text: certLabel(c.cert, now), tone};
}

/** AGE: since the Installation (remote-only: the ManagedCluster) was created. */
export function ageCell(c: Cluster, now: number): Cell {
	return c.createdAt === undefined ? {text: '-', tone: 'muted'} : {text: age(now - c.createdAt), tone: 'normal'};
}

/** MANAGEMENT: the management cluster a managed row belongs to. */
export function managementCell(c: Cluster): Cell {
	return c.connection?.management ? {text: c.connection.management, tone: 'normal'} : {text: '-', tone: 'muted'};
}

/** TIGERSTATUS: `12/12`, or the degraded (else progressing) component names; `, 2m ago` and dimmed when stale. */
export function rollupCell(c: Cluster, showErrorHere: boolean, now: number): Cell {
	const r = c.rollup;
	// Without a NOTES column the error takes this cell, unless there is a last-known value to show
	// (marked stale below): the API column already says the cluster is unreachable.
	if (showErrorHere && c.api.state !== 'ok' && c.api.state !== 'connecting' && (r.total === 0 || staleSince(c) === undefined)) return {text: errorText(c), tone: 'bad'};
	if (r.total === 0) return {text: c.role === 'not-installed' ? '-' : '', tone: 'muted'};
	const cell: Cell = r.degraded.length
		? {text: r.degraded.join(','), tone: 'bad'}
		: r.available < r.total
			? {text: `${r.available}/${r.total} ${r.progressing.join(',')}`.trim(), tone: 'warn'}
			: {text: `${r.available}/${r.total}`, tone: 'good'};
	// The API does not answer: this is what it said last, and when.
	const since = staleSince(c);
	return since === undefined ? cell : {text: `${cell.text}, ${age(now - since)} ago`, tone: 'muted'};
}

/** ERROR: the last real error of an unreachable (forbidden, ...) cluster, or why its tunnel is down. */
export function errorText(c: Cluster): string {
	if (c.api.state !== 'ok' && c.api.state !== 'connecting') {
		const what = c.api.state === 'forbidden' && c.api.verb ? `cannot ${c.api.verb} ${c.api.resource ?? ''}`.trim() : '';
		return oneLine([what, c.api.error].filter(Boolean).join(': ') || c.api.state);
	}
	if (c.connection && c.connection.fromManagement === 'False' && c.connection.message) return oneLine(c.connection.message);
	return '';
}

/** Drift and skew flags of a managed row, short: `addr≠ ca≠ v3.25.0>v3.24.0`. */
export function flagsText(c: Cluster): string {
	const parts: string[] = [];
	if (c.versionSkew) parts.push(`${c.versionSkew.managed}${c.versionSkew.newer ? '>' : '<'}${c.versionSkew.management}`);
	if (c.addressDrift) parts.push('addr≠');
	if (c.cert?.caDiffers) parts.push('ca≠');
	return parts.join(' ');
}

/** NOTES: the flags first (they say what to do), then the last error. */
export function notesCell(c: Cluster): Cell {
	const flags = flagsText(c);
	const error = errorText(c);
	if (!flags) return {text: error, tone: 'bad'};
	return {text: [flags, error].filter(Boolean).join(' · '), tone: c.versionSkew?.newer || error ? 'bad' : 'warn'};
}

/** What the TigerStatus pane says about a row's certificates, drift and skew, one line each. */
export function tunnelNotes(c: Cluster): Array<{text: string; tone: Tone}> {
	const out: Array<{text: string; tone: Tone}> = [];
	const management = c.connection?.management ?? 'the management cluster';
	if (c.cert && c.cert.state !== 'ok') out.push({text: oneLine(`certificate ${c.cert.state}: ${c.cert.message}`), tone: c.cert.state === 'warning' || c.cert.state === 'forbidden' ? 'warn' : 'bad'});
	else if (c.cert?.caDiffers) out.push({text: oneLine(c.cert.message), tone: 'warn'});
	if (c.addressDrift) out.push({text: `address drift: ${describeDrift(c.addressDrift, management)}`, tone: 'warn'});
	if (c.versionSkew) out.push({text: `version skew: ${describeSkew(c.versionSkew, c.name, management)}`, tone: c.versionSkew.newer ? 'bad' : 'warn'});
	return out;
}
