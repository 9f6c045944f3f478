// The structural schema of a CustomResourceDefinition version (apiextensions.k8s.io/v1
// JSONSchemaProps), and the one place the simulator reads it from: `ResourceType.schema`, set when a
// CRD's types are registered. The validator, the pruner and the OpenAPI documents all start here.
import type {ResourceType} from '../types.js';

export type CelRule = {rule: string; message?: string; messageExpression?: string; reason?: string; fieldPath?: string};

export type JsonSchema = {
	type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
	description?: string;
	properties?: Record<string, JsonSchema>;
	additionalProperties?: JsonSchema | boolean;
	items?: JsonSchema;
	required?: string[];
	enum?: unknown[];
	pattern?: string;
	format?: string;
	minimum?: number;
	maximum?: number;
	exclusiveMinimum?: boolean;
	exclusiveMaximum?: boolean;
	minLength?: number;
	maxLength?: number;
	minItems?: number;
	maxItems?: number;
	minProperties?: number;
	maxProperties?: number;
	nullable?: boolean;
	default?: unknown;
	anyOf?: JsonSchema[];
	allOf?: JsonSchema[];
	oneOf?: JsonSchema[];
	'x-kubernetes-preserve-unknown-fields'?: boolean;
	'x-kubernetes-int-or-string'?: boolean;
	'x-kubernetes-embedded-resource'?: boolean;
	'x-kubernetes-validations'?: CelRule[];
	'x-kubernetes-list-type'?: string;
	'x-kubernetes-list-map-keys'?: string[];
	'x-kubernetes-map-type'?: string;
};

/** The openAPIV3Schema of a served custom resource version; undefined for built-in types. */
export function schemaOf(type: ResourceType): JsonSchema | undefined {
	return type.schema;
}

/** Every served type that carries a structural schema (for OpenAPI documents and explain). */
export function structuralSchemas(types: ResourceType[]): Array<{type: ResourceType; schema: JsonSchema}> {
	return types.flatMap((type) => (type.schema ? [{type, schema: type.schema}] : []));
}
