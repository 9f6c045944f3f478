import {effectiveConnected} from './connection.js';
import type {Cluster, LogLevel, ManagedConnection, TigerStatus} from './types.js';

// What changed in a row, in words: the fleet log and `status --watch` both print these, one line
// each, prefixed by the cluster. Kept short and grep-able: `connection True -> False`.

export type RowChange = {level: LogLevel; text: string};

function apiText(row: Cluster): string {
	const {state, error, verb, resource} = row.api;
	if (state === 'forbidden' && (verb || resource)) return `forbidden (${verb ?? '?'} ${resource ?? '?'})${error ? `: ${error}` : ''}`;
	return error && state !== 'ok' && state !== 'connecting' ? `${state}: ${error}` : state;
}

/** Which end a connection's value comes from: the management side is the real signal, when known. */
function signalOf(c: ManagedConnection | undefined): 'management' | 'managed' | undefined {
	if (c?.fromManagement !== undefined) return 'management';
	return c?.fromManaged !== undefined ? 'managed' : undefined;
}

/** The connection's signal was not seen before (nothing known, or it now comes from the other end). */
function firstLook(previous: ManagedConnection | undefined, next: ManagedConnection | undefined): boolean {
	const now = signalOf(next);
	return now !== undefined && signalOf(previous) !== now;
}

function isoSeconds(t: number): string {
	return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function describeChanges(
	previous: Cluster | undefined,
	next: Cluster | undefined,
	previousStatuses: readonly TigerStatus[] | undefined,
	nextStatuses: readonly TigerStatus[] | undefined,
	options: {health?: boolean} = {},
): RowChange[] {
	if (!next) return previous ? [{level: 'info', text: 'removed'}] : [];
	const changes: RowChange[] = [];
	if (!previous) {
		changes.push({level: 'info', text: `added${next.remoteOnly ? ` (remote-only, via ${next.connection?.management ?? '?'})` : ''}`});
	}
	const prevApi = previous?.api.state;
	if (prevApi !== next.api.state || (next.api.state !== 'ok' && previous?.api.error !== next.api.error)) {
		const level = next.api.state === 'ok' || next.api.state === 'connecting' ? 'info' : 'error';
		// A remote-only row's API is its management cluster's: that cluster's own row says it.
		if (!(next.remoteOnly && previous) && !(prevApi === undefined && next.api.state === 'connecting')) {
			// Same state, new error (e.g. a dropped connection, then refused ones): say what changed.
			const text = prevApi === next.api.state ? `api still ${apiText(next)}` : `api ${prevApi ?? 'connecting'} -> ${apiText(next)}`;
			changes.push({level, text});
		}
	}
	if ((previous?.role ?? 'unknown') !== next.role) {
		changes.push({level: next.role === 'misconfigured' ? 'error' : 'info', text: `role ${previous?.role ?? 'unknown'} -> ${next.role}`});
	}
	if (previous?.version !== next.version && next.version) {
		changes.push({level: 'info', text: `version ${previous?.version ?? '-'} -> ${next.version}`});
	}
	if (next.connection || previous?.connection) {
		const before = previous?.connection ? effectiveConnected(previous.connection) : undefined;
		const after = effectiveConnected(next.connection);
		if (firstLook(previous?.connection, next.connection)) {
			// The first sight of a signal is a state, not a change: a tunnel already down when the
			// console started did not just go down. Said only when it is not well.
			if (after === 'False') {
				const c = next.connection!;
				changes.push({level: 'warn', text: `tunnel down${c.since ? ` since ${isoSeconds(c.since)}` : ''}${c.message ? `: ${c.message}` : ''}`});
			}
		} else if (before !== after && (before !== undefined || after !== 'Unknown')) {
			const why = after !== 'True' && next.connection?.message ? `: ${next.connection.message}` : '';
			changes.push({level: after === 'True' ? 'info' : 'warn', text: `connection ${before ?? '-'} -> ${after}${why}`});
		}
		if (Boolean(previous?.connection?.disagree) !== Boolean(next.connection?.disagree)) {
			const c = next.connection;
			changes.push(
				c?.disagree
					? {level: 'warn', text: `connection sides disagree: management says ${c.fromManagement}, managed says ${c.fromManaged}`}
					: {level: 'info', text: 'connection sides agree again'},
			);
		}
	}
	if (nextStatuses && previousStatuses !== nextStatuses) {
		const before = new Map((previousStatuses ?? []).map(s => [s.name, s]));
		for (const s of nextStatuses) {
			const old = before.get(s.name);
			const was = old?.degraded === 'True';
			if (s.degraded === 'True' && !was) {
				changes.push({level: 'warn', text: `tigerstatus ${s.name} degraded${s.message ? `: ${s.message}` : s.reason ? `: ${s.reason}` : ''}`});
			} else if (was && s.degraded !== 'True') {
				changes.push({level: 'info', text: `tigerstatus ${s.name} recovered`});
			}
		}
	}
	if (options.health && previous?.health !== next.health) {
		changes.push({level: next.health === 'healthy' || next.health === 'pending' ? 'info' : 'warn', text: `health ${previous?.health ?? '-'} -> ${next.health}`});
	}
	return changes;
}
