// The in-memory object store of one simulated cluster: what etcd plus the generic registry do in
// Kubernetes (resourceVersions, uids, generation, name checks, decoding and validation, admission).
// The served types, the change feed and the built-in controllers are objects of their own.
import {isDeepStrictEqual} from 'node:util';
import {builtinTypes} from './builtin-types.js';
import {applyBuiltinDefaults} from './builtin-defaults.js';
import {cloneJson, cloneSharing} from './clone.js';
import {validateCrd} from './crd.js';
import {generateSuffix, nameCauses} from './names.js';
import {createPodLogs} from './pod-logs.js';
import {parseFieldSelector, parseLabelSelector} from './selectors.js';
import {internSpec} from './shared-spec.js';
import {alreadyExists, invalid, notFound, staleConflict} from './status-error.js';
import {BuiltinControllers, isCrdType} from './store-controllers.js';
import {ChangeFeed, storageKeyOf} from './store-feed.js';
import {seedObjects} from './store-seed.js';
import {apiVersionOf, TypeRegistry} from './store-types.js';
import {
	ApiError,
	type Admission,
	type AdmissionOp,
	type KubeObject,
	type ListOptions,
	type ObjectStore,
	type PodLogs,
	type ResourceType,
	type StoreEvent,
} from './types.js';
import {decodeObject, validateObject, type WriteOptions} from './validation/admit.js';
import {flatUuid, nowTimestamp} from './flat-string.js';

export {watchHistoryLimit} from './store-feed.js';

const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
const timestamp = nowTimestamp;
/** Code-unit order, which is byte order for the ASCII that object names are made of. */
const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Order by objectKey without making the keys: objects of one namespace (or cluster-scoped ones) share
 * the key's `namespace/` prefix, so their names decide; only keys across namespaces are compared whole.
 */
function byKey(a: KubeObject, b: KubeObject): number {
	const an = a.metadata.namespace;
	const bn = b.metadata.namespace;
	if (an === bn) return byBytes(a.metadata.name, b.metadata.name);
	return byBytes(objectKey(an, a.metadata.name), objectKey(bn, b.metadata.name));
}

/** Objects are served in the version asked for; versions of one resource share storage (no conversion). */
function inVersion(obj: KubeObject, type: ResourceType): KubeObject {
	const copy = cloneJson(obj);
	copy.apiVersion = apiVersionOf(type);
	return copy;
}

/** As inVersion, sharing frozen parts (a CRD's spec): for events and write results, which nobody edits. */
function sharedInVersion(obj: KubeObject, type: ResourceType): KubeObject {
	const copy = cloneSharing(obj);
	copy.apiVersion = apiVersionOf(type);
	return copy;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specPart(obj: KubeObject): Record<string, unknown> {
	const {metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest} = obj;
	return rest;
}

class MemoryStore implements ObjectStore {
	private revision = 0;
	private readonly typeRegistry = new TypeRegistry();
	private readonly storage = new Map<string, Map<string, KubeObject>>();
	private readonly admissions: Admission[] = [];
	private readonly feed = new ChangeFeed(sharedInVersion);

	private readonly controllers = new BuiltinControllers({
		store: this,
		types: this.typeRegistry,
		raw: (type, namespace, name) => this.storage.get(storageKeyOf(type))?.get(objectKey(namespace, name)),
		deleteAll: (type, namespace) => this.deleteAll(type, namespace),
		dropStorage: (type) => this.storage.delete(storageKeyOf(type)),
	});

	readonly logs: PodLogs = createPodLogs();

	constructor() {
		for (const t of builtinTypes) this.typeRegistry.register(t);
		seedObjects(this);
	}

	get resourceVersion(): number {
		return this.revision;
	}

	types(): ResourceType[] {
		return this.typeRegistry.all();
	}

	registerType(type: ResourceType): void {
		this.typeRegistry.register(type);
	}

	unregisterType(group: string, version: string, resource: string): void {
		this.typeRegistry.unregister(group, version, resource);
	}

	lookup(group: string, version: string, resource: string): ResourceType | undefined {
		return this.typeRegistry.lookup(group, version, resource);
	}

	lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
		return this.typeRegistry.lookupKind(apiVersion, kind);
	}

	get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
		const obj = this.getStored(type, namespace, name);
		return obj ? inVersion(obj, type) : undefined;
	}

	getStored(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
		return this.storage.get(storageKeyOf(type))?.get(objectKey(type.namespaced ? namespace : undefined, name));
	}

	list(type: ResourceType, options?: ListOptions): KubeObject[] {
		const matchLabels = parseLabelSelector(options?.labelSelector);
		const matchFields = parseFieldSelector(options?.fieldSelector, type);
		const out: KubeObject[] = [];
		for (const obj of this.objectsAt(type, options?.revision)) {
			if (type.namespaced && options?.namespace && obj.metadata.namespace !== options.namespace) continue;
			if (!matchLabels(obj.metadata.labels) || !matchFields(obj)) continue;
			out.push(options?.stored ? obj : inVersion(obj, type));
		}
		// etcd's order: keys by their bytes, the order a `continue` token resumes in (not the locale's,
		// which puts `system:a` before `system0` and `B` after `a`, so a page could skip or repeat one).
		out.sort(byKey);
		return out;
	}

	get oldestRevision(): number {
		return this.feed.oldestRevision;
	}

	/** The stored versions of `type` now, or at `revision` (etcd's read at a revision): the changes since undone. */
	private objectsAt(type: ResourceType, revision: number | undefined): Iterable<KubeObject> {
		const bucket = this.storage.get(storageKeyOf(type));
		if (revision === undefined || revision >= this.revision) return bucket?.values() ?? [];
		if (revision < this.feed.oldestRevision) throw new Error(`the store cannot be read at ${revision}: its history starts at ${this.feed.oldestRevision}`);
		const objects = new Map(bucket ?? []);
		this.feed.rewind(type, revision, objects, (o) => objectKey(o.metadata.namespace, o.metadata.name));
		return objects.values();
	}

	create(type: ResourceType, input: KubeObject, options: WriteOptions = {}): KubeObject {
		let obj = this.prepare(type, input);
		decodeObject(type, obj, options);
		const meta = obj.metadata;
		if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
		if (!meta.name) {
			throw invalid(type, '', [{field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired'}]);
		}
		const causes = nameCauses(type, meta.name);
		if (causes.length > 0) throw invalid(type, meta.name, causes);
		this.checkNamespace(type, obj);
		const bucket = this.bucket(type);
		const key = objectKey(obj.metadata.namespace, obj.metadata.name);
		if (bucket.has(key)) throw alreadyExists(type, obj.metadata.name);
		if (isCrdType(type)) validateCrd(obj);
		applyBuiltinDefaults(type, obj, undefined, {services: () => this.services()});
		validateObject(type, obj);
		obj = this.admit('create', type, obj);
		obj.metadata.uid = flatUuid();
		obj.metadata.creationTimestamp = timestamp();
		obj.metadata.generation = 1;
		delete obj.metadata.deletionTimestamp;
		if (options.dryRun) return sharedInVersion(obj, type);
		obj.metadata.resourceVersion = String(++this.revision);
		bucket.set(key, obj);
		const stored = this.feed.emit({type: 'ADDED', resourceType: type, object: obj}).object;
		this.controllers.afterCreate(type, obj);
		return stored;
	}

	update(type: ResourceType, input: KubeObject, options: WriteOptions & {subresource?: 'status'} = {}): KubeObject {
		const incoming = this.prepare(type, input);
		decodeObject(type, incoming, options);
		const namespace = type.namespaced ? incoming.metadata.namespace || 'default' : undefined;
		const bucket = this.bucket(type);
		const key = objectKey(namespace, incoming.metadata.name ?? '');
		const existing = bucket.get(key);
		if (!existing) throw notFound(type, incoming.metadata.name ?? '');
		const wantedRv = incoming.metadata.resourceVersion;
		if (wantedRv && wantedRv !== existing.metadata.resourceVersion) throw staleConflict(type, existing.metadata.name);
		const status = options.subresource === 'status';
		let obj = status ? this.withStatus(existing, incoming) : this.withSpec(type, existing, incoming);
		obj.metadata.resourceVersion = existing.metadata.resourceVersion;
		if (isCrdType(type) && !status) validateCrd(obj);
		applyBuiltinDefaults(type, obj, existing, {services: () => this.services()});
		validateObject(type, obj, existing);
		obj = this.admit('update', type, obj, sharedInVersion(existing, type));
		if (!status && !isDeepStrictEqual(specPart(obj), specPart(existing))) obj.metadata.generation = (existing.metadata.generation ?? 1) + 1;
		if (isDeepStrictEqual({...obj, apiVersion: existing.apiVersion}, existing)) return sharedInVersion(existing, type);
		if (options.dryRun) return sharedInVersion(obj, type);
		obj.metadata.resourceVersion = String(++this.revision);
		if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
			bucket.delete(key);
			this.feed.emit({type: 'DELETED', resourceType: type, object: obj, old: existing});
			this.controllers.afterDelete(type, obj);
			return inVersion(obj, type);
		}
		bucket.set(key, obj);
		const stored = this.feed.emit({type: 'MODIFIED', resourceType: type, object: obj, old: existing}).object;
		if (!status) this.controllers.afterUpdate(type, obj, existing);
		return stored;
	}

	delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
		const bucket = this.bucket(type);
		const key = objectKey(type.namespaced ? namespace || 'default' : undefined, name);
		const existing = bucket.get(key);
		if (!existing) throw notFound(type, name);
		this.admit('delete', type, sharedInVersion(existing, type), sharedInVersion(existing, type));
		if ((existing.metadata.finalizers ?? []).length > 0) {
			// Finalizers hold the object: it only gets a deletionTimestamp, like a real API server.
			if (existing.metadata.deletionTimestamp) return inVersion(existing, type);
			const marked = cloneSharing(existing);
			marked.metadata.deletionTimestamp = timestamp();
			marked.metadata.resourceVersion = String(++this.revision);
			bucket.set(key, marked);
			this.feed.emit({type: 'MODIFIED', resourceType: type, object: marked, old: existing});
			return inVersion(marked, type);
		}
		bucket.delete(key);
		const deleted = cloneSharing(existing);
		deleted.metadata.resourceVersion = String(++this.revision);
		this.feed.emit({type: 'DELETED', resourceType: type, object: deleted, old: existing});
		this.controllers.afterDelete(type, deleted);
		return inVersion(deleted, type);
	}

	subscribe(listener: (event: StoreEvent) => void): () => void {
		return this.feed.subscribe(listener);
	}

	eventsSince(type: ResourceType, resourceVersion: number): StoreEvent[] {
		return this.feed.since(type, resourceVersion);
	}

	expireHistory(): void {
		this.feed.expire(this.revision);
	}

	addAdmission(admission: Admission): () => void {
		this.admissions.push(admission);
		return () => {
			const i = this.admissions.indexOf(admission);
			if (i >= 0) this.admissions.splice(i, 1);
		};
	}

	createResponse(type: ResourceType, stored: KubeObject): KubeObject {
		let response = stored;
		for (const admission of [...this.admissions]) {
			if (admission.createResponse) response = admission.createResponse(type, response);
		}
		return response;
	}

	/** A private copy of the request's object; a CRD's spec is shared with every cluster holding the same one. */
	private prepare(type: ResourceType, input: KubeObject): KubeObject {
		if (input === null || typeof input !== 'object' || Array.isArray(input)) {
			throw new ApiError(400, 'BadRequest', 'the object to store must be a JSON object');
		}
		const crd = isCrdType(type);
		const obj = {} as KubeObject;
		for (const key of Object.keys(input)) obj[key] = crd && key === 'spec' ? internSpec(input.spec) : cloneJson(input[key]);
		obj.apiVersion ||= apiVersionOf(type);
		obj.kind ||= type.kind;
		if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) obj.metadata = {name: ''};
		return obj;
	}

	/** PUT .../status: only the status changes. */
	private withStatus(existing: KubeObject, incoming: KubeObject): KubeObject {
		const obj = cloneSharing(existing);
		if (incoming.status === undefined) delete obj.status;
		else obj.status = incoming.status;
		return obj;
	}

	/** PUT on the resource: everything but status (when it has its own subresource) and the server's bookkeeping. */
	private withSpec(type: ResourceType, existing: KubeObject, obj: KubeObject): KubeObject {
		if (type.statusSubresource) {
			if (existing.status === undefined) delete obj.status;
			else obj.status = cloneJson(existing.status);
		}
		// Identity and bookkeeping are the server's, whatever the client sent.
		obj.metadata.uid = existing.metadata.uid;
		obj.metadata.creationTimestamp = existing.metadata.creationTimestamp;
		obj.metadata.generation = existing.metadata.generation;
		if (existing.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = existing.metadata.deletionTimestamp;
		else delete obj.metadata.deletionTimestamp;
		obj.metadata.namespace = existing.metadata.namespace;
		if (!type.namespaced) delete obj.metadata.namespace;
		return obj;
	}

	private admit(op: AdmissionOp, type: ResourceType, obj: KubeObject, old?: KubeObject): KubeObject {
		let current = obj;
		for (const admission of [...this.admissions]) {
			const changed = admission.validate?.(op, type, current, old);
			if (changed) current = changed;
		}
		return current;
	}

	private bucket(type: ResourceType): Map<string, KubeObject> {
		const key = storageKeyOf(type);
		let b = this.storage.get(key);
		if (!b) {
			b = new Map();
			this.storage.set(key, b);
		}
		return b;
	}

	private services(): KubeObject[] {
		return [...(this.storage.get('/services')?.values() ?? [])];
	}

	private checkNamespace(type: ResourceType, obj: KubeObject): void {
		if (!type.namespaced) {
			delete obj.metadata.namespace;
			return;
		}
		obj.metadata.namespace ||= 'default';
		const namespaces = this.typeRegistry.anyVersion('', 'namespaces');
		if (namespaces && !this.storage.get('/namespaces')?.has(objectKey(undefined, obj.metadata.namespace))) throw notFound(namespaces, obj.metadata.namespace);
	}

	private deleteAll(type: ResourceType, namespace?: string): void {
		const bucket = this.storage.get(storageKeyOf(type));
		if (!bucket) return;
		for (const obj of [...bucket.values()]) {
			if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
			bucket.delete(objectKey(obj.metadata.namespace, obj.metadata.name));
			const deleted = cloneSharing(obj);
			deleted.metadata.resourceVersion = String(++this.revision);
			this.feed.emit({type: 'DELETED', resourceType: type, object: deleted, old: obj});
		}
	}
}

export function createObjectStore(): ObjectStore {
	return new MemoryStore();
}
