import type {Cluster} from '../mcm/types.js';
import type {PlanRequest} from './run-controller.js';
import type {WorkflowSpec} from './workflows.js';

// The fix-address key on a management row: one fix-address plan per managed cluster of it that dials
// another address (a row with addressDrift and a context of its own), run as a batch like the
// multi-join (preflight, confirmation listing each cluster and its kubectl command, progress rows).

/** The requests, or a sentence saying why there is nothing to run. */
export function fixAddressRequests(management: Cluster, clusters: Record<string, Cluster>): PlanRequest[] | string {
	if (management.role !== 'management' || !management.context) return `${management.name} is not a management cluster: select the management row, then fix its managed clusters' address`;
	const rows = Object.values(clusters).filter(c => c.connection?.management === management.id && c.addressDrift);
	const fixable = rows.filter(c => c.context && !c.remoteOnly);
	if (fixable.length === 0) {
		return rows.length > 0
			? `${rows.length} managed cluster${rows.length === 1 ? '' : 's'} of ${management.name} drift, but none has a context in the kubeconfig to fix it with`
			: `every managed cluster of ${management.name} dials its address: nothing to fix`;
	}
	fixable.sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}));
	return fixable.map(c => ({id: 'fix-address', options: {context: c.context!, management: management.context!, name: c.connection?.managedName}}));
}

export const fixAddress: WorkflowSpec = {
	key: 'F',
	title: 'fix address',
	description: 'on a management row: point every managed cluster of it that dials another address at its ManagementCluster address',
	scope: 'one',
	what: 'fix address',
	refuse: ([cluster], env) => {
		const requests = fixAddressRequests(cluster!, env.clusters);
		return typeof requests === 'string' ? requests : undefined;
	},
	heading: ([cluster], env) => {
		const requests = fixAddressRequests(cluster!, env.clusters);
		const n = typeof requests === 'string' ? 0 : requests.length;
		return `fix the address of ${n} managed cluster${n === 1 ? '' : 's'} of ${cluster!.name}`;
	},
	fields: () => [],
	requests: (_values, [cluster], env) => fixAddressRequests(cluster!, env.clusters),
};
