// A CustomResourceDefinition's schema as kube-apiserver publishes it in /openapi/v2 and /openapi/v3
// (apiextensions-apiserver pkg/controller/openapi/builder): the version's openAPIV3Schema, with
// metadata pointing at ObjectMeta, apiVersion/kind described, x-kubernetes-group-version-kind set,
// and a <Kind>List beside it. v2 loses what Swagger 2.0 cannot say (nullable, oneOf/anyOf/not, CEL).
import type {Schema} from './openapi-builtin.js';
import type {KubeObject, ResourceType} from './types.js';

type CrdVersion = {name: string; schema?: {openAPIV3Schema?: Schema}};

/** `operator.tigera.io` v1 ManagementCluster → io.tigera.operator.v1.ManagementCluster */
export function crdDefinitionName(group: string, version: string, kind: string): string {
	return [...group.split('.').reverse(), version, kind].join('.');
}

/** The CRD object that serves `type`, if any. */
export function crdFor(crds: KubeObject[], type: ResourceType): {crd: KubeObject; version: CrdVersion} | undefined {
	for (const crd of crds) {
		const spec = crd.spec as {group?: string; names?: {kind?: string}; versions?: CrdVersion[]} | undefined;
		if (spec?.group !== type.group || spec.names?.kind !== type.kind) continue;
		const version = spec.versions?.find((v) => v.name === type.version);
		if (version) return {crd, version};
	}
	return undefined;
}

const apiVersionDoc = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const kindDoc = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const metadataDoc = 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const objectMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const listMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

/** Swagger 2.0 has no nullable, oneOf, anyOf or not; kube drops them (and CEL rules) from v2. */
function toV2(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(toV2);
	if (schema === null || typeof schema !== 'object') return schema;
	const out: Schema = {};
	for (const [key, value] of Object.entries(schema)) {
		if (['nullable', 'oneOf', 'anyOf', 'not', 'x-kubernetes-validations'].includes(key)) continue;
		out[key] = key === 'properties' || key === 'definitions'
			? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toV2(v)]))
			: toV2(value);
	}
	if (out['x-kubernetes-int-or-string'] === true) delete out.type;
	return out;
}

/** The definitions of one served CRD version: the kind and its list, named as kube names them. */
export function crdSchemas(type: ResourceType, version: CrdVersion, refPrefix: string, flavour: 'v2' | 'v3'): Record<string, Schema> {
	const given = version.schema?.openAPIV3Schema ?? {type: 'object', 'x-kubernetes-preserve-unknown-fields': true};
	const properties = {...(given.properties as Record<string, Schema> | undefined)};
	properties.apiVersion = {description: apiVersionDoc, type: 'string'};
	properties.kind = {description: kindDoc, type: 'string'};
	// v3 wraps a $ref to keep its description beside it, as kube does.
	properties.metadata = flavour === 'v3'
		? {description: metadataDoc, allOf: [{$ref: `${refPrefix}${objectMeta}`}]}
		: {description: metadataDoc, $ref: `${refPrefix}${objectMeta}`};
	const gvk = (kind: string) => ({'x-kubernetes-group-version-kind': [{group: type.group, version: type.version, kind}]});
	const name = crdDefinitionName(type.group, type.version, type.kind);
	const kindSchema = {...given, properties, type: 'object', ...gvk(type.kind)};
	const list: Schema = {
		description: `${type.kind}List is a list of ${type.kind}`,
		type: 'object',
		required: ['items'],
		properties: {
			apiVersion: {description: apiVersionDoc, type: 'string'},
			items: {description: `List of ${type.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: {$ref: `${refPrefix}${name}`}},
			kind: {description: kindDoc, type: 'string'},
			metadata: flavour === 'v3' ? {description: metadataDoc, allOf: [{$ref: `${refPrefix}${listMeta}`}]} : {description: metadataDoc, $ref: `${refPrefix}${listMeta}`},
		},
		...gvk(type.listKind),
	};
	return {
		[name]: (flavour === 'v2' ? toV2(kindSchema) : kindSchema) as Schema,
		[crdDefinitionName(type.group, type.version, type.listKind)]: list,
	};
}
