import process from 'node:process';
import {loadUserConfig, withConfigDefaults} from './config-file.js';
import {formatDuration} from '../kube/duration.js';
import type {TlsSessionCache} from '../kube/tls-sessions.js';
import {describeChanges} from '../mcm/changes.js';
import {effectiveConnected} from '../mcm/connection.js';
import type {Cluster, TigerStatus} from '../mcm/types.js';
import {probeIntervalsFor} from '../sync/api-probe.js';
import {startFleetSync, type FleetSync} from '../sync/fleet-sync.js';
import {startTunnelCertSync} from '../sync/tunnel-cert-sync.js';
import {changedKeys} from '../store/record-notes.js';
import {createAppStore, type AppStore} from '../store/store.js';
import {commonFlags, commonOptions, durationFlag, managedClusterNameFlag, managedClusterNamesOption, parseCommandLine} from './common-flags.js';
import {openFleetClients, withheldNotices} from './fleet-access.js';
import {useCertificateFacts} from './certificate-facts-file.js';
import {useChainVerdicts} from './chain-verdict-file.js';
import {batched, jsonPieces} from './json-pieces.js';
import {formatTable, orderRows, summaryText, toJson, verdict, watchLine} from './status-format.js';
import {withoutOptimizingCompiler} from './short-run-compile.js';
import {loadTlsSessions, saveTlsSessions, sessionServers, tlsSessionFile} from './tls-session-file.js';
import {useManagedHints, type ManagedHints} from './managed-hint-file.js';
import {usage, UsageError} from './usage.js';

// `calico-mcm status`: the fleet once (table or JSON), as a change log (--watch), or until every
// managed cluster is connected (--wait-connected). It reads only the store that fleet-sync fills; a
// cluster that does not answer within --request-timeout is reported unreachable, never waited for.

const statusFlags = {
	...commonFlags,
	...managedClusterNameFlag,
	json: {type: 'boolean', default: false},
	watch: {type: 'boolean', default: false},
	waitConnected: {type: 'boolean', default: false},
	timeout: {type: 'string'},
} as const;

const defaultWaitMs = 5 * 60_000;

type Output = {
	stdout: (text: string) => void;
	stderr: (text: string) => void;
	/** From now on a write to stdout returns once written: called before the output a run ends with. */
	waitForWrites?: () => void;
};

const defaultOutput: Output = {
	stdout: text => void process.stdout.write(text),
	stderr: text => void process.stderr.write(text),
	waitForWrites: blockingStdout,
};

/**
 * Stdout as a pipe or socket is non-blocking in node: once the reader falls behind, every later write
 * is queued, and the queue is written at once through one allocation of three times its length (its
 * UTF-8 at worst), ~4.3 MB of JSON at 1,001 clusters. Writes that wait for the reader keep one 64 KB
 * piece at a time, as on a file or terminal, where writes wait already (no handle, or one that is
 * blocking). Only for the output a run ends with: a --watch line must not wait for a slow reader.
 */
function blockingStdout(): void {
	const handle = (process.stdout as unknown as {_handle?: {setBlocking?: (blocking: boolean) => number}})._handle;
	handle?.setBlocking?.(true);
}

export async function main(argv: string[], output: Output = defaultOutput): Promise<number> {
	const parsed = parseCommandLine(argv, 'status', statusFlags);
	if (parsed.help) {
		output.stdout(usage('status'));
		return 0;
	}
	if (parsed.input.length > 0) throw new UsageError(`unexpected argument "${parsed.input[0]}" for \`status\``, 'use --context NAME to choose clusters');
	const userConfig = loadUserConfig();
	const flags = withConfigDefaults(parsed.flags, argv, userConfig, ['requestTimeout']);
	const common = commonOptions(flags);
	if (flags.watch && flags.waitConnected) throw new UsageError('--watch and --wait-connected cannot be used together', 'choose one');
	if (flags.timeout !== undefined && !flags.waitConnected) throw new UsageError('--timeout only applies to --wait-connected', 'add --wait-connected, or use --request-timeout for API requests');
	const waitMs = durationFlag(flags.timeout, 'timeout', defaultWaitMs);
	const managedClusterNames = managedClusterNamesOption(flags, userConfig.managedClusterNames);

	// One-shot: list once, one request after the other on one HTTP/1.1 keep-alive connection per cluster
	// (nothing to multiplex: HTTP/2's session set-up would be pure cost); --watch/--wait-connected:
	// list+watch, every stream of a cluster on one HTTP/2 session.
	const live = flags.watch === true || flags.waitConnected === true;
	const options: ShowOptions = {common, live, json: flags.json === true, watch: flags.watch === true, waitMs, managedClusterNames};
	// The tunnel certificate chains verified by earlier runs (chain-verdict-file.ts), and what their
	// certificates said (certificate-facts-file.ts).
	const saveChains = useChainVerdicts();
	const saveFacts = useCertificateFacts();
	try {
		if (live) return await show(options, output);
		// A run of a few seconds: V8's optimizing compiler would cost more than it saves (short-run-compile.ts).
		const restoreCompiler = withoutOptimizingCompiler();
		try {
			return await show(options, output);
		} finally {
			restoreCompiler();
		}
	} finally {
		saveChains();
		saveFacts();
	}
}

/** `live`: --watch or --wait-connected (`watch` says which). */
type ShowOptions = {
	common: ReturnType<typeof commonOptions>;
	live: boolean;
	json: boolean;
	watch: boolean;
	waitMs: number;
	managedClusterNames: ReturnType<typeof managedClusterNamesOption>;
};

async function show({common, live, json, watch: watching, waitMs, managedClusterNames}: ShowOptions, output: Output): Promise<number> {
	// Each run resumes the TLS sessions of the last (tls-session-file.ts): a 1,001-cluster fleet is 1,001
	// handshakes. Only its own servers' are read: the file is shared with every other kubeconfig.
	let tlsSessions: TlsSessionCache | undefined;
	const {config, clients} = openFleetClients({...common, http2: live, tlsSessions: (config) => (tlsSessions = loadTlsSessions(process.env, tlsSessionFile(), sessionServers(config)))});
	for (const line of withheldNotices(clients)) output.stderr(`calico-mcm: ${line}\n`);
	// One-shot: the clusters managed at the last run get their connection Secret asked with their lists.
	const hints = live ? undefined : useManagedHints(config);

	const store = createAppStore();
	const sync = startFleetSync({store, clients, mode: live ? 'watch' : 'list', managedClusterNames, ...(live ? {probeMs: probeIntervalsFor(clients.size)} : {secretAhead: hints?.managed})});
	const certs = startTunnelCertSync({store, clients, sync});
	try {
		await ready(sync);
		if (hints) saveManagedHints(hints, sync, clients.keys());
		await certs.readAll();
		sync.flush();
		if (watching) return await watch(store, output, json);
		if (live) return await waitConnected(store, output, json, waitMs);
		return printOnce(store, output, json, common.requestTimeoutMs);
	} finally {
		certs.stop();
		sync.stop();
		for (const client of clients.values()) client.close();
		saveTlsSessions(tlsSessions);
	}
}

/**
 * Every cluster answered or failed. No deadline of its own is needed: every request has the request
 * timeout, and a cluster that fails its first list is not asked again (list mode), so a hanging
 * cluster costs one request timeout.
 */
async function ready(sync: FleetSync): Promise<void> {
	await sync.ready();
	sync.flush();
}

/** The contexts whose ManagementClusterConnection list answered, and those of them that have one, for the next run. */
function saveManagedHints(hints: ManagedHints, sync: FleetSync, contexts: Iterable<string>): void {
	const answered = new Set<string>();
	const managed = new Set<string>();
	for (const context of contexts) {
		const raw = sync.raw(context);
		if (!raw?.listed.has('managementclusterconnections')) continue;
		answered.add(context);
		if (raw.objects.managementclusterconnections.size > 0) managed.add(context);
	}
	hints.save(managed, answered);
}

/** Rows still connecting (none, unless the client broke its timeout promise) did not answer in time. */
function settledRows(clusters: Record<string, Cluster>, timeoutMs: number): Record<string, Cluster> {
	const out: Record<string, Cluster> = {};
	for (const [id, row] of Object.entries(clusters)) {
		out[id] =
			row.api.state === 'connecting'
				? {...row, api: {...row.api, state: 'unreachable', error: `no answer within ${formatDuration(timeoutMs)}`}, health: 'unreachable'}
				: row;
	}
	return out;
}

/** Prints the fleet: the table, or the JSON document in pieces (json-pieces.ts). */
function print(output: Output, clusters: Record<string, Cluster>, statuses: Record<string, TigerStatus[]>, json: boolean): void {
	const now = Date.now();
	if (!json) return output.stdout(formatTable(clusters, now));
	output.waitForWrites?.();
	for (const text of batched(jsonPieces(toJson(clusters, statuses, now), 'clusters'))) output.stdout(text);
}

function printOnce(store: AppStore, output: Output, json: boolean, timeoutMs: number): number {
	const {statuses} = store.getState();
	const clusters = settledRows(store.getState().clusters, timeoutMs);
	print(output, clusters, statuses, json);
	const result = verdict(clusters);
	if (result.message) output.stderr(`calico-mcm: ${result.message}\n`);
	return result.code;
}

/** Resolves on SIGINT/SIGTERM. */
function untilSignal(): Promise<void> {
	return new Promise(resolve => {
		const done = () => {
			process.off('SIGINT', done);
			process.off('SIGTERM', done);
			resolve();
		};
		process.on('SIGINT', done);
		process.on('SIGTERM', done);
	});
}

async function watch(store: AppStore, output: Output, json: boolean): Promise<number> {
	const emit = (t: number, cluster: string, level: string, text: string) =>
		output.stdout(json ? `${JSON.stringify({time: new Date(t).toISOString(), cluster, level, change: text})}\n` : watchLine(t, cluster, text));
	let {clusters, statuses} = store.getState();
	const start = Date.now();
	for (const row of orderRows(clusters)) emit(start, row.remoteOnly ? row.id : row.name, 'info', summaryText(row));
	const unsubscribe = store.subscribe(state => {
		if (state.clusters === clusters && state.statuses === statuses) return;
		const t = Date.now();
		for (const id of [...changedIds(clusters, state.clusters, statuses, state.statuses)].sort()) {
			const before = clusters[id];
			const after = state.clusters[id];
			if (!before && !after) continue;
			if (before === after && statuses[id] === state.statuses[id]) continue;
			const label = (after ?? before)!.remoteOnly ? id : (after ?? before)!.name;
			for (const change of describeChanges(before, after, statuses[id], state.statuses[id], {health: true})) emit(t, label, change.level, change.text);
		}
		clusters = state.clusters;
		statuses = state.statuses;
	});
	try {
		await untilSignal();
	} finally {
		unsubscribe();
	}
	return verdict(store.getState().clusters).code;
}

/**
 * The ids whose row or TigerStatuses may differ between two states: those the store noted as changed
 * (record-notes.ts), else every id of either. Each update of a 1,001-cluster fleet sorted all 1,001.
 */
function changedIds(clusters: Record<string, Cluster>, nextClusters: Record<string, Cluster>, statuses: Record<string, TigerStatus[]>, nextStatuses: Record<string, TigerStatus[]>): Set<string> {
	const rows = clusters === nextClusters ? [] : changedKeys(nextClusters, clusters);
	const lists = statuses === nextStatuses ? [] : changedKeys(nextStatuses, statuses);
	return rows && lists ? new Set([...rows, ...lists]) : new Set([...Object.keys(clusters), ...Object.keys(nextClusters)]);
}

function managedRows(clusters: Record<string, Cluster>): Cluster[] {
	return orderRows(clusters).filter(row => row.remoteOnly || row.role === 'managed');
}

async function waitConnected(store: AppStore, output: Output, json: boolean, waitMs: number): Promise<number> {
	const notConnected = () => managedRows(store.getState().clusters).filter(row => effectiveConnected(row.connection) !== 'True');
	const managed = managedRows(store.getState().clusters);
	if (managed.length === 0) {
		output.stderr('calico-mcm: no managed clusters in the fleet: nothing to wait for\n');
		const {clusters, statuses} = store.getState();
		print(output, clusters, statuses, json);
		return 0;
	}
	const waiting = notConnected();
	if (waiting.length > 0) {
		output.stderr(`calico-mcm: waiting up to ${formatDuration(waitMs)} for ${waiting.length} managed cluster${waiting.length === 1 ? '' : 's'} to connect: ${waiting.map(r => r.id).join(', ')}\n`);
	}
	const connected = await new Promise<boolean>(resolve => {
		// Store updates and the timer only fire after this synchronous set-up, so `finish` sees them all.
		const interrupted = () => finish(false);
		const unsubscribe = store.subscribe(() => {
			if (notConnected().length === 0) finish(true);
		});
		const timer = setTimeout(() => finish(false), waitMs);
		function finish(value: boolean) {
			unsubscribe();
			clearTimeout(timer);
			process.off('SIGINT', interrupted);
			process.off('SIGTERM', interrupted);
			resolve(value);
		}
		process.on('SIGINT', interrupted);
		process.on('SIGTERM', interrupted);
		if (notConnected().length === 0) finish(true);
	});
	const {clusters, statuses} = store.getState();
	print(output, clusters, statuses, json);
	if (connected) {
		output.stderr(`calico-mcm: all ${managedRows(clusters).length} managed clusters connected\n`);
		return 0;
	}
	const missing = notConnected().map(row => {
		const c = row.connection;
		return `${row.id} (${effectiveConnected(c)}${c?.message ? `: ${c.message}` : ''})`;
	});
	output.stderr(`calico-mcm: not connected after ${formatDuration(waitMs)}: ${missing.join(', ')}\n`);
	return 1;
}
