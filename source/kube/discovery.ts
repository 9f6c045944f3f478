// Discovery of one cluster: which resource serves a kind and whether it is namespaced, cached per
// client and refreshed when CRDs are added (a plan that installs CRDs then applies their objects).

import type {ClusterClient} from './client.js';
import {isKubeError} from './errors.js';
import {splitApiVersion} from './paths.js';

type ApiResource = {name: string; kind: string; namespaced: boolean; verbs?: string[]};

export type ResolvedKind = {group: string; version: string; resource: string; namespaced: boolean};

/** Discovery of one cluster: which resource serves a kind, and whether it is namespaced. */
export class Discovery {
	private readonly groupVersions = new Map<string, Promise<ApiResource[] | null>>();

	constructor(private readonly client: ClusterClient) {}

	/** Forget what was read: call after CRDs were added or removed. */
	invalidate(): void {
		this.groupVersions.clear();
	}

	private fetch(apiVersion: string, signal?: AbortSignal): Promise<ApiResource[] | null> {
		let entry = this.groupVersions.get(apiVersion);
		if (!entry) {
			const {group, version} = splitApiVersion(apiVersion);
			const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
			entry = this.client
				.request<{resources?: ApiResource[]}>({path, signal})
				.then(list => (list?.resources ?? []).filter(r => !r.name.includes('/')))
				.catch((error: unknown) => {
					if (isKubeError(error, 'not-found')) return null;
					this.groupVersions.delete(apiVersion);
					throw error;
				});
			this.groupVersions.set(apiVersion, entry);
		}
		return entry;
	}

	/**
	 * The resource serving `kind` in `apiVersion`, or undefined when the cluster does not serve it. A
	 * miss re-reads that group/version once, so a CRD established a moment ago is found.
	 */
	async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResolvedKind | undefined> {
		const {group, version} = splitApiVersion(apiVersion);
		const find = (list: ApiResource[] | null) => list?.find(r => r.kind === kind);
		let found = find(await this.fetch(apiVersion, signal));
		if (!found) {
			this.groupVersions.delete(apiVersion);
			found = find(await this.fetch(apiVersion, signal));
		}
		return found ? {group, version, resource: found.name, namespaced: found.namespaced} : undefined;
	}
}

const discoveries = new WeakMap<ClusterClient, Discovery>();

/** The discovery cache of a client (one per client, shared by every caller). */
export function discoveryFor(client: ClusterClient): Discovery {
	let discovery = discoveries.get(client);
	if (!discovery) {
		discovery = new Discovery(client);
		discoveries.set(client, discovery);
	}
	return discovery;
}

