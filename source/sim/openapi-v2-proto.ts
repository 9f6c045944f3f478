// /openapi/v2 in the form kubectl asks for (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf):
// the Swagger document as gnostic's openapi.v2.Document message (vendored OpenAPIv2.proto), which
// kubectl decodes with gnostic-models. Vendor extensions and defaults travel as YAML, as gnostic keeps them.
import {join} from 'node:path';
import yaml from 'js-yaml';
import protobuf, {type Type} from 'protobufjs';
import {protoDirectory} from './protobuf.js';

/** What kubectl asks for (Accept); kube-openapi answers with the `.v1.0` spelling, which Go's mime package can parse. */
export const openApiV2ProtoMediaTypes = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
export const openApiV2ProtoContentType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

let documentType: Type | undefined;

function gnosticDocument(): Type {
	if (!documentType) {
		const root = new protobuf.Root();
		root.loadSync(join(protoDirectory(), 'gnostic', 'openapiv2', 'OpenAPIv2.proto'), {keepCase: true});
		documentType = root.lookupType('openapi.v2.Document');
	}
	return documentType;
}

const any = (value: unknown) => ({yaml: yaml.dump(value, {noRefs: true})});

function extensions(obj: Json): Json[] {
	return Object.entries(obj).filter(([k]) => k.startsWith('x-')).map(([name, value]) => ({name, value: any(value)}));
}

const renamed: Record<string, string> = {
	multipleOf: 'multiple_of', exclusiveMaximum: 'exclusive_maximum', exclusiveMinimum: 'exclusive_minimum', maxLength: 'max_length',
	minLength: 'min_length', maxItems: 'max_items', minItems: 'min_items', uniqueItems: 'unique_items', maxProperties: 'max_properties',
	minProperties: 'min_properties', readOnly: 'read_only',
};
const kept = new Set(['format', 'title', 'description', 'pattern', 'discriminator', 'maximum', 'minimum', 'required']);

function schema(s: Json): Json {
	const out: Json = {vendor_extension: extensions(s)};
	for (const [key, value] of Object.entries(s)) {
		if (value === undefined || value === null || key.startsWith('x-')) continue;
		if (kept.has(key)) out[key] = value;
		else if (renamed[key]) out[renamed[key]] = value;
		else if (key === '$ref') out._ref = value;
		else if (key === 'type') out.type = {value: Array.isArray(value) ? value : [value]};
		else if (key === 'default' || key === 'example') out[key] = any(value);
		else if (key === 'enum') out.enum = (value as unknown[]).map(any);
		else if (key === 'items') out.items = {schema: (Array.isArray(value) ? value : [value]).map((v) => schema(v as Json))};
		else if (key === 'allOf') out.all_of = (value as Json[]).map(schema);
		else if (key === 'properties') out.properties = {additional_properties: Object.entries(value as Json).map(([name, v]) => ({name, value: schema(v as Json)}))};
		else if (key === 'additionalProperties') out.additional_properties = typeof value === 'boolean' ? {boolean: value} : {schema: schema(value as Json)};
	}
	return out;
}

function operation(op: Json): Json {
	const parameters = ((op.parameters ?? []) as Json[]).map((p) => ({parameter: {non_body_parameter: {query_parameter_sub_schema: {
		name: p.name, in: p.in, description: p.description, type: p.type, unique_items: p.uniqueItems,
	}}}}));
	const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(([code, r]) => ({name: code, value: {response: {description: r.description}}}));
	return {parameters, responses: {response_code: responses}, vendor_extension: extensions(op)};
}

export function encodeOpenApiV2(doc: Json): Buffer {
	const paths = Object.entries(doc.paths as Record<string, Record<string, Json>>).map(([name, item]) => ({
		name,
		value: Object.fromEntries(Object.entries(item).map(([method, op]) => [method, operation(op)])),
	}));
	const definitions = Object.entries(doc.definitions as Record<string, Json>).map(([name, s]) => ({name, value: schema(s)}));
	const type = gnosticDocument();
	const message = type.fromObject({swagger: doc.swagger, info: doc.info, paths: {path: paths}, definitions: {additional_properties: definitions}});
	return Buffer.from(type.encode(message).finish());
}
