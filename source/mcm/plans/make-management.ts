// Plan: turn a cluster into a management cluster (the how-to's "Turn the cluster into a management
// cluster"): expose the manager's tunnel endpoint with a service named for the cluster's version,
// settle the address managed clusters will dial, create the ManagementCluster, wait for the manager.

import {objectRef} from '../object-ref.js';
import type {ClusterClient} from '../../kube/client.js';
import {applyObject, getObject} from '../../kube/apply.js';
import {normalizeAddress} from '../role.js';
import {checkAddress, probeCluster, validateAddress} from '../preflight.js';
import {StepError, type Plan, type PreflightItem, type Step} from '../step.js';
import {managerNames, type ManagerNames} from '../version.js';
import {waitForLoadBalancer} from '../waits.js';
import {kubectl, kubectlApplyHeredoc, pathOf, resources, singleton, waitMs, waitTigerStatusStep, type PlanEnv} from './common.js';
import {clusterFacts} from './preflight-items.js';

export type ServiceType = 'nodeport' | 'loadbalancer';

export type MakeManagementOptions = {
	context: string;
	/** host:port managed clusters dial; suggested from the cluster when absent. */
	address?: string;
	service?: ServiceType;
};

export const mcmPort = 9449;
export const mcmNodePort = 30449;

export function mcmServiceObject(names: ManagerNames, type: ServiceType) {
	return {
		apiVersion: 'v1',
		kind: 'Service',
		metadata: {name: names.mcmService, namespace: names.namespace},
		spec:
			type === 'nodeport'
				? {type: 'NodePort', ports: [{nodePort: mcmNodePort, port: mcmPort, protocol: 'TCP', targetPort: mcmPort}], selector: names.selector}
				: {type: 'LoadBalancer', ports: [{port: mcmPort, protocol: 'TCP', targetPort: mcmPort}], selector: names.selector},
	};
}

export function managementClusterObject(address: string) {
	return {apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name: singleton}, spec: {address}};
}

type Service = {spec?: {type?: string; ports?: Array<{port?: number; nodePort?: number}>}};
type Node = {metadata: {name: string}; status?: {addresses?: Array<{type?: string; address?: string}>}};

/** host:port for an address part that may be IPv6. */
export function joinHostPort(host: string, port: number): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The address managed clusters can dial: a node's ExternalIP (else InternalIP) and the node port. */
export async function suggestNodePortAddress(client: ClusterClient, names: ManagerNames, signal?: AbortSignal): Promise<{address: string; why: string}> {
	const service = await getObject<Service>(client, pathOf(resources.services, names.mcmService, names.namespace), signal);
	const nodePort = service?.spec?.ports?.find(p => p.port === mcmPort)?.nodePort ?? service?.spec?.ports?.[0]?.nodePort;
	if (!nodePort) throw new StepError(`service ${names.namespace}/${names.mcmService} on ${client.context} has no node port`, 'pass --address HOST:PORT');
	const nodes = (await getObject<{items?: Node[]}>(client, pathOf(resources.nodes), signal))?.items ?? [];
	for (const type of ['ExternalIP', 'InternalIP']) {
		for (const node of nodes) {
			const address = node.status?.addresses?.find(a => a.type === type && a.address)?.address;
			if (address) return {address: joinHostPort(address, nodePort), why: `${type} of node ${node.metadata.name} and node port ${nodePort}`};
		}
	}
	throw new StepError(`no node of ${client.context} reports an ExternalIP or InternalIP`, 'pass --address HOST:PORT (an address managed clusters can reach)');
}

export function buildMakeManagementPlan(o: MakeManagementOptions, env: PlanEnv): Plan {
	const client = env.client(o.context);
	const serviceType: ServiceType = o.service ?? 'nodeport';
	const state: {names: ManagerNames; version?: string; address?: string; learnt: boolean} = {names: managerNames(undefined), address: o.address, learnt: false};

	/** Names move with the version (≤3.22 tigera-manager, ≥3.23 calico-system): read it once. */
	const learn = async (signal?: AbortSignal) => {
		if (state.learnt) return;
		const facts = await probeCluster(client, signal);
		state.version = facts.version;
		state.names = managerNames(facts.version);
		state.learnt = true;
		serviceStep.kubectl = kubectlApplyHeredoc(o.context, [mcmServiceObject(state.names, serviceType)]);
		serviceStep.title = serviceTitle();
		addressStep.kubectl = addressKubectl();
	};
	const serviceTitle = () =>
		`Expose the management cluster: ${serviceType === 'nodeport' ? 'NodePort' : 'LoadBalancer'} service ${state.names.namespace}/${state.names.mcmService}`;
	const addressKubectl = () =>
		o.address
			? `# --address ${o.address}`
			: serviceType === 'nodeport'
				? `${kubectl(o.context, 'get', 'nodes', '-o', 'wide')} && ${kubectl(o.context, 'get', 'service', state.names.mcmService, '-n', state.names.namespace, '-o', 'jsonpath={.spec.ports[0].nodePort}')}`
				: kubectl(o.context, 'get', 'service', state.names.mcmService, '-n', state.names.namespace, '-o', 'jsonpath={.status.loadBalancer.ingress[0]}');

	const serviceStep: Step = {
		id: 'mcm-service',
		title: serviceTitle(),
		kubectl: kubectlApplyHeredoc(o.context, [mcmServiceObject(state.names, serviceType)]),
		context: o.context,
		async check(ctx) {
			await learn(ctx.signal);
			const existing = await getObject<Service>(client, pathOf(resources.services, state.names.mcmService, state.names.namespace), ctx.signal);
			if (!existing) return {done: false, detail: `version ${state.version ?? 'unknown'}: ${state.names.namespace}/${state.names.mcmService}`};
			return {done: true, detail: `${state.names.namespace}/${state.names.mcmService} present (${existing.spec?.type ?? 'unknown type'})`};
		},
		async run(ctx) {
			await applyObject(client, resources.services, mcmServiceObject(state.names, serviceType), {signal: ctx.signal});
		},
		async preview(ctx) {
			await learn(ctx.signal).catch(() => undefined);
			return {objects: [mcmServiceObject(state.names, serviceType)]};
		},
	};

	// With a LoadBalancer and no --address, the address exists only once the cloud has given the
	// Service its ingress: this step waits for it, and the ManagementCluster is written after it.
	const waitsForIngress = serviceType === 'loadbalancer' && !o.address;
	const addressStep: Step = {
		id: 'address',
		title: waitsForIngress ? `Wait for the load balancer's ingress (IP or hostname); managed clusters dial it on port ${mcmPort}` : 'Choose the address managed clusters dial',
		kubectl: addressKubectl(),
		context: o.context,
		mutating: false,
		async check(ctx) {
			await learn(ctx.signal);
			if (o.address) return {done: true, detail: `${o.address} (--address)`};
			const mc = await getObject<{spec?: {address?: string}}>(client, pathOf(resources.managementClusters, singleton), ctx.signal);
			if (waitsForIngress) {
				// Kept only when it is the load balancer's (a NodePort address from before is not).
				const ingress = await currentIngress(ctx.signal);
				if (ingress && normalizeAddress(mc?.spec?.address) === normalizeAddress(ingress)) {
					state.address = ingress;
					return {done: true, detail: `${ingress} (the load balancer's ingress, already in the ManagementCluster)`};
				}
				return 'todo';
			}
			if (mc?.spec?.address) {
				state.address = mc.spec.address;
				return {done: true, detail: `${mc.spec.address} (kept from the ManagementCluster)`};
			}
			return 'todo';
		},
		async run(ctx) {
			let suggestion: {address: string; why: string};
			if (serviceType === 'nodeport') suggestion = await suggestNodePortAddress(client, state.names, ctx.signal);
			else {
				const timeoutMs = waitMs(env);
				let host: string;
				try {
					host = await waitForLoadBalancer(client, state.names.namespace, state.names.mcmService, {signal: ctx.signal, timeoutMs, onProgress: ctx.progress});
				} catch (error) {
					if (ctx.signal?.aborted) throw error;
					throw new StepError(
						`no ingress was assigned to LoadBalancer service ${state.names.namespace}/${state.names.mcmService} on ${o.context} within ${Math.round(timeoutMs / 1000)}s (${error instanceof Error ? error.message : String(error)})`,
						`the cloud gives it an IP or hostname (kubectl get service ${state.names.mcmService} -n ${state.names.namespace}: EXTERNAL-IP <pending> means none yet); r retries the wait, or use a NodePort service, or give the address (--address HOST:PORT)`,
					);
				}
				suggestion = {address: joinHostPort(host, mcmPort), why: `the load balancer's ingress and port ${mcmPort}`};
			}
			const why = validateAddress(suggestion.address);
			if (why) throw new StepError(`the suggested address "${suggestion.address}" is not usable: ${why}`, 'pass --address HOST:PORT');
			state.address = suggestion.address;
			return `${suggestion.address} (${suggestion.why})`;
		},
	};

	const managementStep: Step = {
		id: 'management-cluster',
		title: waitsForIngress ? `Create the ManagementCluster ${singleton} with the load balancer's address (ingress:${mcmPort})` : `Create the ManagementCluster ${singleton}`,
		kubectl: kubectlApplyHeredoc(o.context, [managementClusterObject(o.address ?? (waitsForIngress ? `$LOAD_BALANCER_INGRESS:${mcmPort}` : '$MANAGEMENT_CLUSTER_ADDR'))]),
		context: o.context,
		object: objectRef(o.context, 'managementClusters'),
		async check(ctx) {
			const mc = await getObject<{spec?: {address?: string}}>(client, pathOf(resources.managementClusters, singleton), ctx.signal);
			if (!mc) return 'todo';
			const wanted = o.address ?? (waitsForIngress ? state.address : undefined);
			if (!wanted || normalizeAddress(mc.spec?.address) === normalizeAddress(wanted)) return {done: true, detail: `address ${mc.spec?.address}`};
			return {done: false, detail: `address ${mc.spec?.address} → ${wanted}`};
		},
		async run(ctx) {
			if (!state.address) throw new StepError('no address was chosen', 'pass --address HOST:PORT');
			const existing = await getObject(client, pathOf(resources.managementClusters, singleton), ctx.signal);
			// Changing an address someone else set is what --address (or the load balancer's) asks for: take the field over.
			await applyObject(client, resources.managementClusters, managementClusterObject(state.address), {signal: ctx.signal, force: existing !== undefined && (o.address !== undefined || waitsForIngress)});
			managementStep.kubectl = kubectlApplyHeredoc(o.context, [managementClusterObject(state.address)]);
			return `address ${state.address}`;
		},
		async preview() {
			return {objects: [managementClusterObject(state.address ?? o.address ?? '<suggested when run>')]};
		},
	};

	const steps = [
		serviceStep,
		addressStep,
		managementStep,
		waitTigerStatusStep({id: 'wait-manager', title: 'Wait for the manager (TigerStatus manager Available)', context: o.context, client, names: ['manager'], env}),
	];

	const currentIngress = async (signal?: AbortSignal): Promise<string | undefined> => {
		type LbService = {status?: {loadBalancer?: {ingress?: Array<{ip?: string; hostname?: string}>}}};
		const svc = await getObject<LbService>(client, pathOf(resources.services, state.names.mcmService, state.names.namespace), signal);
		const ingress = svc?.status?.loadBalancer?.ingress?.find(i => i.ip || i.hostname);
		const host = ingress?.ip || ingress?.hostname;
		return host ? joinHostPort(host, mcmPort) : undefined;
	};

	return {
		id: 'make-management',
		title: `Make ${o.context} a management cluster`,
		cluster: o.context,
		contexts: [o.context],
		steps,
		confirm: waitsForIngress
			? `Make ${o.context} a management cluster?\nThe address managed clusters dial will be the load balancer's ingress (IP or hostname) and port ${mcmPort}, known once the cloud assigns it: the ManagementCluster is written after that.`
			: `Make ${o.context} a management cluster?`,
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			if (o.address) items.push(checkAddress(o.address));
			const cluster = await clusterFacts(
				client,
				{
					needs: [
						{verb: 'get', group: 'operator.tigera.io', resource: 'installations'},
						{verb: 'create', resource: 'services', namespace: state.names.namespace},
						{verb: 'patch', resource: 'services', namespace: state.names.namespace},
						{verb: 'list', resource: 'nodes'},
						{verb: 'create', group: 'operator.tigera.io', resource: 'managementclusters'},
						{verb: 'patch', group: 'operator.tigera.io', resource: 'managementclusters'},
						{verb: 'watch', group: 'operator.tigera.io', resource: 'tigerastatuses'},
					],
					roles: {
						context: o.context,
						allowed: ['standalone', 'management'],
						fixes: {
							'not-installed': `install Calico Enterprise first: calico-mcm run install --context ${o.context} --role management --manifests DIR --pull-secret FILE --license FILE`,
							managed: `a managed cluster cannot become a management cluster: run \`calico-mcm run unmanage --context ${o.context}\` first`,
							misconfigured: `${o.context} is management and managed at once: run \`calico-mcm run unmanage --context ${o.context}\` first`,
						},
					},
					beforeProbe: learn,
				},
				ctx.signal,
			);
			items.push(...cluster.items);
			const facts = cluster.facts;
			if (!facts) return items;
			items.push({label: 'version', ok: true, message: `Calico Enterprise ${facts.version ?? '(version not reported)'}: service ${state.names.namespace}/${state.names.mcmService}`});
			return items;
		},
		outputs: () => (state.address ? [{label: 'management cluster address', value: state.address}] : []),
	};
}
