// Plan: a management cluster back to standalone, as the vendor's "Change cluster type" page does it:
// delete the ManagementCluster and the service that exposed the tunnel endpoint. Managed clusters
// still registered would lose their connection, so that needs --force.

import {getObject} from '../../kube/apply.js';
import {probeCluster} from '../preflight.js';
import type {Plan, PreflightItem, Step} from '../step.js';
import {managerNames, type ManagerNames} from '../version.js';
import {deleteStep, kubectl, pathOf, resources, singleton, type PlanEnv} from './common.js';
import {clusterFacts} from './preflight-items.js';

export type UnmakeManagementOptions = {
	context: string;
	/** Go ahead although managed clusters are still registered. */
	force?: boolean;
};

export function buildUnmakeManagementPlan(o: UnmakeManagementOptions, env: PlanEnv): Plan {
	const client = env.client(o.context);
	let names: ManagerNames = managerNames(undefined);
	let learnt = false;
	// The service's names move with the version: read it before the first check.
	const learn = async (signal: AbortSignal) => {
		if (learnt) return;
		names = managerNames((await probeCluster(client, signal)).version);
		learnt = true;
		const current = serviceStep();
		service.title = current.title;
		service.kubectl = current.kubectl;
	};
	const serviceStep = () =>
		deleteStep({
			id: 'delete-mcm-service',
			title: `Delete the service ${names.namespace}/${names.mcmService}`,
			context: o.context,
			client,
			kind: resources.services,
			name: names.mcmService,
			namespace: names.namespace,
			what: `Service ${names.namespace}/${names.mcmService}`,
			kubectl: kubectl(o.context, 'delete', 'service', names.mcmService, '-n', names.namespace, '--ignore-not-found'),
		});
	const service: Step = {
		...serviceStep(),
		async check(ctx) {
			await learn(ctx.signal);
			return serviceStep().check(ctx);
		},
		async run(ctx) {
			return serviceStep().run(ctx);
		},
		async preview(ctx) {
			await learn(ctx.signal).catch(() => undefined);
			return serviceStep().preview!(ctx);
		},
	};
	return {
		id: 'unmake-management',
		title: `Make ${o.context} standalone (no longer a management cluster)`,
		cluster: o.context,
		contexts: [o.context],
		destructive: true,
		steps: [
			deleteStep({
				id: 'delete-management-cluster',
				title: `Delete the ManagementCluster ${singleton}`,
				context: o.context,
				client,
				kind: resources.managementClusters,
				name: singleton,
				what: `ManagementCluster ${singleton}`,
				kubectl: kubectl(o.context, 'delete', 'managementcluster', singleton, '--ignore-not-found'),
			}),
			service,
		],
		confirm: `Make ${o.context} a standalone cluster? Managed clusters can no longer connect to it.`,
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			const cluster = await clusterFacts(
				client,
				{
					needs: [
						{verb: 'delete', group: 'operator.tigera.io', resource: 'managementclusters'},
						{verb: 'delete', resource: 'services', namespace: names.namespace},
						{verb: 'list', group: 'projectcalico.org', resource: 'managedclusters'},
					],
					roles: {
						context: o.context,
						allowed: ['management', 'standalone', 'misconfigured'],
						fixes: {
							managed: `${o.context} is a managed cluster: use unmanage`,
							'not-installed': `${o.context} has no Calico Enterprise: there is nothing to change`,
						},
					},
					beforeProbe: learn,
				},
				ctx.signal,
			);
			items.push(...cluster.items);
			// Only a cluster that answered has managed clusters to count.
			if (!cluster.facts) return items;
			const managed = (await getObject<{items?: Array<{metadata: {name: string}}>}>(client, pathOf(resources.managedClusters), ctx.signal).catch(() => undefined))?.items ?? [];
			if (managed.length > 0) {
				const listText = managed.map(m => m.metadata.name).join(', ');
				items.push(
					o.force
						? {label: 'managed clusters', ok: true, message: `${managed.length} still registered (${listText}): they lose their connection (--force)`}
						: {
								label: 'managed clusters',
								ok: false,
								message: `${managed.length} managed cluster${managed.length > 1 ? 's are' : ' is'} still registered on ${o.context} (${listText}) and would lose the connection`,
								fix: `unmanage them first (calico-mcm run unmanage --context <cluster> --management ${o.context}), or pass --force`,
							},
				);
			}
			return items;
		},
		outputs: () => [],
	};
}
