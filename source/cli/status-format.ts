import {effectiveConnected} from '../mcm/connection.js';
import {describeDrift, describeSkew} from '../mcm/drift.js';
import {staleSince} from '../mcm/stale.js';
import {matchedByText, type MatchedBy} from '../mcm/managed-identity.js';
import {certLabel, isCertProblem, type CertState} from '../mcm/tunnel-cert.js';
import type {ApiState, Cluster, ClusterRole, ConditionStatus, Health, ManagedConnection, TigerStatus} from '../mcm/types.js';

// How `calico-mcm status` shows the fleet: the table, the JSON document, the --watch lines and the
// verdict (exit code + message). Pure functions of store rows, so tests and the console can reuse them.

/**
 * `calico-mcm status --json` output, schema `calico-mcm/v1` kind `FleetStatus`. Stable: fields may be
 * added, none renamed or removed within v1. Times are RFC 3339 UTC strings; absent values are `null`
 * (never missing) except the optional `error`/`verb`/`resource`/`message` strings.
 */
export type FleetStatusJson = {
	apiVersion: 'calico-mcm/v1';
	kind: 'FleetStatus';
	/** When the document was produced. */
	generatedAt: string;
	/** Row counts per health, and the total. */
	summary: Record<Health, number> & {total: number};
	/** Ordered by name (numbers in names compare as numbers), remote-only rows after their namesakes. */
	clusters: ClusterStatusJson[];
};

export type ClusterStatusJson = {
	/** Stable key: the context name, or `<management context>/<ManagedCluster name>` for remote-only rows. */
	id: string;
	name: string;
	/** The kubeconfig context; null for remote-only rows. */
	context: string | null;
	/** A ManagedCluster seen on a management cluster, with no kubeconfig context of its own. */
	remoteOnly: boolean;
	/** unknown | not-installed | standalone | management | managed | misconfigured */
	role: ClusterRole;
	/** Calico Enterprise version from the Installation status, e.g. "v3.24.0". */
	version: string | null;
	/** healthy | pending | degraded | disconnected | unreachable (rules in source/mcm/health.ts). */
	health: Health;
	/** When the Installation (remote-only: the ManagedCluster) was created. */
	createdAt: string | null;
	/**
	 * The API server does not answer (api.state unreachable, unauthorized, forbidden): role, version,
	 * connection and tigerStatus are the last values seen, as of `asOf`.
	 */
	stale: boolean;
	/** When the values were last known to be true: `generatedAt` when current, else when the API stopped answering. */
	asOf: string;
	/** The API server as seen from here; for remote-only rows, the management cluster's. */
	api: {
		/** connecting | ok | unreachable | unauthorized | forbidden */
		state: ApiState;
		since: string;
		/** The last real error, when not ok. */
		error?: string;
		/** For forbidden: the refused verb and resource. */
		verb?: string;
		resource?: string;
	};
	/** Managed clusters and remote-only rows only: the tunnel, from both ends. */
	connection?: {
		/** What CONNECTED shows: the management side, else (management cluster not readable) the managed side. */
		connected: ConditionStatus;
		/** Context of the management cluster, when known. */
		management: string | null;
		/** The ManagedCluster's name on the management cluster. */
		managedName: string | null;
		/** How the context was matched to it: certificate (its tunnel certificate), mapping (managedClusterNames) or name. */
		matchedBy?: MatchedBy;
		/** ManagedClusterConnected on the management cluster (the real signal); null when it cannot be read. */
		fromManagement: ConditionStatus | null;
		/** management-cluster-connection Available on the managed cluster; null when not known. */
		fromManaged: ConditionStatus | null;
		/** Both sides known and different. */
		disagree: boolean;
		since: string | null;
		message?: string;
	};
	/**
	 * Added in v1: the tunnel certificates (managed rows: their certificate, the CA copy they trust and
	 * the management cluster's CA; management rows: the tunnel CA). Absent when not read.
	 */
	cert?: {
		/** ok | warning (< 30 days) | critical (< 7 days) | expired | untrusted (does not chain to the management CA) | invalid | missing | forbidden | unknown */
		state: CertState;
		/** The earliest notAfter; null when no certificate could be read. */
		notAfter: string | null;
		/** Which certificate expires first. */
		earliest: string | null;
		/** Managed rows: the certificate chains to the management cluster's CA (null: not checked). */
		chained: boolean | null;
		/** Managed rows: the CA they trust is not the management cluster's current one. */
		caDiffers: boolean;
		message: string;
		/** For forbidden: the refused verb and resource. */
		verb?: string;
		resource?: string;
	};
	/** Added in v1: managed rows whose managementClusterAddr differs from their management cluster's address. */
	addressDrift?: {managed: string; management: string};
	/** Added in v1: managed rows whose version differs from their management cluster's; newer = a problem. */
	versionSkew?: {managed: string; management: string; newer: boolean};
	/** What is wrong, in words (empty when healthy). */
	errors: string[];
	tigerStatus: {
		available: number;
		total: number;
		degraded: string[];
		progressing: string[];
		/** Degraded first, then not available, then progressing, then by name (the components pane's order). */
		components: Array<{
			name: string;
			available: ConditionStatus;
			progressing: ConditionStatus;
			degraded: ConditionStatus;
			reason: string | null;
			message: string | null;
			since: string | null;
		}>;
	};
};

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const collator = new Intl.Collator('en', {numeric: true});

/** Rows in display order: by name (numeric-aware), then id. */
export function orderRows(clusters: Record<string, Cluster>): Cluster[] {
	return Object.values(clusters).sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id));
}

function apiProblem(row: Cluster): string | undefined {
	const {state, error, verb, resource} = row.api;
	if (state === 'ok' || state === 'connecting') return undefined;
	if (row.remoteOnly) return `management cluster ${row.connection?.management ?? ''} ${state}${error ? `: ${error}` : ''}`;
	if (state === 'forbidden') return `forbidden${verb || resource ? ` to ${verb ?? '?'} ${resource ?? '?'}` : ''}${error ? `: ${error}` : ''}`;
	return `${state}${error ? `: ${error}` : ''}`;
}

/** What is wrong with a row, in words. */
export function rowErrors(row: Cluster, statuses: readonly TigerStatus[] = []): string[] {
	const errors: string[] = [];
	const api = apiProblem(row);
	if (api) errors.push(api);
	if (row.role === 'misconfigured') errors.push('both a ManagementCluster and a ManagementClusterConnection exist: a cluster cannot be management and managed at once');
	if (row.health === 'disconnected') errors.push(`not connected to ${row.connection?.management ?? 'its management cluster'}${row.connection?.message ? `: ${row.connection.message}` : ''}`);
	if (row.cert && (isCertProblem(row.cert.state) || row.cert.state === 'forbidden')) errors.push(`tunnel certificate ${row.cert.state}: ${row.cert.message}`);
	if (row.cert?.caDiffers) errors.push(`trusts a tunnel CA that is not ${row.connection?.management ?? 'the management cluster'}'s current one: re-apply its installation manifest`);
	if (row.addressDrift) errors.push(`address drift: ${describeDrift(row.addressDrift, row.connection?.management ?? 'the management cluster')}`);
	if (row.versionSkew) errors.push(`version skew: ${describeSkew(row.versionSkew, row.name, row.connection?.management ?? 'the management cluster')}`);
	for (const s of statuses) if (s.degraded === 'True') errors.push(`${s.name} degraded${s.message ? `: ${s.message}` : s.reason ? `: ${s.reason}` : ''}`);
	return errors;
}

export function toJson(clusters: Record<string, Cluster>, statuses: Record<string, TigerStatus[]>, now: number): FleetStatusJson {
	const rows = orderRows(clusters);
	const summary = {total: rows.length, healthy: 0, pending: 0, degraded: 0, disconnected: 0, unreachable: 0};
	for (const row of rows) summary[row.health]++;
	return {
		apiVersion: 'calico-mcm/v1',
		kind: 'FleetStatus',
		generatedAt: new Date(now).toISOString(),
		summary,
		clusters: rows.map(row => clusterJson(row, statuses[row.id] ?? [], now)),
	};
}

function connectionJson(c: ManagedConnection): NonNullable<ClusterStatusJson['connection']> {
	const json: NonNullable<ClusterStatusJson['connection']> = {
		connected: effectiveConnected(c),
		management: c.management ?? null,
		managedName: c.managedName ?? null,
		...(c.matchedBy ? {matchedBy: c.matchedBy} : {}),
		fromManagement: c.fromManagement ?? null,
		fromManaged: c.fromManaged ?? null,
		disagree: c.disagree,
		since: iso(c.since),
	};
	if (c.message) json.message = c.message;
	return json;
}

function certJson(c: NonNullable<Cluster['cert']>): NonNullable<ClusterStatusJson['cert']> {
	const json: NonNullable<ClusterStatusJson['cert']> = {
		state: c.state,
		notAfter: iso(c.notAfter),
		earliest: c.earliest ?? null,
		chained: c.chained ?? null,
		caDiffers: c.caDiffers === true,
		message: c.message,
	};
	if (c.verb) json.verb = c.verb;
	if (c.resource) json.resource = c.resource;
	return json;
}

function clusterJson(row: Cluster, statuses: readonly TigerStatus[], now: number): ClusterStatusJson {
	const since = staleSince(row);
	const api: ClusterStatusJson['api'] = {state: row.api.state, since: new Date(row.api.since).toISOString()};
	if (row.api.error) api.error = row.api.error;
	if (row.api.verb) api.verb = row.api.verb;
	if (row.api.resource) api.resource = row.api.resource;
	// Key order is what a human reading the JSON sees: the short facts first, the components last.
	return {
		id: row.id,
		name: row.name,
		context: row.context ?? null,
		remoteOnly: row.remoteOnly,
		role: row.role,
		version: row.version ?? null,
		health: row.health,
		createdAt: iso(row.createdAt),
		stale: since !== undefined,
		asOf: new Date(since ?? now).toISOString(),
		api,
		...(row.connection ? {connection: connectionJson(row.connection)} : {}),
		...(row.cert ? {cert: certJson(row.cert)} : {}),
		...(row.addressDrift ? {addressDrift: {...row.addressDrift}} : {}),
		...(row.versionSkew ? {versionSkew: {...row.versionSkew}} : {}),
		errors: rowErrors(row, statuses),
		tigerStatus: {
			available: row.rollup.available,
			total: row.rollup.total,
			degraded: [...row.rollup.degraded],
			progressing: [...row.rollup.progressing],
			components: statuses.map(s => ({
				name: s.name,
				available: s.available,
				progressing: s.progressing,
				degraded: s.degraded,
				reason: s.reason ?? null,
				message: s.message ?? null,
				since: iso(s.since),
			})),
		},
	};
}

/** kubectl's age format: 45s, 5m30s, 95m, 5h20m, 30h, 3d4h, 200d, 3y. */
export function formatAge(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms)) return '<unknown>';
	const s = Math.max(0, Math.floor(ms / 1000));
	const m = Math.floor(s / 60);
	const h = Math.floor(m / 60);
	const d = Math.floor(h / 24);
	if (s < 120) return `${s}s`;
	if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
	if (h < 3) return `${m}m`;
	if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
	if (h < 48) return `${h}h`;
	if (h < 24 * 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
	if (d < 365 * 2) return `${d}d`;
	return `${Math.floor(d / 365)}y`;
}

export function connectedCell(row: Cluster): string {
	const c = row.connection;
	if (!c) return '-';
	const shown = effectiveConnected(c);
	// A context named unlike its ManagedCluster: say which one, and how it was found.
	const as = c.managedName && c.managedName !== row.name && c.matchedBy ? ` (as ${c.managedName}, ${matchedByText[c.matchedBy]})` : '';
	if (!c.disagree) return `${shown}${as}`;
	const other = c.fromManaged === 'True' ? 'Available' : 'not Available';
	return `${shown} (disagree: managed side says ${other})${as}`;
}

export function tigerStatusCell(row: Cluster, now?: number): string {
	const {available, total, degraded, progressing} = row.rollup;
	if (total === 0) return '-';
	const parts = [`${available}/${total}`];
	if (degraded.length > 0) parts.push(`degraded: ${degraded.join(',')}`);
	if (progressing.length > 0) parts.push(`progressing: ${progressing.join(',')}`);
	const since = staleSince(row);
	return parts.join(' ') + (since !== undefined && now !== undefined ? `, ${formatAge(now - since)} ago` : '');
}

function clusterCell(row: Cluster): string {
	return row.remoteOnly ? row.id : row.name;
}

/** kubectl-style aligned columns: each padded to its widest cell plus 3 spaces; the last one not padded. */
export function alignColumns(rows: string[][]): string {
	const widths: number[] = [];
	for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
	return rows.map(row => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function formatTable(clusters: Record<string, Cluster>, now: number): string {
	const rows = orderRows(clusters);
	if (rows.length === 0) return 'No clusters.\n';
	const errorOf = (row: Cluster) => rowErrors(row, []).join('; ');
	const withErrors = rows.some(row => errorOf(row) !== '');
	const withCerts = rows.some(row => row.cert !== undefined);
	const header = ['CLUSTER', 'ROLE', 'VERSION', 'CONNECTED', 'TIGERSTATUS', ...(withCerts ? ['CERT'] : []), 'AGE', ...(withErrors ? ['ERROR'] : [])];
	const body = rows.map(row => [
		clusterCell(row),
		row.role,
		row.version ?? '-',
		connectedCell(row),
		tigerStatusCell(row, now),
		...(withCerts ? [certLabel(row.cert, now)] : []),
		row.createdAt === undefined ? '-' : formatAge(now - row.createdAt),
		...(withErrors ? [errorOf(row) || '-'] : []),
	]);
	return alignColumns([header, ...body]);
}

/** One line for --watch: `2026-11-24T10:00:01Z managed-2 connection True -> False`. */
export function watchLine(t: number, cluster: string, text: string): string {
	return `${new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')} ${cluster} ${text}\n`;
}

/** The --watch line that introduces a row: its whole state in one line. */
export function summaryText(row: Cluster): string {
	const parts = [`role=${row.role}`, `version=${row.version ?? '-'}`, `health=${row.health}`, `api=${row.api.state}`];
	if (row.connection) parts.push(`connected=${effectiveConnected(row.connection)}`);
	parts.push(`tigerstatus=${tigerStatusCell(row).replace(/ /g, '')}`);
	const errors = rowErrors(row);
	if (errors.length > 0) parts.push(`error="${errors.join('; ').replace(/"/g, "'")}"`);
	return parts.join(' ');
}

export type Verdict = {code: 0 | 1; message?: string};

/**
 * The exit code of a fleet: 0 when every row is healthy; 1 when any is degraded, disconnected,
 * unreachable — or pending (still converging: a script that waits for a healthy fleet must not take
 * "not yet" for "yes") — or has a tunnel certificate problem (expiring within 30 days, expired, not
 * chained to the management CA, unparsable). The message names the rows that are not healthy.
 */
export function verdict(clusters: Record<string, Cluster>): Verdict {
	// A certificate that expires within 30 days is a problem to fix now, while the row is still healthy.
	const bad = orderRows(clusters).filter(row => row.health !== 'healthy' || isCertProblem(row.cert?.state));
	if (bad.length === 0) return {code: 0};
	const total = Object.keys(clusters).length;
	const listed = bad.slice(0, 20).map(row => `${clusterCell(row)} (${row.health !== 'healthy' ? row.health : `certificate ${row.cert?.state}`})`);
	if (bad.length > 20) listed.push(`... ${bad.length - 20} more`);
	const pendingOnly = bad.every(row => row.health === 'pending');
	return {
		code: 1,
		message: `${bad.length} of ${total} cluster${total === 1 ? '' : 's'} not healthy${pendingOnly ? ' (still converging)' : ''}: ${listed.join(', ')}`,
	};
}
