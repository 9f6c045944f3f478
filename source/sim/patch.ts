// PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (merge patch plus the list merge
// keys and `$` directives kubectl sends), JSON patch (RFC 6902).
import {isDeepStrictEqual} from 'node:util';
import {cloneJson} from './clone.js';
import {ApiError} from './types.js';

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type JsonObject = {[key: string]: Json};

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown): unknown {
	if (!isObject(patch)) return cloneJson(patch);
	const result: JsonObject = isObject(target) ? {...target} : {};
	for (const [key, value] of Object.entries(patch)) {
		if (value === null) delete result[key];
		else result[key] = mergePatch(result[key], value) as Json;
	}
	return result;
}

/** Merge keys of the built-in list fields kubectl patches (containers by name, ports by port, ...). */
const mergeKeys = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'type', 'ip', 'topologyKey', 'key'];

function mergeKeyFor(patchList: unknown[], current: unknown[]): string | undefined {
	const items = [...patchList, ...current];
	if (items.length === 0 || !items.every(isObject)) return undefined;
	return mergeKeys.find((k) => (patchList as JsonObject[]).every((i) => i[k] !== undefined || i.$patch !== undefined));
}

function strategicList(current: unknown, patch: unknown[], order: unknown[] | undefined): Json[] {
	const existing = Array.isArray(current) ? current : [];
	const key = mergeKeyFor(patch, existing);
	if (!key) return cloneJson(patch) as Json[];
	const result: JsonObject[] = (existing as JsonObject[]).map((e) => cloneJson(e));
	for (const item of patch as JsonObject[]) {
		const i = result.findIndex((r) => isDeepStrictEqual(r[key], item[key]));
		if (item.$patch === 'delete') {
			if (i >= 0) result.splice(i, 1);
			continue;
		}
		if (i >= 0) result[i] = strategicMergePatch(result[i], item) as JsonObject;
		else result.push(strategicMergePatch({}, item) as JsonObject);
	}
	if (order && order.every(isObject)) {
		const rank = (r: JsonObject) => {
			const n = (order as JsonObject[]).findIndex((o) => isDeepStrictEqual(o[key], r[key]));
			return n < 0 ? Number.MAX_SAFE_INTEGER : n;
		};
		result.sort((a, b) => rank(a) - rank(b));
	}
	return result;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
	if (!isObject(patch)) return cloneJson(patch);
	if (patch.$patch === 'replace') {
		const {$patch: _p, ...rest} = patch;
		return stripDirectives(rest);
	}
	if (patch.$patch === 'delete') return undefined;
	const result: JsonObject = isObject(target) ? {...target} : {};
	for (const [key, value] of Object.entries(patch)) {
		if (key.startsWith('$deleteFromPrimitiveList/')) {
			const field = key.slice('$deleteFromPrimitiveList/'.length);
			const current = result[field];
			if (Array.isArray(current) && Array.isArray(value)) result[field] = current.filter((v) => !value.some((d) => isDeepStrictEqual(d, v)));
			continue;
		}
		if (key.startsWith('$')) continue;
		if (value === null) {
			delete result[key];
		} else if (Array.isArray(value)) {
			result[key] = strategicList(result[key], value, patch[`$setElementOrder/${key}`] as unknown[] | undefined);
		} else {
			const merged = strategicMergePatch(result[key], value);
			if (merged === undefined) delete result[key];
			else result[key] = merged as Json;
		}
	}
	return result;
}

function stripDirectives(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stripDirectives);
	if (!isObject(value)) return value;
	const out: JsonObject = {};
	for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v) as Json;
	return out;
}

type Operation = {op?: unknown; path?: unknown; from?: unknown; value?: unknown};

function invalidPatch(message: string): ApiError {
	return new ApiError(422, 'Invalid', message);
}

function parsePointer(pointer: unknown): string[] {
	if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
		throw new ApiError(400, 'BadRequest', `invalid JSON patch path ${JSON.stringify(pointer)}: must be a JSON pointer such as /metadata/labels/app`);
	}
	if (pointer === '') return [];
	return pointer.slice(1).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: unknown, parts: string[], path: string): {parent: any; key: string} {
	let node: any = doc;
	for (const part of parts.slice(0, -1)) {
		if (Array.isArray(node)) node = node[Number(part)];
		else if (isObject(node)) node = node[part];
		else node = undefined;
		if (node === undefined || node === null || typeof node !== 'object') {
			throw invalidPatch(`jsonpatch: the path "${path}" does not exist in the object`);
		}
	}
	return {parent: node, key: parts[parts.length - 1]};
}

function read(doc: unknown, parts: string[], path: string): unknown {
	if (parts.length === 0) return doc;
	const {parent, key} = parentOf(doc, parts, path);
	const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
	if (value === undefined) throw invalidPatch(`jsonpatch: the path "${path}" does not exist in the object`);
	return value;
}

function arrayIndex(parent: unknown[], key: string, path: string, forInsert: boolean): number {
	if (forInsert && key === '-') return parent.length;
	if (!/^\d+$/.test(key)) throw invalidPatch(`jsonpatch: invalid array index "${key}" in "${path}"`);
	const i = Number(key);
	if (i > parent.length || (!forInsert && i === parent.length)) throw invalidPatch(`jsonpatch: array index ${i} out of bounds in "${path}"`);
	return i;
}

function add(doc: unknown, parts: string[], value: unknown, path: string): unknown {
	if (parts.length === 0) return cloneJson(value);
	const {parent, key} = parentOf(doc, parts, path);
	if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, cloneJson(value));
	else parent[key] = cloneJson(value);
	return doc;
}

function remove(doc: unknown, parts: string[], path: string): unknown {
	if (parts.length === 0) throw invalidPatch('jsonpatch: cannot remove the whole object');
	const {parent, key} = parentOf(doc, parts, path);
	if (Array.isArray(parent)) {
		parent.splice(arrayIndex(parent, key, path, false), 1);
	} else {
		if (!(key in parent)) throw invalidPatch(`jsonpatch: the path "${path}" does not exist in the object`);
		delete parent[key];
	}
	return doc;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
	if (!Array.isArray(operations)) throw new ApiError(400, 'BadRequest', 'a JSON patch must be an array of operations');
	let doc = cloneJson(target);
	for (const raw of operations as Operation[]) {
		if (!isObject(raw)) throw new ApiError(400, 'BadRequest', 'every JSON patch operation must be an object with "op" and "path"');
		const path = raw.path as string;
		const parts = parsePointer(raw.path);
		switch (raw.op) {
			case 'add':
				doc = add(doc, parts, raw.value, path);
				break;
			case 'remove':
				doc = remove(doc, parts, path);
				break;
			case 'replace':
				read(doc, parts, path);
				doc = remove(doc, parts, path);
				doc = add(doc, parts, raw.value, path);
				break;
			case 'move': {
				const from = parsePointer(raw.from);
				const value = read(doc, from, raw.from as string);
				doc = remove(doc, from, raw.from as string);
				doc = add(doc, parts, value, path);
				break;
			}
			case 'copy': {
				const from = parsePointer(raw.from);
				doc = add(doc, parts, read(doc, from, raw.from as string), path);
				break;
			}
			case 'test':
				if (!isDeepStrictEqual(read(doc, parts, path), raw.value)) throw invalidPatch(`jsonpatch: test operation for path "${path}" failed`);
				break;
			default:
				throw new ApiError(400, 'BadRequest', `unknown JSON patch operation ${JSON.stringify(raw.op)}: use add, remove, replace, move, copy or test`);
		}
	}
	return doc;
}
