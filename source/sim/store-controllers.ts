// What kube's own controllers do right after a write, inside the store: a CRD's types are served
// and it is Established; a namespace gets its `default` ServiceAccount; deleting a CRD or a
// namespace deletes what it held.
import {crdToTypes, establishedStatus} from './crd.js';
import type {KubeObject, ObjectStore, ResourceType} from './types.js';
import type {TypeRegistry} from './store-types.js';
import {nowTimestamp} from './flat-string.js';

export const isCrdType = (type: ResourceType) => type.group === 'apiextensions.k8s.io' && type.resource === 'customresourcedefinitions';
const isCore = (type: ResourceType, resource: string) => type.group === '' && type.resource === resource;

type Condition = {type: string; status: string; lastTransitionTime: string};

export type StoreInternals = {
	store: ObjectStore;
	types: TypeRegistry;
	/** The stored object itself (not a copy), for reads that must not clone a large CRD. */
	raw(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
	/** Deletes every object of `type` (in `namespace` when given), with events. */
	deleteAll(type: ResourceType, namespace?: string): void;
	dropStorage(type: ResourceType): void;
};

export class BuiltinControllers {
	constructor(private readonly s: StoreInternals) {}

	afterCreate(type: ResourceType, obj: KubeObject): void {
		if (isCrdType(type)) {
			for (const t of crdToTypes(obj)) this.s.types.register(t);
			this.establish(obj);
		} else if (isCore(type, 'namespaces')) {
			const saType = this.s.types.anyVersion('', 'serviceaccounts');
			// The service-account controller gives every namespace a `default` account.
			if (saType) this.s.store.create(saType, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default', namespace: obj.metadata.name}});
		}
	}

	afterUpdate(type: ResourceType, obj: KubeObject, old: KubeObject): void {
		if (!isCrdType(type)) return;
		const after = crdToTypes(obj);
		for (const t of crdToTypes(old)) {
			if (!after.some((a) => a.group === t.group && a.version === t.version && a.resource === t.resource)) this.s.types.unregister(t.group, t.version, t.resource);
		}
		for (const t of after) this.s.types.register(t);
		this.establish(obj);
	}

	afterDelete(type: ResourceType, obj: KubeObject): void {
		if (isCrdType(type)) {
			const types = crdToTypes(obj);
			if (types.length > 0) this.s.deleteAll(types[0]);
			for (const t of types) this.s.types.unregister(t.group, t.version, t.resource);
			if (types[0]) this.s.dropStorage(types[0]);
		} else if (isCore(type, 'namespaces')) {
			const seen = new Set<string>();
			for (const t of this.s.types.all()) {
				const key = `${t.group}/${t.resource}`;
				if (!t.namespaced || seen.has(key)) continue;
				seen.add(key);
				this.s.deleteAll(t, obj.metadata.name);
			}
		}
	}

	/** The status a real apiextensions server sets once the names are accepted and the API is served. */
	private establish(crd: KubeObject): void {
		const crdType = this.s.types.anyVersion('apiextensions.k8s.io', 'customresourcedefinitions');
		const current = crdType ? this.s.raw(crdType, undefined, crd.metadata.name) : undefined;
		if (!crdType || !current) return;
		const status = establishedStatus(current, nowTimestamp());
		// Keep the original transition times when nothing changed, so re-applies do not churn.
		const previous = (current.status as {conditions?: Condition[]} | undefined)?.conditions;
		for (const c of status.conditions as Condition[]) {
			const before = previous?.find((p) => p.type === c.type && p.status === c.status);
			if (before) c.lastTransitionTime = before.lastTransitionTime;
		}
		this.s.store.update(crdType, {...current, status}, {subresource: 'status'});
	}
}
