// Validation of a custom resource against its structural schema, with the causes worded as
// kube-apiserver words them (kube-openapi's validator, converted to field errors by apiextensions):
//   spec.address: Invalid value: "integer": spec.address in body must be of type string: "integer"
import type {FieldCause} from '../status-error.js';
import {celCauses} from './cel.js';
import type {JsonSchema} from './schema.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JSON type name Go's validator reports for a value. */
export function jsonType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value;
}

const quote = (v: unknown) => JSON.stringify(v);

function typeMatches(schema: JsonSchema, value: unknown): boolean {
	const actual = jsonType(value);
	if (schema['x-kubernetes-int-or-string']) return actual === 'integer' || actual === 'string';
	if (!schema.type) return true;
	if (schema.type === 'number') return actual === 'number' || actual === 'integer';
	return actual === schema.type;
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Every cause for `value` at `path` (an empty path is the object's root). */
export function schemaCauses(value: unknown, schema: JsonSchema, path = '', root = true): FieldCause[] {
	const field = path || '<nil>';
	if (value === null) {
		if (schema.nullable || schema['x-kubernetes-preserve-unknown-fields']) return [];
		return [{field, message: `Invalid value: "null": ${path} in body must be of type ${schema.type ?? 'object'}: "null"`, reason: 'FieldValueTypeInvalid'}];
	}
	if (!typeMatches(schema, value)) {
		const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
		return [{field, message: `Invalid value: ${quote(jsonType(value))}: ${path} in body must be of type ${expected}: ${quote(jsonType(value))}`, reason: 'FieldValueTypeInvalid'}];
	}
	const causes: FieldCause[] = [];
	if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
		causes.push({field, message: `Unsupported value: ${quote(value)}: supported values: ${schema.enum.map(quote).join(', ')}`, reason: 'FieldValueNotSupported'});
	}
	if (typeof value === 'string') causes.push(...stringCauses(value, schema, path, field));
	if (typeof value === 'number') causes.push(...numberCauses(value, schema, path, field));
	if (Array.isArray(value)) causes.push(...arrayCauses(value, schema, path, field));
	if (isObject(value)) causes.push(...objectCauses(value, schema, path, field, root));
	if (schema.anyOf && !schema['x-kubernetes-int-or-string'] && !schema.anyOf.some((s) => schemaCauses(value, s, path, root).length === 0)) {
		causes.push({field, message: `Invalid value: ${quote(jsonType(value))}: ${path} in body must validate at least one schema (anyOf)`});
	}
	for (const s of schema.allOf ?? []) causes.push(...schemaCauses(value, s, path, root));
	// As kube-apiserver: CEL rules run only where the value is otherwise valid.
	if (causes.length === 0 && schema['x-kubernetes-validations']) causes.push(...celCauses(value, schema, path));
	return causes;
}

function stringCauses(value: string, schema: JsonSchema, path: string, field: string): FieldCause[] {
	const causes: FieldCause[] = [];
	if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
		causes.push({field, message: `Too long: may not be more than ${schema.maxLength} bytes`, reason: 'FieldValueTooLong'});
	}
	if (schema.minLength !== undefined && [...value].length < schema.minLength) {
		causes.push({field, message: `Invalid value: ${quote(value)}: ${path} in body should be at least ${schema.minLength} chars long`});
	}
	if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
		causes.push({field, message: `Invalid value: ${quote(value)}: ${path} in body should match '${schema.pattern}'`});
	}
	if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
		causes.push({field, message: `Invalid value: ${quote(value)}: ${path} in body must be of type date-time: ${quote(value)}`});
	}
	if (schema.format === 'byte' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) {
		causes.push({field, message: `Invalid value: ${quote(value)}: ${path} in body must be of type byte: ${quote(value)}`});
	}
	return causes;
}

function numberCauses(value: number, schema: JsonSchema, path: string, field: string): FieldCause[] {
	const causes: FieldCause[] = [];
	if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
		causes.push({field, message: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`});
	}
	if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
		causes.push({field, message: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`});
	}
	return causes;
}

function arrayCauses(value: unknown[], schema: JsonSchema, path: string, field: string): FieldCause[] {
	const causes: FieldCause[] = [];
	if (schema.maxItems !== undefined && value.length > schema.maxItems) {
		causes.push({field, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`, reason: 'FieldValueTooMany'});
	}
	if (schema.minItems !== undefined && value.length < schema.minItems) {
		causes.push({field, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`});
	}
	if (schema.items) value.forEach((item, i) => causes.push(...schemaCauses(item, schema.items as JsonSchema, `${path}[${i}]`, false)));
	const listType = schema['x-kubernetes-list-type'];
	if (listType === 'set' || listType === 'map') causes.push(...duplicateCauses(value, schema, path));
	return causes;
}

function duplicateCauses(value: unknown[], schema: JsonSchema, path: string): FieldCause[] {
	const keys = schema['x-kubernetes-list-map-keys'];
	const seen = new Set<string>();
	const causes: FieldCause[] = [];
	value.forEach((item, i) => {
		const key = JSON.stringify(keys && isObject(item) ? keys.map((k) => item[k]) : item);
		if (seen.has(key)) causes.push({field: `${path}[${i}]`, message: `Duplicate value: ${keys && isObject(item) ? `map[string]interface {}{${keys.map((k) => `"${k}":${quote(item[k])}`).join(', ')}}` : quote(item)}`, reason: 'FieldValueDuplicate'});
		seen.add(key);
	});
	return causes;
}

function objectCauses(value: Json, schema: JsonSchema, path: string, field: string, root: boolean): FieldCause[] {
	const causes: FieldCause[] = [];
	for (const name of schema.required ?? []) {
		if (value[name] === undefined) causes.push({field: child(path, name), message: 'Required value', reason: 'FieldValueRequired'});
	}
	const count = Object.keys(value).length;
	if (schema.maxProperties !== undefined && count > schema.maxProperties) {
		causes.push({field, message: `Too many: ${count}: must have at most ${schema.maxProperties} items`, reason: 'FieldValueTooMany'});
	}
	if (schema.minProperties !== undefined && count < schema.minProperties) {
		causes.push({field, message: `Invalid value: ${count}: ${path} in body should have at least ${schema.minProperties} properties`});
	}
	for (const [key, v] of Object.entries(value)) {
		// The generic API server validates metadata; the schema only declares it.
		if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
		const declared = schema.properties?.[key] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
		if (declared && v !== undefined) causes.push(...schemaCauses(v, declared, child(path, key), false));
	}
	return causes;
}
