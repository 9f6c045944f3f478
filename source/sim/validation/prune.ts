// Pruning and defaulting as the apiextensions server does them while decoding a custom resource:
// fields the structural schema does not declare are dropped (and reported, for fieldValidation),
// missing fields with a schema default are filled in.
import type {JsonSchema} from './schema.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Removes undeclared fields in place; returns their paths (`spec.bogusField`, `spec.list[0].x`). */
export function prune(value: unknown, schema: JsonSchema | undefined, path = '', root = true): string[] {
	if (!schema || schema['x-kubernetes-preserve-unknown-fields']) return pruneInside(value, schema, path);
	const unknown: string[] = [];
	if (isObject(value)) {
		for (const key of Object.keys(value)) {
			// apiVersion, kind and metadata are the generic API server's, never the schema's.
			if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
			const declared = schema.properties?.[key]
				?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
			if (declared || schema.additionalProperties === true) {
				unknown.push(...prune(value[key], declared, child(path, key), false));
			} else {
				unknown.push(child(path, key));
				delete value[key];
			}
		}
	} else if (Array.isArray(value) && schema.items) {
		value.forEach((item, i) => unknown.push(...prune(item, schema.items, `${path}[${i}]`, false)));
	}
	return unknown;
}

/** Under x-kubernetes-preserve-unknown-fields, declared properties are still pruned below. */
function pruneInside(value: unknown, schema: JsonSchema | undefined, path: string): string[] {
	if (!schema?.properties || !isObject(value)) return [];
	const unknown: string[] = [];
	for (const [key, declared] of Object.entries(schema.properties)) {
		if (key in value) unknown.push(...prune(value[key], declared, child(path, key), false));
	}
	return unknown;
}

/** Fills in schema defaults for missing properties, in place (not under metadata). */
export function applyDefaults(value: unknown, schema: JsonSchema | undefined, root = true): void {
	if (!schema) return;
	if (isObject(value)) {
		for (const [key, declared] of Object.entries(schema.properties ?? {})) {
			if (root && key === 'metadata') continue;
			if (value[key] === undefined && declared.default !== undefined) value[key] = structuredClone(declared.default);
			if (value[key] !== undefined) applyDefaults(value[key], declared, false);
		}
		if (isObject(schema.additionalProperties)) {
			for (const key of Object.keys(value)) if (!schema.properties?.[key]) applyDefaults(value[key], schema.additionalProperties, false);
		}
	} else if (Array.isArray(value) && schema.items) {
		for (const item of value) applyDefaults(item, schema.items, false);
	}
}
