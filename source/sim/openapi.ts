// The OpenAPI documents: /openapi/v3 (an index, then one document per group-version) and
// /openapi/v2 (one Swagger 2.0 document). Paths carry x-kubernetes-group-version-kind and the
// `fieldValidation` parameter (kubectl then leaves validation to the server); schemas come from the
// CRDs (crd-openapi.ts) and the built-in types (openapi-builtin.ts), so `kubectl explain` works.
import {createHash} from 'node:crypto';
import {virtualTypes} from './builtin-types.js';
import {calicoApiDefinitions} from './calico-api-openapi.js';
import {crdFor, crdSchemas} from './crd-openapi.js';
import {servedTypes} from './discovery.js';
import {builtinSchemas, listMetaType, objectMetaType, type Schema} from './openapi-builtin.js';
import {messageType} from './protobuf.js';
import type {KubeObject, ObjectStore, ResourceType} from './types.js';

type Flavour = 'v2' | 'v3';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);
const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const refPrefix = (flavour: Flavour) => (flavour === 'v2' ? '#/definitions/' : '#/components/schemas/');

/** The definitions with schemas: the cluster's CRDs and the Calico API server's own. */
function crdsOf(store: ObjectStore): KubeObject[] {
	const crdType = store.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
	// The aggregated projectcalico.org/v3 types are not CRDs, but publish schemas all the same.
	return [...(crdType ? store.list(crdType) : []), ...calicoApiDefinitions()];
}

/** What a document's content depends on: the types and the CRDs' versions. */
function versionKey(types: ResourceType[], crds: KubeObject[]): string {
	const parts = types.map((t) => `${t.group}/${t.version}/${t.kind}/${t.resource}/${t.namespaced}/${crdFor(crds, t)?.crd.metadata.resourceVersion ?? ''}`);
	return createHash('sha256').update(parts.sort().join(',')).digest('hex').slice(0, 32).toUpperCase();
}

function schemasOf(types: ResourceType[], crds: KubeObject[], flavour: Flavour): Record<string, Schema> {
	const prefix = refPrefix(flavour);
	const messages = [];
	let custom: Record<string, Schema> = {};
	for (const t of types) {
		const found = crdFor(crds, t);
		if (found) {
			custom = {...custom, ...crdSchemas(t, found.version, prefix, flavour)};
			messages.push(objectMetaType(), listMetaType());
			continue;
		}
		for (const kind of [t.kind, t.listKind, ...(t.group === '' && t.resource === 'serviceaccounts' ? ['TokenRequest'] : [])]) {
			const message = messageType(kind === 'TokenRequest' ? 'authentication.k8s.io/v1' : apiVersionOf(t), kind);
			if (message) messages.push(message);
		}
	}
	return {...builtinSchemas(messages, prefix), ...custom};
}

function fieldValidation(flavour: Flavour) {
	const description = 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.';
	return flavour === 'v2'
		? {name: 'fieldValidation', in: 'query', description, type: 'string', uniqueItems: true}
		: {name: 'fieldValidation', in: 'query', description, schema: {type: 'string', uniqueItems: true}};
}

function pathsOf(types: ResourceType[], flavour: Flavour): Record<string, unknown> {
	const paths: Record<string, unknown> = {};
	const op = (group: string, version: string, kind: string, action: string, withValidation: boolean) => ({
		'x-kubernetes-action': action,
		'x-kubernetes-group-version-kind': {group, version, kind},
		...(withValidation ? {parameters: [fieldValidation(flavour)]} : {}),
		responses: {200: {description: 'OK'}},
	});
	for (const t of types) {
		const base = `/${gvPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}`;
		const on = (action: string, validated = false) => op(t.group, t.version, t.kind, action, validated);
		if (virtualTypes.includes(t)) {
			paths[base] = {post: on('post', true)};
			continue;
		}
		paths[base] = {get: on('list'), post: on('post', true)};
		paths[`${base}/{name}`] = {get: on('get'), put: on('put', true), patch: on('patch', true), delete: on('delete')};
		if (t.statusSubresource) paths[`${base}/{name}/status`] = {get: on('get'), put: on('put', true), patch: on('patch', true)};
		if (t.group === '' && t.resource === 'serviceaccounts') paths[`${base}/{name}/token`] = {post: op('authentication.k8s.io', 'v1', 'TokenRequest', 'post', true)};
	}
	return paths;
}

const info = {title: 'Kubernetes', version: 'v1.33.1'};

export function openApiRoot(store: ObjectStore) {
	const byGv = new Map<string, ResourceType[]>();
	for (const t of servedTypes(store)) {
		const key = gvPath(t.group, t.version);
		byGv.set(key, [...(byGv.get(key) ?? []), t]);
	}
	const crds = crdsOf(store);
	const paths: Record<string, {serverRelativeURL: string}> = {};
	for (const [key, types] of byGv) paths[key] = {serverRelativeURL: `/openapi/v3/${key}?hash=${versionKey(types, crds)}`};
	return {paths};
}

const v3Cache = new WeakMap<ObjectStore, Map<string, {key: string; doc: Record<string, unknown>}>>();

/** The per-group-version v3 document, or undefined when nothing is served there. */
export function openApiGroupVersion(store: ObjectStore, pathAfterV3: string): Record<string, unknown> | undefined {
	const types = servedTypes(store).filter((t) => gvPath(t.group, t.version) === pathAfterV3);
	if (types.length === 0) return undefined;
	const crds = crdsOf(store);
	const key = versionKey(types, crds);
	let docs = v3Cache.get(store);
	if (!docs) v3Cache.set(store, docs = new Map());
	const cached = docs.get(pathAfterV3);
	if (cached?.key === key) return cached.doc;
	const doc = {openapi: '3.0.0', info, paths: pathsOf(types, 'v3'), components: {schemas: schemasOf(types, crds, 'v3')}};
	docs.set(pathAfterV3, {key, doc});
	return doc;
}

const v2Cache = new WeakMap<ObjectStore, {key: string; doc: Record<string, unknown>}>();

/** The whole Swagger 2.0 document (kubectl 1.27/1.28 read it before every create -f/apply -f). */
export function openApiV2(store: ObjectStore): {key: string; doc: Record<string, unknown>} {
	const types = servedTypes(store);
	const crds = crdsOf(store);
	const key = versionKey(types, crds);
	const cached = v2Cache.get(store);
	if (cached?.key === key) return cached;
	const doc = {swagger: '2.0', info, paths: pathsOf(types, 'v2'), definitions: schemasOf(types, crds, 'v2')};
	v2Cache.set(store, {key, doc});
	return {key, doc};
}
