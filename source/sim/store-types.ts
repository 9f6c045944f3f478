// The served resource types of one store: by group/version/resource and by apiVersion/kind. Built-in
// types are registered at start; CRDs and the Calico API server add and remove theirs.
import type {ResourceType} from './types.js';
import {apiVersionString} from './flat-string.js';

export const apiVersionOf = (t: Pick<ResourceType, 'group' | 'version'>) => apiVersionString(t.group, t.version);

const gvrKey = (group: string, version: string, resource: string) => `${group}/${version}/${resource}`;

export class TypeRegistry {
	private readonly byGvr = new Map<string, ResourceType>();
	private readonly byKind = new Map<string, ResourceType>();

	all(): ResourceType[] {
		return [...this.byGvr.values()];
	}

	register(type: ResourceType): void {
		this.byGvr.set(gvrKey(type.group, type.version, type.resource), type);
		this.byKind.set(`${apiVersionOf(type)}/${type.kind}`, type);
	}

	unregister(group: string, version: string, resource: string): void {
		const type = this.byGvr.get(gvrKey(group, version, resource));
		if (!type) return;
		this.byGvr.delete(gvrKey(group, version, resource));
		const kindKey = `${apiVersionOf(type)}/${type.kind}`;
		if (this.byKind.get(kindKey) === type) this.byKind.delete(kindKey);
	}

	lookup(group: string, version: string, resource: string): ResourceType | undefined {
		return this.byGvr.get(gvrKey(group, version, resource));
	}

	lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
		return this.byKind.get(`${apiVersion}/${kind}`);
	}

	/** Any served version of a group/resource (storage is shared across versions). */
	anyVersion(group: string, resource: string): ResourceType | undefined {
		for (const t of this.byGvr.values()) if (t.group === group && t.resource === resource) return t;
		return undefined;
	}
}
