// Plan: give a user access on a cluster (the how-to's "Provide permissions to view the managed
// cluster"): bind the service account to a cluster role, by default tigera-network-admin.

import type {Plan, PreflightItem} from '../step.js';
import {bindingName, clusterItems, clusterRoleBindingStep, clusterRoleItem, type PlanEnv} from './common.js';

export type GrantOptions = {
	context: string;
	user?: string;
	/** The service account's namespace (on the management cluster). Default: default. */
	namespace?: string;
	role?: string;
};

export function buildGrantPlan(o: GrantOptions, env: PlanEnv): Plan {
	const client = env.client(o.context);
	const user = o.user ?? 'mcm-user';
	const namespace = o.namespace ?? 'default';
	const role = o.role ?? 'tigera-network-admin';
	return {
		id: 'grant',
		title: `Grant ${namespace}/${user} ${role} on ${o.context}`,
		cluster: o.context,
		contexts: [o.context],
		steps: [clusterRoleBindingStep({id: 'cluster-role-binding', context: o.context, client, user, namespace, role})],
		confirm: `Create the ClusterRoleBinding ${bindingName(user, role)} (${namespace}/${user} → ${role}) on ${o.context}?`,
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			const cluster = await clusterItems(
				client,
				[
					{verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
					{verb: 'get', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
				],
				ctx.signal,
			);
			items.push(...cluster.items);
			if (cluster.reachable) items.push(await clusterRoleItem(client, o.context, role, ctx.signal));
			return items;
		},
		outputs: () => [],
	};
}
