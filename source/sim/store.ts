// The in-memory object store of one simulated cluster: what etcd plus the generic registry do in
// Kubernetes (resourceVersions, uids, generation, validation of names, watch history, admission).
import {randomUUID} from 'node:crypto';
import {isDeepStrictEqual} from 'node:util';
import {builtinTypes} from './builtin-types.js';
import {applyBuiltinDefaults} from './builtin-defaults.js';
import {cloneJson, cloneSharing} from './clone.js';
import {crdToTypes, establishedStatus, validateCrd} from './crd.js';
import {generateSuffix, nameCauses} from './names.js';
import {createPodLogs} from './pod-logs.js';
import {parseFieldSelector, parseLabelSelector} from './selectors.js';
import {alreadyExists, gone, invalid, notFound, staleConflict} from './status-error.js';
import {internSpec} from './shared-spec.js';
import {seedObjects} from './store-seed.js';
import {decodeObject, validateObject, type WriteOptions} from './validation/admit.js';
import {
	ApiError,
	type Admission,
	type AdmissionOp,
	type KubeObject,
	type ListOptions,
	type ObjectStore,
	type ResourceType,
	type StoreEvent,
} from './types.js';

/** How many change events a store keeps for watches that resume; older resumes get 410 Gone. */
export const watchHistoryLimit = 10_000;

type HistoryEntry = {rv: number; storageKey: string; event: StoreEvent};

const storageKeyOf = (t: Pick<ResourceType, 'group' | 'resource'>) => `${t.group}/${t.resource}`;
const gvrKey = (group: string, version: string, resource: string) => `${group}/${version}/${resource}`;
const apiVersionOf = (t: Pick<ResourceType, 'group' | 'version'>) => (t.group ? `${t.group}/${t.version}` : t.version);
const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

function isCore(type: ResourceType, resource: string): boolean {
	return type.group === '' && type.resource === resource;
}

function isCrdType(type: ResourceType): boolean {
	return type.group === 'apiextensions.k8s.io' && type.resource === 'customresourcedefinitions';
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

export function createObjectStore(): ObjectStore {
	let revision = 0;
	const typesByGvr = new Map<string, ResourceType>();
	const typesByKind = new Map<string, ResourceType>();
	const storage = new Map<string, Map<string, KubeObject>>();
	const listeners = new Set<(event: StoreEvent) => void>();
	const admissions: Admission[] = [];
	let history: HistoryEntry[] = [];
	/** Watches may resume from any version >= historyFloor. */
	let historyFloor = 0;
	const pending: StoreEvent[] = [];
	let emitting = false;

	const bucket = (type: ResourceType) => {
		const key = storageKeyOf(type);
		let b = storage.get(key);
		if (!b) {
			b = new Map();
			storage.set(key, b);
		}
		return b;
	};

	// Listeners may write to the store from inside a callback: queue those events so that every
	// listener sees events in resourceVersion order.
	const emit = (event: StoreEvent) => {
		const rv = Number(event.object.metadata.resourceVersion);
		history.push({rv, storageKey: storageKeyOf(event.resourceType), event});
		if (history.length > watchHistoryLimit + watchHistoryLimit / 10) {
			const drop = history.length - watchHistoryLimit;
			historyFloor = history[drop - 1].rv;
			history = history.slice(drop);
		}
		pending.push(event);
		if (emitting) return;
		emitting = true;
		try {
			while (pending.length > 0) {
				const next = pending.shift() as StoreEvent;
				for (const listener of [...listeners]) {
					try {
						listener(next);
					} catch (error) {
						console.error(`sim store: a change listener failed: ${error instanceof Error ? error.stack : String(error)}`);
					}
				}
			}
		} finally {
			emitting = false;
		}
	};

	const runAdmission = (op: AdmissionOp, type: ResourceType, obj: KubeObject, old?: KubeObject): KubeObject => {
		let current = obj;
		for (const admission of [...admissions]) {
			const changed = admission.validate?.(op, type, current, old);
			if (changed) current = changed;
		}
		return current;
	};

	const lookupKind = (apiVersion: string, kind: string) => typesByKind.get(`${apiVersion}/${kind}`);
	const lookup = (group: string, version: string, resource: string) => typesByGvr.get(gvrKey(group, version, resource));

	const anyTypeFor = (group: string, resource: string): ResourceType | undefined => {
		for (const t of typesByGvr.values()) if (t.group === group && t.resource === resource) return t;
		return undefined;
	};

	const registerType = (type: ResourceType) => {
		typesByGvr.set(gvrKey(type.group, type.version, type.resource), type);
		typesByKind.set(`${apiVersionOf(type)}/${type.kind}`, type);
	};

	const unregisterType = (group: string, version: string, resource: string) => {
		const type = typesByGvr.get(gvrKey(group, version, resource));
		if (!type) return;
		typesByGvr.delete(gvrKey(group, version, resource));
		const kindKey = `${apiVersionOf(type)}/${type.kind}`;
		if (typesByKind.get(kindKey) === type) typesByKind.delete(kindKey);
	};

	const servicesOf = () => [...(storage.get('/services')?.values() ?? [])];

	const namespaceExists = (name: string) => storage.get('/namespaces')?.has(objectKey(undefined, name)) ?? false;

	const checkNamespace = (type: ResourceType, obj: KubeObject) => {
		if (!type.namespaced) {
			delete obj.metadata.namespace;
			return;
		}
		obj.metadata.namespace ||= 'default';
		const namespaces = anyTypeFor('', 'namespaces');
		if (namespaces && !namespaceExists(obj.metadata.namespace)) throw notFound(namespaces, obj.metadata.namespace);
	};

	const prepare = (type: ResourceType, input: KubeObject): KubeObject => {
		if (input === null || typeof input !== 'object' || Array.isArray(input)) {
			throw new ApiError(400, 'BadRequest', 'the object to store must be a JSON object');
		}
		// A CRD's spec is shared with every other cluster holding the same one (shared-spec.ts).
		const crd = isCrdType(type);
		const obj = {} as KubeObject;
		for (const key of Object.keys(input)) obj[key] = crd && key === 'spec' ? internSpec(input.spec) : cloneJson(input[key]);
		obj.apiVersion ||= apiVersionOf(type);
		obj.kind ||= type.kind;
		if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) obj.metadata = {name: ''};
		return obj;
	};

	const store: ObjectStore = {
		get resourceVersion() {
			return revision;
		},

		types: () => [...typesByGvr.values()],
		registerType,
		unregisterType,
		lookup,
		lookupKind,

		get(type, namespace, name) {
			const obj = storage.get(storageKeyOf(type))?.get(objectKey(type.namespaced ? namespace : undefined, name));
			return obj ? inVersion(obj, type) : undefined;
		},

		list(type, options?: ListOptions) {
			const matchLabels = parseLabelSelector(options?.labelSelector);
			const matchFields = parseFieldSelector(options?.fieldSelector);
			const out: KubeObject[] = [];
			const b = storage.get(storageKeyOf(type));
			if (!b) return out;
			for (const obj of b.values()) {
				if (type.namespaced && options?.namespace && obj.metadata.namespace !== options.namespace) continue;
				if (!matchLabels(obj.metadata.labels) || !matchFields(obj)) continue;
				out.push(inVersion(obj, type));
			}
			out.sort((a, b2) => objectKey(a.metadata.namespace, a.metadata.name).localeCompare(objectKey(b2.metadata.namespace, b2.metadata.name)));
			return out;
		},

		create(type, input, options: WriteOptions = {}) {
			let obj = prepare(type, input);
			decodeObject(type, obj, options);
			const meta = obj.metadata;
			if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
			if (!meta.name) {
				throw invalid(type, '', [{field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired'}]);
			}
			const causes = nameCauses(type, meta.name);
			if (causes.length > 0) throw invalid(type, meta.name, causes);
			checkNamespace(type, obj);
			const b = bucket(type);
			const key = objectKey(obj.metadata.namespace, obj.metadata.name);
			if (b.has(key)) throw alreadyExists(type, obj.metadata.name);
			if (isCrdType(type)) validateCrd(obj);
			applyBuiltinDefaults(type, obj, undefined, {services: servicesOf});
			validateObject(type, obj);
			obj = runAdmission('create', type, obj);
			obj.metadata.uid = randomUUID();
			obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
			obj.metadata.generation = 1;
			delete obj.metadata.deletionTimestamp;
			if (options.dryRun) return sharedInVersion(obj, type);
			obj.metadata.resourceVersion = String(++revision);
			b.set(key, obj);
			const stored = sharedInVersion(obj, type);
			emit({type: 'ADDED', resourceType: type, object: stored});
			afterCreate(type, obj);
			return stored;
		},

		update(type, input, options = {}) {
			const incoming = prepare(type, input);
			decodeObject(type, incoming, options);
			const namespace = type.namespaced ? incoming.metadata.namespace || 'default' : undefined;
			const b = bucket(type);
			const key = objectKey(namespace, incoming.metadata.name ?? '');
			const existing = b.get(key);
			if (!existing) throw notFound(type, incoming.metadata.name ?? '');
			const wantedRv = incoming.metadata.resourceVersion;
			if (wantedRv && wantedRv !== existing.metadata.resourceVersion) throw staleConflict(type, existing.metadata.name);
			let obj: KubeObject;
			if (options?.subresource === 'status') {
				obj = cloneSharing(existing);
				if (incoming.status === undefined) delete obj.status;
				else obj.status = incoming.status;
			} else {
				obj = incoming;
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
			}
			obj.metadata.resourceVersion = existing.metadata.resourceVersion;
			if (isCrdType(type) && options?.subresource !== 'status') validateCrd(obj);
			applyBuiltinDefaults(type, obj, existing, {services: servicesOf});
			validateObject(type, obj, existing);
			obj = runAdmission('update', type, obj, inVersion(existing, type));
			if (options?.subresource !== 'status' && !isDeepStrictEqual(specPart(obj), specPart(existing))) {
				obj.metadata.generation = (existing.metadata.generation ?? 1) + 1;
			}
			const comparable = {...obj, apiVersion: existing.apiVersion};
			if (isDeepStrictEqual(comparable, existing)) return sharedInVersion(existing, type);
			if (options.dryRun) return sharedInVersion(obj, type);
			obj.metadata.resourceVersion = String(++revision);
			if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
				b.delete(key);
				emit({type: 'DELETED', resourceType: type, object: sharedInVersion(obj, type), old: sharedInVersion(existing, type)});
				afterDelete(type, obj);
				return inVersion(obj, type);
			}
			b.set(key, obj);
			const stored = sharedInVersion(obj, type);
			emit({type: 'MODIFIED', resourceType: type, object: stored, old: sharedInVersion(existing, type)});
			if (isCrdType(type) && options?.subresource !== 'status') afterCrdChange(obj, existing);
			return stored;
		},

		delete(type, namespace, name) {
			const b = bucket(type);
			const key = objectKey(type.namespaced ? namespace || 'default' : undefined, name);
			const existing = b.get(key);
			if (!existing) throw notFound(type, name);
			runAdmission('delete', type, inVersion(existing, type), inVersion(existing, type));
			if ((existing.metadata.finalizers ?? []).length > 0) {
				// Finalizers hold the object: it only gets a deletionTimestamp, like a real API server.
				if (existing.metadata.deletionTimestamp) return inVersion(existing, type);
				const marked = cloneJson(existing);
				marked.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
				marked.metadata.resourceVersion = String(++revision);
				b.set(key, marked);
				emit({type: 'MODIFIED', resourceType: type, object: sharedInVersion(marked, type), old: sharedInVersion(existing, type)});
				return inVersion(marked, type);
			}
			b.delete(key);
			const deleted = cloneJson(existing);
			deleted.metadata.resourceVersion = String(++revision);
			emit({type: 'DELETED', resourceType: type, object: sharedInVersion(deleted, type), old: sharedInVersion(existing, type)});
			afterDelete(type, deleted);
			return inVersion(deleted, type);
		},

		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},

		eventsSince(type, resourceVersion) {
			if (resourceVersion < historyFloor) {
				throw gone(`too old resource version: ${resourceVersion} (${historyFloor})`);
			}
			const key = storageKeyOf(type);
			// History is ordered by rv: binary search for the first newer event.
			let lo = 0;
			let hi = history.length;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				if (history[mid].rv <= resourceVersion) lo = mid + 1;
				else hi = mid;
			}
			const out: StoreEvent[] = [];
			for (let i = lo; i < history.length; i++) {
				const entry = history[i];
				if (entry.storageKey !== key) continue;
				const e = entry.event;
				out.push(e.resourceType === type ? e : {
					type: e.type,
					resourceType: type,
					object: sharedInVersion(e.object, type),
					...(e.old ? {old: sharedInVersion(e.old, type)} : {}),
				});
			}
			return out;
		},

		expireHistory() {
			history = [];
			historyFloor = revision;
		},

		addAdmission(admission) {
			admissions.push(admission);
			return () => {
				const i = admissions.indexOf(admission);
				if (i >= 0) admissions.splice(i, 1);
			};
		},

		createResponse(type, stored) {
			let response = stored;
			for (const admission of [...admissions]) {
				if (admission.createResponse) response = admission.createResponse(type, response);
			}
			return response;
		},

		logs: createPodLogs(),
	};

	const crdRegisteredTypes = (crd: KubeObject) => crdToTypes(crd);

	function establish(crd: KubeObject) {
		const crdType = anyTypeFor('apiextensions.k8s.io', 'customresourcedefinitions');
		if (!crdType) return;
		const current = storage.get(storageKeyOf(crdType))?.get(objectKey(undefined, crd.metadata.name));
		if (!current) return;
		const status = establishedStatus(current, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
		// Keep the original transition times when nothing changed, so re-applies do not churn.
		const previous = (current.status as {conditions?: Array<{type: string; status: string; lastTransitionTime: string}>} | undefined)?.conditions;
		for (const c of (status.conditions as Array<{type: string; status: string; lastTransitionTime: string}>)) {
			const before = previous?.find((p) => p.type === c.type && p.status === c.status);
			if (before) c.lastTransitionTime = before.lastTransitionTime;
		}
		store.update(crdType, {...current, status}, {subresource: 'status'});
	}

	function afterCreate(type: ResourceType, obj: KubeObject) {
		if (isCrdType(type)) {
			for (const t of crdRegisteredTypes(obj)) registerType(t);
			establish(obj);
		} else if (isCore(type, 'namespaces')) {
			const saType = anyTypeFor('', 'serviceaccounts');
			// The service-account controller gives every namespace a `default` account.
			if (saType) store.create(saType, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default', namespace: obj.metadata.name}});
		}
	}

	function afterCrdChange(crd: KubeObject, old: KubeObject) {
		const before = crdRegisteredTypes(old);
		const after = crdRegisteredTypes(crd);
		for (const t of before) {
			if (!after.some((a) => a.group === t.group && a.version === t.version && a.resource === t.resource)) unregisterType(t.group, t.version, t.resource);
		}
		for (const t of after) registerType(t);
		establish(crd);
	}

	function deleteAll(type: ResourceType, namespace?: string) {
		const b = storage.get(storageKeyOf(type));
		if (!b) return;
		for (const obj of [...b.values()]) {
			if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
			b.delete(objectKey(obj.metadata.namespace, obj.metadata.name));
			const deleted = cloneJson(obj);
			deleted.metadata.resourceVersion = String(++revision);
			emit({type: 'DELETED', resourceType: type, object: sharedInVersion(deleted, type), old: sharedInVersion(obj, type)});
		}
	}

	function afterDelete(type: ResourceType, obj: KubeObject) {
		if (isCrdType(type)) {
			const types = crdRegisteredTypes(obj);
			if (types.length > 0) deleteAll(types[0]);
			for (const t of types) unregisterType(t.group, t.version, t.resource);
			storage.delete(storageKeyOf(types[0] ?? {group: '', resource: ''}));
		} else if (isCore(type, 'namespaces')) {
			const seen = new Set<string>();
			for (const t of typesByGvr.values()) {
				if (!t.namespaced || seen.has(storageKeyOf(t))) continue;
				seen.add(storageKeyOf(t));
				deleteAll(t, obj.metadata.name);
			}
		}
	}

	for (const t of builtinTypes) registerType(t);
	seedObjects(store);
	return store;
}
