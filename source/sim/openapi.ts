// A minimal OpenAPI v3 index: kubectl asks it whether PATCH supports the `fieldValidation` query
// parameter (then the server validates and kubectl skips client-side schema validation, which would
// need the full /openapi/v2 document). Paths carry x-kubernetes-group-version-kind as kube's do.
import {createHash} from 'node:crypto';
import {servedTypes} from './discovery.js';
import type {ObjectStore, ResourceType} from './types.js';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function hashOf(types: ResourceType[]): string {
	return createHash('sha256').update(types.map((t) => `${t.kind}/${t.resource}/${t.namespaced}`).join(',')).digest('hex').slice(0, 32).toUpperCase();
}

export function openApiRoot(store: ObjectStore) {
	const byGv = new Map<string, ResourceType[]>();
	for (const t of servedTypes(store)) {
		const key = gvPath(t.group, t.version);
		byGv.set(key, [...(byGv.get(key) ?? []), t]);
	}
	const paths: Record<string, {serverRelativeURL: string}> = {};
	for (const [key, types] of byGv) paths[key] = {serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(types)}`};
	return {paths};
}

const fieldValidation = {
	name: 'fieldValidation',
	in: 'query',
	description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
	schema: {type: 'string', uniqueItems: true},
};

/** The per-group-version document, or undefined when nothing is served there. */
export function openApiGroupVersion(store: ObjectStore, pathAfterV3: string) {
	const types = servedTypes(store).filter((t) => gvPath(t.group, t.version) === pathAfterV3);
	if (types.length === 0) return undefined;
	const paths: Record<string, unknown> = {};
	for (const t of types) {
		const base = `/${gvPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}`;
		const gvk = {group: t.group, version: t.version, kind: t.kind};
		if (!t.verbs.includes('patch')) {
			paths[base] = {post: {'x-kubernetes-group-version-kind': gvk, parameters: [fieldValidation]}};
			continue;
		}
		paths[`${base}/{name}`] = {
			get: {'x-kubernetes-group-version-kind': gvk},
			put: {'x-kubernetes-group-version-kind': gvk, parameters: [fieldValidation]},
			patch: {'x-kubernetes-group-version-kind': gvk, parameters: [fieldValidation]},
		};
	}
	return {openapi: '3.0.0', info: {title: 'Kubernetes', version: 'v1.30.4'}, paths, components: {schemas: {}}};
}
