// Addresses managed clusters could dial, suggested before `make management` runs: the address the
// ManagementCluster has already, the load balancer's ingress, and each node's ExternalIP/InternalIP
// with the node port the plan's NodePort service uses. The plan itself picks the first node address
// when none is given; the console shows every candidate so the user can choose.

import type {ClusterClient} from '../kube/client.js';
import {getObject} from '../kube/apply.js';
import {joinHostPort, mcmNodePort, mcmPort} from '../mcm/plans/make-management.js';
import {pathOf, resources, singleton} from '../mcm/plans/common.js';
import {probeCluster} from '../mcm/preflight.js';
import {managerNames} from '../mcm/version.js';

export type AddressSuggestion = {address: string; why: string; service: 'nodeport' | 'loadbalancer'};

type Service = {spec?: {type?: string; ports?: Array<{port?: number; nodePort?: number}>}; status?: {loadBalancer?: {ingress?: Array<{ip?: string; hostname?: string}>}}};
type NodeList = {items?: Array<{metadata: {name: string}; status?: {addresses?: Array<{type?: string; address?: string}>}}>};

export async function suggestManagementAddresses(client: ClusterClient, signal?: AbortSignal): Promise<AddressSuggestion[]> {
	const facts = await probeCluster(client, signal);
	const names = managerNames(facts.version);
	const [service, nodes] = await Promise.all([
		getObject<Service>(client, pathOf(resources.services, names.mcmService, names.namespace), signal),
		getObject<NodeList>(client, pathOf(resources.nodes), signal),
	]);
	const out: AddressSuggestion[] = [];
	const add = (s: AddressSuggestion) => {
		if (!out.some(o => o.address === s.address)) out.push(s);
	};
	const existing = await getObject<{spec?: {address?: string}}>(client, pathOf(resources.managementClusters, singleton), signal);
	if (existing?.spec?.address) add({address: existing.spec.address, why: 'the ManagementCluster has it now', service: service?.spec?.type === 'LoadBalancer' ? 'loadbalancer' : 'nodeport'});
	for (const ingress of service?.status?.loadBalancer?.ingress ?? []) {
		const host = ingress.ip ?? ingress.hostname;
		if (host) add({address: joinHostPort(host, mcmPort), why: 'load balancer ingress', service: 'loadbalancer'});
	}
	const nodePort = service?.spec?.ports?.find(p => p.port === mcmPort)?.nodePort ?? mcmNodePort;
	for (const type of ['ExternalIP', 'InternalIP']) {
		for (const node of nodes?.items ?? []) {
			for (const a of node.status?.addresses ?? []) {
				if (a.type === type && a.address) add({address: joinHostPort(a.address, nodePort), why: `${type} of node ${node.metadata.name}, node port ${nodePort}`, service: 'nodeport'});
			}
		}
	}
	return out;
}
