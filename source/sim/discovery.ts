// Discovery documents (/api, /apis, /apis/<group>/<version>) computed from the store's current types,
// so they grow and shrink as CRDs come and go.
import {builtinSubresources, virtualTypes} from './builtin-types.js';
import type {ObjectStore, ResourceType} from './types.js';

/** The release of the kubectl 1.33 build on this machine: every kubectl from 1.27 to 1.33 accepts it. */
export const serverVersion = {
	major: '1',
	minor: '33',
	gitVersion: 'v1.33.1',
	gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
	gitTreeState: 'clean',
	buildDate: '2025-05-15T08:27:33Z',
	goVersion: 'go1.24.2',
	compiler: 'gc',
	platform: 'linux/amd64',
};

/** Every served type: the store's plus the ones the server answers itself. */
export function servedTypes(store: ObjectStore): ResourceType[] {
	return [...store.types(), ...virtualTypes];
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first. */
function versionRank(version: string): [number, number, number] {
	const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
	if (!m) return [0, 0, 0];
	const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
	return [stability, Number(m[1]), Number(m[3] ?? 0)];
}

export function sortVersions(versions: string[]): string[] {
	return [...new Set(versions)].sort((a, b) => {
		const ra = versionRank(a);
		const rb = versionRank(b);
		for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
		return a.localeCompare(b);
	});
}

export function apiGroupList(store: ObjectStore) {
	const byGroup = new Map<string, string[]>();
	for (const t of servedTypes(store)) {
		if (t.group === '') continue;
		byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t.version]);
	}
	return {
		kind: 'APIGroupList',
		apiVersion: 'v1',
		groups: [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, versions]) => apiGroup(name, versions)),
	};
}

function apiGroup(name: string, versions: string[]) {
	const sorted = sortVersions(versions);
	return {
		name,
		versions: sorted.map((v) => ({groupVersion: `${name}/${v}`, version: v})),
		preferredVersion: {groupVersion: `${name}/${sorted[0]}`, version: sorted[0]},
	};
}

export function apiGroupDocument(store: ObjectStore, group: string) {
	const versions = servedTypes(store).filter((t) => t.group === group).map((t) => t.version);
	if (versions.length === 0) return undefined;
	return {kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions)};
}

export function apiVersions(host: string) {
	return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: host}]};
}

export function apiResourceList(store: ObjectStore, group: string, version: string) {
	const types = servedTypes(store).filter((t) => t.group === group && t.version === version);
	if (types.length === 0) return undefined;
	const resources: unknown[] = [];
	for (const t of types.sort((a, b) => a.resource.localeCompare(b.resource))) {
		resources.push({
			name: t.resource,
			singularName: t.singular,
			namespaced: t.namespaced,
			kind: t.kind,
			verbs: t.verbs,
			...(t.shortNames?.length ? {shortNames: t.shortNames} : {}),
			...(t.categories?.length ? {categories: t.categories} : {}),
		});
		if (t.statusSubresource) {
			resources.push({name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update']});
		}
	}
	for (const s of builtinSubresources) {
		if (s.group === group && s.version === version) {
			resources.push({name: s.name, singularName: '', namespaced: s.namespaced, group: s.kind === 'TokenRequest' ? 'authentication.k8s.io' : undefined,
				version: s.kind === 'TokenRequest' ? 'v1' : undefined, kind: s.kind, verbs: s.verbs});
		}
	}
	return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources};
}
