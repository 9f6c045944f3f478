// OpenAPI schemas of the built-in kinds, derived from the same vendored generated.proto files the
// protobuf wire format uses: field names, types and descriptions come from the Go types' comments
// there, with their +patchStrategy/+listType markers turned into the x-kubernetes-* extensions
// kube-apiserver publishes. Names follow kube's definitions (io.k8s.api.core.v1.ConfigMap).
import type {Field, Type} from 'protobufjs';
import {builtinTypes, virtualTypes} from './builtin-types.js';
import {messageType, protoMessage} from './protobuf.js';

export type Schema = Record<string, unknown>;

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** k8s.io.api.core.v1.ConfigMap → io.k8s.api.core.v1.ConfigMap */
export const definitionName = (type: Type) => type.fullName.replace(/^\.?k8s\.io\./, 'io.k8s.');

function describe(comment: string | null): {description?: string; markers: Record<string, string[]>} {
	const markers: Record<string, string[]> = {};
	const lines: string[] = [];
	for (const line of (comment ?? '').split('\n')) {
		const m = /^\+([\w.-]+)(?:=(.*))?$/.exec(line.trim());
		if (m) markers[m[1]] = [...(markers[m[1]] ?? []), m[2] ?? ''];
		else lines.push(line);
	}
	const description = lines.join('\n').trim();
	return {description: description || undefined, markers};
}

function extensions(markers: Record<string, string[]>): Schema {
	const out: Schema = {};
	if (markers.patchMergeKey) out['x-kubernetes-patch-merge-key'] = markers.patchMergeKey[0];
	if (markers.patchStrategy) out['x-kubernetes-patch-strategy'] = markers.patchStrategy[0];
	if (markers.listType) out['x-kubernetes-list-type'] = markers.listType[0];
	if (markers.listMapKey) out['x-kubernetes-list-map-keys'] = markers.listMapKey;
	if (markers.mapType) out['x-kubernetes-map-type'] = markers.mapType[0];
	return out;
}

const scalars: Record<string, Schema> = {
	string: {type: 'string'},
	bool: {type: 'boolean'},
	int32: {type: 'integer', format: 'int32'},
	int64: {type: 'integer', format: 'int64'},
	double: {type: 'number', format: 'double'},
	float: {type: 'number', format: 'float'},
	bytes: {type: 'string', format: 'byte'},
};

/** The apimachinery types with their own JSON form are inlined as kube's OpenAPI has them. */
function specialSchema(type: Type): Schema | undefined {
	switch (type.fullName.replace(/^\./, '')) {
		case `${meta}.Time`:
		case `${meta}.MicroTime`:
			return {type: 'string', format: 'date-time'};
		case `${meta}.Duration`:
			return {type: 'string'};
		case `${meta}.FieldsV1`:
		case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
			return {type: 'object'};
		case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
			return {type: 'string'};
		case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
			return {type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true};
	}
	if (type.fieldsArray.length === 1 && type.fieldsArray[0].name === 'items' && type.fieldsArray[0].repeated) return {type: 'array', items: {type: 'string'}};
	return undefined;
}

function valueSchema(field: Field, refPrefix: string, refs: Set<Type>): Schema {
	const type = field.resolvedType as Type | null;
	if (!type || !('fieldsArray' in type)) return {...(scalars[field.type] ?? {type: 'string'})};
	const special = specialSchema(type);
	if (special) return special;
	refs.add(type);
	return {$ref: `${refPrefix}${definitionName(type)}`};
}

function fieldSchema(field: Field, refPrefix: string, refs: Set<Type>): Schema {
	const {description, markers} = describe(field.comment);
	const value = valueSchema(field, refPrefix, refs);
	const shaped = field.map ? {type: 'object', additionalProperties: value} : field.repeated ? {type: 'array', items: value} : value;
	return {...(description ? {description} : {}), ...shaped, ...extensions(markers)};
}

/** The group/version/kind of the served built-in kinds, as x-kubernetes-group-version-kind. */
function gvkOf(type: Type): Schema | undefined {
	for (const t of [...builtinTypes, ...virtualTypes]) {
		const apiVersion = t.group ? `${t.group}/${t.version}` : t.version;
		for (const kind of [t.kind, t.listKind]) {
			if (messageType(apiVersion, kind) === type) return {'x-kubernetes-group-version-kind': [{group: t.group, version: t.version, kind}]};
		}
	}
	if (messageType('authentication.k8s.io/v1', 'TokenRequest') === type) return {'x-kubernetes-group-version-kind': [{group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest'}]};
	return undefined;
}

function messageSchema(type: Type, refPrefix: string, refs: Set<Type>): Schema {
	const special = specialSchema(type);
	const {description} = describe(type.comment);
	if (special) return {...(description ? {description} : {}), ...special};
	const properties: Record<string, Schema> = {};
	for (const field of type.fieldsArray) properties[field.name] = fieldSchema(field, refPrefix, refs);
	const top = 'metadata' in properties && gvkOf(type);
	if (top) {
		properties.apiVersion = {type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'};
		properties.kind = {type: 'string', description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'};
	}
	return {...(description ? {description} : {}), type: 'object', properties, ...(top || {})};
}

/**
 * The named schemas `roots` need, closed over their references: `{name: schema}`. refPrefix is
 * `#/definitions/` (v2) or `#/components/schemas/` (v3).
 */
export function builtinSchemas(roots: Type[], refPrefix: string): Record<string, Schema> {
	const out: Record<string, Schema> = {};
	const pending = [...roots];
	while (pending.length > 0) {
		const type = pending.pop() as Type;
		const name = definitionName(type);
		if (out[name]) continue;
		const refs = new Set<Type>();
		out[name] = messageSchema(type, refPrefix, refs);
		for (const r of refs) if (!out[definitionName(r)]) pending.push(r);
	}
	return out;
}

/** The message of ObjectMeta, which every CRD schema's metadata refers to. */
export const objectMetaType = () => protoMessage(`${meta}.ObjectMeta`);
export const listMetaType = () => protoMessage(`${meta}.ListMeta`);
