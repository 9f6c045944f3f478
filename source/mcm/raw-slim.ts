import {fingerprintAnnotation} from './managed-identity.js';
import type {RawKind, RawObject} from './raw.js';

// What the watches keep of an object: only the fields the domain reads (role.ts, tigerstatus.ts,
// connection.ts, tunnel-cert-sync.ts, the identity reader's resourceVersion), with the short strings
// that repeat across a fleet (condition types, statuses, reasons, messages, times) shared. A
// 1,001-cluster fleet held ~13,000 whole objects, each with its uid, generation, spec, managedFields
// and its own copy of "AllObjectsAvailable": ~12 KB of heap per cluster for a few hundred bytes used.
// The YAML view and `status --json` read objects from the cluster themselves, not from here.
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
		case 'tigerstatuses':
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
