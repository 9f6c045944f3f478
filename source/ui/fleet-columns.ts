import {staleSince} from '../mcm/stale.js';
import type {Cluster} from '../mcm/types.js';
import type {Glyphs} from './glyphs.js';
import {age, oneLine} from './format.js';
import type {Tone} from './theme.js';

// What each fleet cell says, and how wide each column is for a pane width. Pure functions: the
// fleet pane draws them, tests check them.

export type FleetColumns = {
	name: number;
	role: number;
	version: number; // 0: hidden
	connection: number;
	tiger: number;
	error: number; // 0: hidden; unreachable rows then show their error in the TIGERSTATUS cell
};

const prefix = 3; // mark, health glyph, space
const roleWidth = 13; // `not-installed`, `misconfigured`
const versionWidth = 8; // `v3.24.0`
const connectionWidth = 16; // `unauthorized 59m`

export function fleetColumns(width: number, longestName: number): FleetColumns {
	let name = Math.max(8, Math.min(longestName, 32));
	let version = versionWidth;
	const fixed = () => prefix + name + 1 + roleWidth + 1 + (version ? version + 1 : 0) + connectionWidth + 1;
	let rest = width - fixed();
	if (rest < 14 && version) {
		version = 0;
		rest = width - fixed();
	}
	if (rest < 14) {
		name = Math.max(8, name - (14 - rest));
		rest = width - fixed();
	}
	rest = Math.max(0, rest);
	const tiger = Math.min(rest, 24);
	const error = rest - tiger - 1 >= 16 ? rest - tiger - 1 : 0;
	return {name, role: roleWidth, version, connection: connectionWidth, tiger: error ? tiger : rest, error};
}

export function prefixWidth(): number {
	return prefix;
}

export type Cell = {text: string; tone: Tone};

/** CONNECTED: the API state when it is not ok, else the tunnel for managed clusters, else `ok`. */
export function connectionCell(c: Cluster, now: number, glyphs: Glyphs): Cell {
	if (c.api.state !== 'ok') {
		const tone: Tone = c.api.state === 'connecting' ? 'warn' : 'bad';
		return {text: `${c.api.state} ${age(now - c.api.since)}`, tone};
	}
	const conn = c.connection;
	if (conn) {
		const status = conn.fromManagement ?? conn.fromManaged ?? 'Unknown';
		const since = conn.since === undefined ? '' : ` ${age(now - conn.since)}`;
		const tone: Tone = status === 'True' ? (conn.disagree ? 'warn' : 'good') : status === 'False' ? 'bad' : 'warn';
		return {text: `${status}${since}${conn.disagree ? ` ${glyphs.disagree}` : ''}`, tone};
	}
	return {text: `ok ${age(now - c.api.since)}`, tone: 'good'};
}

/** TIGERSTATUS: `12/12`, or the degraded (else progressing) component names; `, 2m ago` and dimmed when stale. */
export function rollupCell(c: Cluster, showErrorHere: boolean, now: number): Cell {
	if (showErrorHere && c.api.state !== 'ok' && c.api.state !== 'connecting') return {text: errorText(c), tone: 'bad'};
	const r = c.rollup;
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
