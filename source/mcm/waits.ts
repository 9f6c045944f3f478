// Waits on MCM conditions, through a watch (never a polling loop), each with a timeout and an
// AbortSignal. A timeout says where things stand ("apiserver: Progressing (…)"), not just "timed out".

import type {ClusterClient} from '../kube/client.js';
import {conditionStatus, watchUntil} from '../kube/watch-until.js';
import {pathOf, resources} from './resources.js';

/** onProgress: where the wait stands, on every change (what it still waits for, the API's last real error). */
export type WaitOptions = {signal?: AbortSignal; timeoutMs?: number; onProgress?: (text: string) => void};

type Conditioned = {
	metadata?: {name?: string};
	spec?: Record<string, unknown>;
	status?: {conditions?: Array<{type?: string; status?: string; reason?: string; message?: string}>; loadBalancer?: {ingress?: Array<{ip?: string; hostname?: string}>}};
};

export const tigerStatusPath = pathOf(resources.tigerStatuses);
export const managedClusterPath = pathOf(resources.managedClusters);

function statusLine(name: string, obj: Conditioned | undefined): string {
	if (!obj) return `${name}: not reported yet`;
	const conditions = obj.status?.conditions ?? [];
	const bad = conditions.find(c => c.type === 'Degraded' && c.status === 'True') ?? conditions.find(c => c.type === 'Progressing' && c.status === 'True');
	const available = conditions.find(c => c.type === 'Available')?.status ?? 'Unknown';
	if (bad) return `${name}: ${bad.type}${bad.reason || bad.message ? ` (${[bad.reason, bad.message].filter(Boolean).join(': ')})` : ''}`;
	return `${name}: Available=${available}`;
}

/** Wait until each named TigerStatus has `condition` True (e.g. apiserver Available). */
export async function waitForTigerStatus(client: ClusterClient, names: readonly string[], condition = 'Available', options: WaitOptions = {}): Promise<void> {
	await watchUntil<Conditioned>(client, {
		path: tigerStatusPath,
		what: `TigerStatus ${names.join(', ')} ${condition} on ${client.context}`,
		done: objects => names.every(n => conditionStatus(objects.get(n), condition) === 'True'),
		progress: objects => names.filter(n => conditionStatus(objects.get(n), condition) !== 'True').map(n => statusLine(n, objects.get(n))).join('; '),
		...options,
	});
}

/** Wait until there is at least one TigerStatus and every one is Available. */
/**
 * `required`: components that must be among them. A component whose custom resource was just created
 * has no TigerStatus until the operator reconciles it, so "every one present is Available" alone could
 * be true before it appears.
 */
export async function waitForAllTigerStatus(client: ClusterClient, options: WaitOptions & {required?: readonly string[]} = {}): Promise<void> {
	const {required = [], ...rest} = options;
	const missing = (objects: ReadonlyMap<string, Conditioned>) => required.filter(name => !objects.has(name));
	await watchUntil<Conditioned>(client, {
		path: tigerStatusPath,
		what: `every TigerStatus Available on ${client.context}`,
		done: objects => objects.size > 0 && missing(objects).length === 0 && [...objects.values()].every(o => conditionStatus(o, 'Available') === 'True'),
		progress: objects =>
			objects.size === 0
				? 'no TigerStatus reported yet'
				: [
						...missing(objects).map(name => `${name}: not reported yet`),
						...[...objects.entries()].filter(([, o]) => conditionStatus(o, 'Available') !== 'True').map(([n, o]) => statusLine(n, o)),
					].join('; '),
		...rest,
	});
}

/** Wait until the ManagedCluster `name` on the management cluster reports ManagedClusterConnected=True. */
export async function waitForManagedConnected(mgmt: ClusterClient, name: string, options: WaitOptions = {}): Promise<void> {
	await watchUntil<Conditioned>(mgmt, {
		path: managedClusterPath,
		query: {fieldSelector: `metadata.name=${name}`},
		what: `ManagedCluster ${name} ManagedClusterConnected=True on ${mgmt.context}`,
		done: objects => conditionStatus(objects.get(name), 'ManagedClusterConnected') === 'True',
		progress: objects => {
			const obj = objects.get(name);
			if (!obj) return `ManagedCluster ${name} does not exist`;
			const c = obj.status?.conditions?.find(x => x.type === 'ManagedClusterConnected');
			return `ManagedClusterConnected=${c?.status ?? 'Unknown'}${c?.message ? ` (${c.message})` : ''}`;
		},
		...options,
	});
}

/** Wait until a LoadBalancer service has an ingress address; resolves with it (ip or hostname). */
export async function waitForLoadBalancer(client: ClusterClient, namespace: string, name: string, options: WaitOptions = {}): Promise<string> {
	const ingress = (o: Conditioned | undefined) => o?.status?.loadBalancer?.ingress?.find(i => i.ip || i.hostname);
	const objects = await watchUntil<Conditioned>(client, {
		path: pathOf(resources.services, undefined, namespace),
		query: {fieldSelector: `metadata.name=${name}`},
		what: `an external address for LoadBalancer service ${namespace}/${name} on ${client.context}`,
		done: objs => ingress(objs.get(name)) !== undefined,
		progress: objs => (objs.get(name) ? 'no ingress address yet' : 'the service does not exist'),
		...options,
	});
	const found = ingress(objects.get(name))!;
	return (found.ip || found.hostname)!;
}
