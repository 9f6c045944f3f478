// Small helpers the simulated controllers (operator, workloads, tunnel) use on an ObjectStore:
// idempotent writes that only touch the store when something really changes.
import {isDeepStrictEqual} from 'node:util';
import {ApiError, type KubeObject, type ObjectStore, type ResourceType} from './types.js';
import {nowTimestamp} from './flat-string.js';

export function typeOf(store: ObjectStore, apiVersion: string, kind: string): ResourceType | undefined {
	return store.lookupKind(apiVersion, kind);
}

export function getObject(store: ObjectStore, apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
	const type = typeOf(store, apiVersion, kind);
	return type ? store.get(type, namespace, name) : undefined;
}

export function listObjects(store: ObjectStore, apiVersion: string, kind: string, namespace?: string): KubeObject[] {
	const type = typeOf(store, apiVersion, kind);
	return type ? store.list(type, namespace ? {namespace} : undefined) : [];
}

/** Creates the object when it is missing (a namespace is created first when needed). Returns what is stored. */
export function ensureObject(store: ObjectStore, obj: KubeObject): KubeObject | undefined {
	const type = typeOf(store, obj.apiVersion, obj.kind);
	if (!type) return undefined;
	const existing = store.get(type, obj.metadata.namespace, obj.metadata.name);
	if (existing) return existing;
	if (type.namespaced && obj.metadata.namespace) ensureNamespace(store, obj.metadata.namespace);
	try {
		return store.create(type, obj);
	} catch (error) {
		if (error instanceof ApiError && error.code === 409) return store.get(type, obj.metadata.namespace, obj.metadata.name);
		throw error;
	}
}

export function ensureNamespace(store: ObjectStore, name: string): void {
	const type = typeOf(store, 'v1', 'Namespace');
	if (type && !store.get(type, undefined, name)) store.create(type, {apiVersion: 'v1', kind: 'Namespace', metadata: {name}});
}

/** Writes .status when it differs (through the status subresource when the type has one). */
export function writeStatus(store: ObjectStore, type: ResourceType, current: KubeObject, status: unknown): KubeObject {
	if (isDeepStrictEqual(current.status, status)) return current;
	const next = {...current, status, metadata: {...current.metadata}};
	delete next.metadata.resourceVersion;
	return store.update(type, next, type.statusSubresource ? {subresource: 'status'} : undefined);
}

export function deleteIfPresent(store: ObjectStore, type: ResourceType | undefined, namespace: string | undefined, name: string): boolean {
	if (!type || !store.get(type, namespace, name)) return false;
	try {
		store.delete(type, namespace, name);
		return true;
	} catch (error) {
		if (error instanceof ApiError && error.code === 404) return false;
		throw error;
	}
}

export function now(): string {
	return nowTimestamp();
}

/** A stable short hash (FNV-1a), for names such as `tigera-operator-5f7c9d8b6-x2k4p`. */
export function shortHash(text: string, length = 10): string {
	let h = 0x811c9dc5;
	let out = '';
	for (let round = 0; out.length < length; round++) {
		for (let i = 0; i < text.length; i++) {
			h ^= text.charCodeAt(i) + round;
			h = Math.imul(h, 0x01000193) >>> 0;
		}
		out += h.toString(36);
	}
	return out.replace(/[^a-z0-9]/g, 'x').slice(0, length);
}
