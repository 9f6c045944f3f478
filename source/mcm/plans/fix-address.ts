// Plan: point one managed cluster's ManagementClusterConnection at the address its management cluster
// advertises now (ManagementCluster spec.address), then wait until the tunnel is up. When the
// management cluster moves (a new load balancer, a moved node) every managed cluster must be edited;
// `fixAddressTargets` finds them, one plan each, run side by side as the multi-join runs.

import type {ClusterClient} from '../../kube/client.js';
import {getObject} from '../../kube/apply.js';
import {conditionStatus} from '../../kube/watch-until.js';
import {addressDrift} from '../drift.js';
import {checkAddress} from '../preflight.js';
import {normalizeAddress} from '../role.js';
import {StepError, type Plan, type PreflightItem, type Step} from '../step.js';
import {waitForManagedConnected} from '../waits.js';
import {clusterItems, kubectl, pathOf, resources, singleton, waitMs, type PlanEnv} from './common.js';

export type FixAddressOptions = {
	/** The managed cluster's context. */
	context: string;
	/** The management cluster's context. */
	management: string;
	/** Its ManagedCluster name on the management cluster (default: the context). */
	name?: string;
};

type MC = {spec?: {address?: string}};
type MCC = {spec?: {managementClusterAddr?: string}};

/** ManagementCluster spec.address, or a StepError saying it is missing and how to set it. */
export async function managementAddress(mgmt: ClusterClient, management: string, signal?: AbortSignal): Promise<string> {
	const mc = await getObject<MC>(mgmt, pathOf(resources.managementClusters, singleton), signal);
	if (!mc) throw new StepError(`${management} has no ManagementCluster: it is not a management cluster`, `run \`calico-mcm run make-management --context ${management}\` first`);
	const address = mc.spec?.address;
	if (!address) {
		throw new StepError(`the ManagementCluster on ${management} has no spec.address: there is nothing to point managed clusters at`,
			`set it: calico-mcm run make-management --context ${management} --address HOST:PORT`);
	}
	return address;
}

export function patchCommand(context: string, address: string): string {
	return kubectl(context, 'patch', 'managementclusterconnection', singleton, '--type', 'merge', '-p', JSON.stringify({spec: {managementClusterAddr: address}}));
}

export function buildFixAddressPlan(o: FixAddressOptions, env: PlanEnv): Plan {
	const c = env.client(o.context);
	const mgmt = env.client(o.management);
	const name = o.name ?? o.context;
	let address: string | undefined;
	const target = async (signal: AbortSignal) => (address ??= await managementAddress(mgmt, o.management, signal));
	const current = async (signal: AbortSignal) => (await getObject<MCC>(c, pathOf(resources.managementClusterConnections, singleton), signal))?.spec?.managementClusterAddr;
	const patchStep: Step = {
		id: 'patch-address',
		title: `Set ${o.context}'s managementClusterAddr to ${o.management}'s ManagementCluster address`,
		kubectl: patchCommand(o.context, '<ManagementCluster spec.address>'),
		context: o.context,
		async check(ctx) {
			const want = await target(ctx.signal);
			patchStep.kubectl = patchCommand(o.context, want);
			const have = await current(ctx.signal);
			if (have === undefined) throw new StepError(`${o.context} has no ManagementClusterConnection: it is not a managed cluster`, `join it: calico-mcm run join --context ${o.context} --management ${o.management}`);
			return normalizeAddress(have) === normalizeAddress(want) ? {done: true, detail: `already ${want}`} : {done: false, detail: `${have} → ${want}`};
		},
		async run(ctx) {
			const want = await target(ctx.signal);
			await c.request({method: 'PATCH', path: pathOf(resources.managementClusterConnections, singleton), body: {spec: {managementClusterAddr: want}}, contentType: 'application/merge-patch+json', signal: ctx.signal});
			return `now ${want}`;
		},
		async preview(ctx) {
			const want = await target(ctx.signal);
			return {objects: [{apiVersion: 'operator.tigera.io/v1', kind: 'ManagementClusterConnection', metadata: {name: singleton}, spec: {managementClusterAddr: want}}]};
		},
	};
	return {
		id: 'fix-address',
		title: `Point ${o.context} at ${o.management}'s current address`,
		cluster: o.context,
		contexts: [o.context, o.management],
		confirm: `Point ${o.context}'s ManagementClusterConnection at ${o.management}'s address?`,
		steps: [
			patchStep,
			{
				id: 'wait-connected',
				title: `Wait until ${o.management} reports ${name} connected`,
				kubectl: kubectl(o.management, 'wait', `managedcluster/${name}`, '--for=condition=ManagedClusterConnected', `--timeout=${Math.round(waitMs(env) / 1000)}s`),
				context: o.management,
				mutating: false,
				async check(ctx) {
					const mc = await getObject<{status?: {conditions?: Array<{type: string; status: string}>}}>(mgmt, pathOf(resources.managedClusters, name), ctx.signal);
					return conditionStatus(mc, 'ManagedClusterConnected') === 'True' && normalizeAddress(await current(ctx.signal)) === normalizeAddress(await target(ctx.signal)) ? {done: true, detail: 'connected'} : 'todo';
				},
				async run(ctx) {
					await waitForManagedConnected(mgmt, name, {signal: ctx.signal, timeoutMs: waitMs(env)});
				},
				async preview() {
					return {note: `waits until ManagedCluster ${name} on ${o.management} has ManagedClusterConnected=True`};
				},
			},
		],
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			const m = await clusterItems(mgmt, [{verb: 'get', group: 'operator.tigera.io', resource: 'managementclusters'}, {verb: 'watch', group: 'projectcalico.org', resource: 'managedclusters'}], ctx.signal);
			items.push(...m.items.map(i => ({...i, label: `${o.management}: ${i.label}`})));
			if (!m.reachable) return items;
			let want: string;
			try {
				want = await target(ctx.signal);
			} catch (error) {
				items.push({label: `${o.management} address`, ok: false, message: (error as Error).message, fix: (error as StepError).hint});
				return items;
			}
			items.push(checkAddress(want, `${o.management} address`));
			const cl = await clusterItems(c, [{verb: 'patch', group: 'operator.tigera.io', resource: 'managementclusterconnections'}], ctx.signal);
			items.push(...cl.items.map(i => ({...i, label: `${o.context}: ${i.label}`})));
			if (!cl.reachable) return items;
			const have = await current(ctx.signal);
			if (have === undefined) {
				items.push({label: `${o.context} role`, ok: false, message: `${o.context} has no ManagementClusterConnection`, fix: `join it instead: calico-mcm run join --context ${o.context} --management ${o.management}`});
			} else {
				const drift = addressDrift(have, want);
				items.push({label: `${o.context} address`, ok: true, message: drift ? `dials ${have}, ${o.management} advertises ${want}` : `already dials ${want}: nothing to change`});
			}
			return items;
		},
		outputs: () => [],
	};
}

/** What fix-address found for a management cluster: which managed contexts drift, which cannot be fixed and why. */
export type FixAddressTargets = {
	address: string;
	drifted: Array<{context: string; from: string}>;
	inSync: string[];
	/** ManagedClusters the kubeconfig has no context for, or that could not be read. */
	skipped: Array<{name: string; reason: string}>;
};

/**
 * The managed clusters of `management` (its ManagedClusters that have a context of the same name, as
 * the fleet pairs them) and what each one dials. Throws StepError when the management cluster has no
 * address to point at.
 */
export async function fixAddressTargets(management: string, clients: ReadonlyMap<string, ClusterClient>, signal?: AbortSignal): Promise<FixAddressTargets> {
	const mgmt = clients.get(management);
	if (!mgmt) throw new StepError(`no context "${management}" in the kubeconfig`, 'pass --management with a context name');
	const address = await managementAddress(mgmt, management, signal);
	const list = await getObject<{items?: Array<{metadata: {name: string}}>}>(mgmt, pathOf(resources.managedClusters), signal);
	const names = (list?.items ?? []).map(i => i.metadata.name).sort();
	const result: FixAddressTargets = {address, drifted: [], inSync: [], skipped: []};
	await Promise.all(names.map(async name => {
		const client = clients.get(name);
		if (!client) {
			result.skipped.push({name, reason: 'no context of that name in the kubeconfig'});
			return;
		}
		try {
			const have = (await getObject<MCC>(client, pathOf(resources.managementClusterConnections, singleton), signal))?.spec?.managementClusterAddr;
			if (have === undefined) result.skipped.push({name, reason: 'no ManagementClusterConnection (not joined yet)'});
			else if (addressDrift(have, address)) result.drifted.push({context: name, from: have});
			else result.inSync.push(name);
		} catch (error) {
			result.skipped.push({name, reason: error instanceof Error ? error.message : String(error)});
		}
	}));
	result.drifted.sort((a, b) => a.context.localeCompare(b.context, 'en', {numeric: true}));
	result.inSync.sort((a, b) => a.localeCompare(b, 'en', {numeric: true}));
	result.skipped.sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}));
	return result;
}
