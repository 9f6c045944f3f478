// Plan: give a user access on a cluster (the how-to's "Provide permissions to view the managed
// cluster"): bind the service account to a cluster role, by default tigera-network-admin.

import type {Plan} from '../step.js';
import {bindingName, clusterRoleBindingStep, type PlanEnv} from './common.js';
import {bindingPreflight} from './preflight-items.js';

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
		preflight: ctx => bindingPreflight(client, o.context, role, ctx.signal),
		outputs: () => [],
	};
}
