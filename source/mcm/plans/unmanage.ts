// Plan: a managed cluster back to standalone, as the vendor's "Change cluster type" page does it:
// delete the ManagementClusterConnection and its secret on the cluster, create the Manager and
// LogStorage again, (when the management cluster is given) delete the ManagedCluster there, and wait
// until every component is Available.

import {getObject} from '../../kube/apply.js';
import {normalizeAddress} from '../role.js';
import {checkName, probeCluster, roleItem} from '../preflight.js';
import type {Plan, PreflightItem, Step} from '../step.js';
import {storageStep} from './install.js';
import {clusterItems, connectionSecret, createIfAbsent, deleteStep, kubectl, kubectlApplyHeredoc, operatorNamespace, pathOf, resources, singleton, waitAllTigerStatusStep, type PlanEnv} from './common.js';

export type UnmanageOptions = {
	context: string;
	/** The management cluster, to delete the ManagedCluster there too. */
	management?: string;
	/** The ManagedCluster's name on the management cluster. Default: the context name. */
	name?: string;
};

export const managerObject = {apiVersion: 'operator.tigera.io/v1', kind: 'Manager', metadata: {name: singleton}, spec: {}};
export const logStorageObject = {apiVersion: 'operator.tigera.io/v1', kind: 'LogStorage', metadata: {name: singleton}, spec: {nodes: {count: 1}}};

export function buildUnmanagePlan(o: UnmanageOptions, env: PlanEnv): Plan {
	const c = env.client(o.context);
	const mgmt = o.management ? env.client(o.management) : undefined;
	const name = o.name ?? o.context;
	const steps: Step[] = [
		deleteStep({
			id: 'delete-connection',
			title: `Delete the ManagementClusterConnection ${singleton}`,
			context: o.context,
			client: c,
			kind: resources.managementClusterConnections,
			name: singleton,
			what: `ManagementClusterConnection ${singleton}`,
			kubectl: kubectl(o.context, 'delete', 'managementclusterconnection', singleton, '--ignore-not-found'),
		}),
		deleteStep({
			id: 'delete-connection-secret',
			title: `Delete the secret ${operatorNamespace}/${connectionSecret}`,
			context: o.context,
			client: c,
			kind: resources.secrets,
			name: connectionSecret,
			namespace: operatorNamespace,
			what: `Secret ${operatorNamespace}/${connectionSecret}`,
			kubectl: kubectl(o.context, 'delete', 'secret', connectionSecret, '-n', operatorNamespace, '--ignore-not-found'),
		}),
	];
	// A standalone cluster has its own Manager and LogStorage (the join removed them): the vendor's
	// "Change cluster type" page creates them again, then the operator brings every component back.
	const restore = (kind: 'Manager' | 'LogStorage') => {
		const object = kind === 'Manager' ? managerObject : logStorageObject;
		const resource = kind === 'Manager' ? resources.managers : resources.logStorages;
		const step: Step = {
			id: `restore-${kind.toLowerCase()}`,
			title: `Create the ${kind} ${singleton} (a standalone cluster has its own${kind === 'Manager' ? ' Manager UI' : ' log storage'})`,
			kubectl: kubectlApplyHeredoc(o.context, [object]),
			context: o.context,
			async check(ctx) {
				return (await getObject(c, pathOf(resource, singleton), ctx.signal)) ? {done: true, detail: `${kind} ${singleton} present`} : 'todo';
			},
			async run(ctx) {
				await createIfAbsent(c, resource, object, ctx.signal);
			},
			async preview() {
				return {objects: [object]};
			},
		};
		return step;
	};
	steps.push(storageStep(o.context, c), restore('LogStorage'), restore('Manager'));
	if (mgmt && o.management) {
		steps.push(
			deleteStep({
				id: 'delete-managed-cluster',
				title: `Delete the ManagedCluster ${name} on ${o.management}`,
				context: o.management,
				client: mgmt,
				kind: resources.managedClusters,
				name,
				what: `ManagedCluster ${name}`,
				kubectl: kubectl(o.management, 'delete', 'managedcluster', name, '--ignore-not-found'),
			}),
		);
	}
	// The TigerStatus of the Manager and LogStorage created above must be among them (see waitForAllTigerStatus).
	steps.push(waitAllTigerStatusStep({id: 'wait-all', context: o.context, client: c, env, title: 'Wait until every component is Available again (all TigerStatus)', required: ['log-storage', 'manager']}));
	return {
		id: 'unmanage',
		title: `Make ${o.context} standalone (disconnect it from its management cluster)`,
		cluster: o.context,
		contexts: o.management ? [o.context, o.management] : [o.context],
		steps,
		destructive: true,
		confirm: `Disconnect ${o.context} from its management cluster and make it standalone${o.management ? ` (deleting the ManagedCluster ${name} on ${o.management})` : ''}? Its logs stop flowing to the management cluster.`,
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			const cluster = await clusterItems(
				c,
				[
					{verb: 'delete', group: 'operator.tigera.io', resource: 'managementclusterconnections'},
					{verb: 'delete', resource: 'secrets', namespace: operatorNamespace},
					{verb: 'create', group: 'storage.k8s.io', resource: 'storageclasses'},
					{verb: 'create', group: 'operator.tigera.io', resource: 'managers'},
					{verb: 'create', group: 'operator.tigera.io', resource: 'logstorages'},
					{verb: 'watch', group: 'operator.tigera.io', resource: 'tigerastatuses'},
				],
				ctx.signal,
			);
			items.push(...cluster.items);
			let cAddr: string | undefined;
			if (cluster.reachable) {
				const facts = await probeCluster(c, ctx.signal);
				cAddr = facts.managementClusterAddr;
				items.push(
					roleItem(o.context, facts.role, ['managed', 'standalone', 'misconfigured'], {
						management: `${o.context} is a management cluster, not a managed one: use unmake-management`,
						'not-installed': `${o.context} has no Calico Enterprise: there is nothing to disconnect`,
					}),
				);
			}
			if (mgmt && o.management) {
				items.push(checkName(name, 'managed cluster name'));
				const m = await clusterItems(mgmt, [{verb: 'delete', group: 'projectcalico.org', resource: 'managedclusters'}], ctx.signal);
				items.push(...m.items);
				if (m.reachable) {
					const facts = await probeCluster(mgmt, ctx.signal);
					items.push(roleItem(o.management, facts.role, ['management'], {}));
					if (cAddr && facts.managementAddress && normalizeAddress(cAddr) !== normalizeAddress(facts.managementAddress)) {
						items.push({label: 'management cluster', ok: false, message: `${o.context} connects to ${cAddr}, not to ${o.management} (${facts.managementAddress})`, fix: 'pass the right --management, or leave it out'});
					}
					if (checkName(name).ok && facts.role === 'management' && !(await getObject(mgmt, pathOf(resources.managedClusters, name), ctx.signal).catch(() => undefined))) {
						items.push({label: `ManagedCluster ${name}`, ok: true, message: `not on ${o.management} (nothing to delete there; pass --name if it has another name)`});
					}
				}
			}
			return items;
		},
		outputs: () => [],
	};
}
