import {fingerprintAnnotation} from './managed-identity.js';
import type {Kept, RawKind, RawObject} from './raw.js';
import {flattenTigerStatus} from './tigerstatus.js';
import type {TigerStatus} from './types.js';

// What the watches keep of an object: only the fields the domain reads (role.ts, tigerstatus.ts,
// connection.ts, tunnel-cert-sync.ts, the identity reader's resourceVersion), with the short strings
// that repeat across a fleet (condition types, statuses, reasons, messages, times) shared. A
// 1,001-cluster fleet held ~13,000 whole objects, each with its uid, generation, spec, managedFields
// and its own copy of "AllObjectsAvailable": ~12 KB of heap per cluster for a few hundred bytes used.
// The YAML view and `status --json` read objects from the cluster themselves, not from here.
// A TigerStatus is kept as its flattened row, which is all the domain reads of it: ~10 objects a
// cluster, each with three conditions, their array, its metadata and a resourceVersion were ~620 bytes
// with the row and its cache entry; the row alone is ~110 (~5 MB of heap at 1,001 clusters).
// A field the domain starts reading must be kept here too: test/mcm/raw-slim.test.ts runs the domain
// over the whole and the slim objects and wants the same answers.

/** Short strings seen often: one copy each. Bounded so that odd values cannot grow it for ever. */
const shared = new Map<string, string>();
const sharedMax = 4096;
const sharedLength = 200;

function share(value: unknown): unknown {
	if (typeof value !== 'string' || value.length > sharedLength) return value;
	const known = shared.get(value);
	if (known !== undefined) return known;
	if (shared.size >= sharedMax) shared.clear();
	shared.set(value, value);
	return value;
}

function pick(source: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
	if (!source || typeof source !== 'object') return undefined;
	const from = source as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	let any = false;
	for (const key of keys) {
		if (from[key] === undefined) continue;
		out[key] = share(from[key]);
		any = true;
	}
	return any ? out : undefined;
}

// A condition is made whole in one literal, not key by key as pick() does: an object that gets its
// fields one at a time has room for four in itself and keeps the fifth in a property array of its own
// (96 instead of 64 bytes; ~31,000 conditions at 1,001 clusters, ~1 MB). A field the object lacks is
// undefined here, which is what readConditions reads of a missing one.
function slimCondition(entry: Record<string, unknown>): Record<string, unknown> {
	return {
		type: share(entry.type),
		status: share(entry.status),
		reason: share(entry.reason),
		message: share(entry.message),
		lastTransitionTime: share(entry.lastTransitionTime),
	};
}

function slimConditions(status: unknown): Record<string, unknown> | undefined {
	const list = (status as {conditions?: unknown} | undefined)?.conditions;
	if (!Array.isArray(list)) return undefined;
	// Malformed entries stay as they are: readConditions skips them, as it did before.
	return {conditions: list.map(entry => (entry && typeof entry === 'object' ? slimCondition(entry as Record<string, unknown>) : entry))};
}

function slimMetadata(object: RawObject, annotations: boolean): RawObject['metadata'] {
	const m = object.metadata;
	const out: RawObject['metadata'] = {name: m.name};
	if (m.namespace !== undefined) out.namespace = m.namespace;
	if (m.creationTimestamp !== undefined) out.creationTimestamp = share(m.creationTimestamp) as string;
	if (m.resourceVersion !== undefined) out.resourceVersion = m.resourceVersion;
	const fingerprint = annotations ? (m.annotations as Record<string, unknown> | undefined)?.[fingerprintAnnotation] : undefined;
	if (fingerprint !== undefined) out.annotations = {[fingerprintAnnotation]: fingerprint};
	return out;
}

/** A TigerStatus as the row the domain reads of it, its repeating strings shared. */
function keptTigerStatus(object: RawObject): TigerStatus {
	const flat = flattenTigerStatus(object);
	const row: TigerStatus = {name: share(flat.name) as string, available: flat.available, progressing: flat.progressing, degraded: flat.degraded};
	if (flat.reason !== undefined) row.reason = share(flat.reason) as string;
	if (flat.message !== undefined) row.message = share(flat.message) as string;
	if (flat.since !== undefined) row.since = flat.since;
	return row;
}

/** What the watches keep of an object of this kind (the object must have a name). */
export function keepRaw<K extends RawKind>(kind: K, object: RawObject): Kept<K> {
	return (kind === 'tigerstatuses' ? keptTigerStatus(object) : slimRaw(kind, object)) as Kept<K>;
}

/** The part of an object of this kind that the domain reads. Objects without a name are returned as they are. */
export function slimRaw(kind: RawKind, object: RawObject): RawObject {
	if (!object?.metadata?.name) return object;
	const out: RawObject = {metadata: slimMetadata(object, kind === 'managedclusters')};
	let spec: Record<string, unknown> | undefined;
	let status: Record<string, unknown> | undefined;
	switch (kind) {
		case 'installations':
			status = pick(object.status, ['calicoVersion', 'variant']);
			break;
		case 'managedclusters':
			status = slimConditions(object.status);
			break;
		case 'managementclusters': {
			spec = pick(object.spec, ['address']);
			const tls = pick(object.spec?.tls, ['secretName']);
			if (tls) spec = {...spec, tls};
			break;
		}
		case 'managementclusterconnections':
			spec = pick(object.spec, ['managementClusterAddr']);
			break;
	}
	if (spec) out.spec = spec;
	if (status) out.status = status;
	return out;
}
