// Server-side apply: field ownership per manager (metadata.managedFields, FieldsV1), conflicts
// between managers (409 unless force), and removal of fields an applier stopped applying.
// Simplification: lists are atomic (owned as a whole), as for `listType: atomic`.
import {isDeepStrictEqual} from 'node:util';
import {cloneJson} from './clone.js';
import {ApiError, type KubeObject} from './types.js';
import {nowTimestamp} from './flat-string.js';

type Path = string[];
type ManagedEntry = {
	manager: string;
	operation: 'Apply' | 'Update';
	apiVersion: string;
	time: string;
	fieldsType: 'FieldsV1';
	fieldsV1: Record<string, unknown>;
	subresource?: string;
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const keyOf = (p: Path) => p.join('\u0001');
const now = nowTimestamp;

/** Fields a manager can own: labels, annotations and everything outside metadata/status. */
export function ownedPaths(obj: Record<string, unknown>): Path[] {
	const paths: Path[] = [];
	const walk = (value: unknown, path: Path) => {
		if (isObject(value) && Object.keys(value).length > 0) {
			for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
		} else {
			paths.push(path);
		}
	};
	for (const [key, value] of Object.entries(obj)) {
		if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
		if (key === 'metadata') {
			const meta = isObject(value) ? value : {};
			for (const field of ['labels', 'annotations']) {
				if (isObject(meta[field])) for (const k of Object.keys(meta[field] as object)) paths.push(['metadata', field, k]);
			}
			continue;
		}
		walk(value, [key]);
	}
	return paths;
}

function toFieldsV1(paths: Path[]): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const path of paths) {
		let node = root;
		for (const part of path) {
			const k = `f:${part}`;
			node[k] ??= {};
			node = node[k] as Record<string, unknown>;
		}
	}
	return root;
}

function fromFieldsV1(fields: unknown, prefix: Path = []): Path[] {
	if (!isObject(fields)) return [];
	const children = Object.keys(fields).filter((k) => k.startsWith('f:'));
	const atomic = Object.keys(fields).some((k) => k.startsWith('k:') || k.startsWith('v:') || k.startsWith('i:'));
	if ((children.length === 0 || atomic) && prefix.length > 0) return [prefix];
	return children.flatMap((k) => fromFieldsV1(fields[k], [...prefix, k.slice(2)]));
}

function valueAt(obj: unknown, path: Path): unknown {
	let node = obj;
	for (const part of path) {
		if (!isObject(node)) return undefined;
		node = node[part];
	}
	return node;
}

function deleteAt(obj: Record<string, unknown>, path: Path): void {
	const parents: Array<Record<string, unknown>> = [];
	let node: unknown = obj;
	for (const part of path.slice(0, -1)) {
		if (!isObject(node)) return;
		parents.push(node);
		node = node[part];
	}
	if (!isObject(node)) return;
	delete node[path[path.length - 1]];
	// Drop maps the removal left empty (not the top-level fields).
	for (let i = path.length - 2; i >= 1; i--) {
		const holder = parents[i];
		const child = holder?.[path[i]];
		if (isObject(child) && Object.keys(child).length === 0) delete holder[path[i]];
		else break;
	}
}

function overlaps(a: Path, b: Path): boolean {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
	return true;
}

/**
 * Whether owning `a` (in `objA`) and `b` (in `objB`) touch the same data: the same field, or one is
 * an atomic value (not a map) above the other. Owning an (empty) map does not own its entries.
 */
function contends(a: Path, objA: unknown, b: Path, objB: unknown): boolean {
	if (!overlaps(a, b)) return false;
	if (a.length === b.length) return true;
	return a.length < b.length ? !isObject(valueAt(objA, a)) : !isObject(valueAt(objB, b));
}

function deepMerge(base: unknown, applied: unknown): unknown {
	if (!isObject(applied) || !isObject(base)) return cloneJson(applied);
	const out: Record<string, unknown> = {...base};
	for (const [k, v] of Object.entries(applied)) out[k] = deepMerge(base[k], v);
	return out;
}

type Owner = {entry: ManagedEntry; paths: Path[]};

function readOwners(obj: KubeObject | undefined): Owner[] {
	const entries = (obj?.metadata.managedFields ?? []) as ManagedEntry[];
	return entries.filter((e) => isObject(e) && typeof e.manager === 'string' && !e.subresource)
		.map((entry) => ({entry, paths: fromFieldsV1(entry.fieldsV1)}));
}

function writeOwners(owners: Owner[], statusEntries: ManagedEntry[]): ManagedEntry[] {
	return [
		...owners.filter((o) => o.paths.length > 0).map((o) => ({...o.entry, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(o.paths)})),
		...statusEntries,
	];
}

const statusEntriesOf = (obj: KubeObject | undefined) => ((obj?.metadata.managedFields ?? []) as ManagedEntry[]).filter((e) => isObject(e) && e.subresource);

/**
 * Merges an applied configuration into `existing` (undefined: create) for `manager`, as
 * `kubectl apply --server-side` does. Throws 409 Conflict listing the contested fields unless `force`.
 */
export function serverSideApply(existing: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean): KubeObject {
	const appliedPaths = ownedPaths(applied);
	const owners = readOwners(existing);
	const mine = owners.find((o) => o.entry.manager === manager && o.entry.operation === 'Apply');
	const conflicts: Array<{manager: string; path: Path}> = [];
	for (const other of owners) {
		if (other === mine) continue;
		for (const theirs of other.paths) {
			for (const path of appliedPaths) {
				if (!contends(theirs, existing, path, applied)) continue;
				const current = valueAt(existing, theirs);
				const wanted = valueAt(applied, theirs);
				// Two managers of one map each own their own entries; the map itself is not contested.
				if (isDeepStrictEqual(current, wanted) || (isObject(current) && isObject(wanted))) continue;
				conflicts.push({manager: other.entry.manager, path: theirs});
				break;
			}
		}
	}
	if (conflicts.length > 0 && !force) {
		const fields = conflicts.map((c) => `.${c.path.join('.')}`);
		const managers = [...new Set(conflicts.map((c) => c.manager))];
		const message = conflicts.length === 1
			? `Apply failed with 1 conflict: conflict with "${managers[0]}": ${fields[0]}`
			: `Apply failed with ${conflicts.length} conflicts: ${managers.map((m) => `conflicts with "${m}":\n${conflicts.filter((c) => c.manager === m).map((c) => `- .${c.path.join('.')}`).join('\n')}`).join('\n')}`;
		throw new ApiError(409, 'Conflict', message, {
			causes: conflicts.map((c) => ({reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: `.${c.path.join('.')}`})),
		});
	}
	// Forced: the applier takes the contested fields away from their owners.
	for (const c of conflicts) {
		const owner = owners.find((o) => o.entry.manager === c.manager && o !== mine);
		if (owner) owner.paths = owner.paths.filter((p) => !appliedPaths.some((a) => contends(p, existing, a, applied)));
	}
	const result = (existing ? deepMerge(existing, applied) : cloneJson(applied)) as KubeObject;
	result.metadata = {...(existing?.metadata ?? {}), ...applied.metadata, ...(existing ? {name: existing.metadata.name, namespace: existing.metadata.namespace} : {})};
	if (existing) {
		result.metadata.labels = deepMerge(existing.metadata.labels ?? {}, applied.metadata.labels ?? {}) as Record<string, string>;
		result.metadata.annotations = deepMerge(existing.metadata.annotations ?? {}, applied.metadata.annotations ?? {}) as Record<string, string>;
	}
	// Fields this manager applied before but not now go away, unless someone else owns them.
	const appliedKeys = new Set(appliedPaths.map(keyOf));
	for (const previous of mine?.paths ?? []) {
		if (appliedKeys.has(keyOf(previous))) continue;
		const ownedElsewhere = owners.some((o) => o !== mine && o.paths.some((p) => contends(p, existing, previous, existing)));
		if (!ownedElsewhere) deleteAt(result as unknown as Record<string, unknown>, previous);
	}
	for (const field of ['labels', 'annotations'] as const) {
		if (result.metadata[field] && Object.keys(result.metadata[field] as object).length === 0) delete result.metadata[field];
	}
	const entry: ManagedEntry = {manager, operation: 'Apply', apiVersion: applied.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}};
	const others = owners.filter((o) => o !== mine);
	result.metadata.managedFields = writeOwners([...others, {entry, paths: appliedPaths}], statusEntriesOf(existing));
	return result;
}

/** A create/update/patch by `manager`: it takes ownership of every field it set or changed. */
export function recordUpdate(existing: KubeObject | undefined, updated: KubeObject, manager: string): void {
	const present = ownedPaths(updated);
	const changed = present.filter((p) => !existing || !isDeepStrictEqual(valueAt(existing, p), valueAt(updated, p)));
	const presentKeys = new Set(present.map(keyOf));
	const owners = readOwners(existing);
	for (const o of owners) {
		o.paths = o.paths.filter((p) => presentKeys.has(keyOf(p)) && !changed.some((c) => overlaps(c, p) && o.entry.manager !== manager));
	}
	let mine = owners.find((o) => o.entry.manager === manager && o.entry.operation === 'Update');
	if (!mine) {
		if (changed.length === 0) {
			updated.metadata.managedFields = writeOwners(owners, statusEntriesOf(existing));
			return;
		}
		mine = {entry: {manager, operation: 'Update', apiVersion: updated.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {}}, paths: []};
		owners.push(mine);
	}
	const mineKeys = new Set(mine.paths.map(keyOf));
	for (const c of changed) if (!mineKeys.has(keyOf(c))) mine.paths.push(c);
	if (changed.length > 0) mine.entry = {...mine.entry, time: now()};
	updated.metadata.managedFields = writeOwners(owners, statusEntriesOf(existing));
}
