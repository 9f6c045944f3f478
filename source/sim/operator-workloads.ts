// The bits of kube-controller-manager and a cloud provider that the demo needs: Deployments get pods
// and a ready status, LoadBalancer Services get an ingress IP. Without them `kubectl get pods` on a
// simulated cluster would be empty and a load-balancer address would never appear.
import {startEventRecorder} from './events.js';
import {scaled, createTimers, type SimClock} from './operator-clock.js';
import {now, shortHash, typeOf, writeStatus} from './operator-store.js';
import type {KubeObject, ObjectStore, StoreEvent} from './types.js';

export type WorkloadsOptions = {
	store: ObjectStore;
	clusterName: string;
	clock: SimClock;
	/** Node names to schedule pods on. */
	nodes: () => string[];
	/** The next free load-balancer IP of this cluster. */
	allocateLoadBalancerIp: () => string;
};

export type Workloads = {
	/** Brings every Deployment and LoadBalancer Service up to date now, ignoring delays. */
	settle(): void;
	stop(): void;
};

const podDelayMs = 400;
const loadBalancerDelayMs = 1500;

type DeploymentSpec = {replicas?: number; template?: {metadata?: {labels?: Record<string, string>}; spec?: {containers?: Array<{name: string; image?: string}>}}};

/** The name of pod `index` of a Deployment; stable so the operator knows its own pod's name. */
export function podName(clusterName: string, namespace: string, deployment: string, index: number): string {
	return `${deployment}-${shortHash(`${clusterName}/${namespace}/${deployment}`, 10)}-${shortHash(`${clusterName}/${namespace}/${deployment}/${index}`, 5)}`;
}

export function startWorkloads(options: WorkloadsOptions): Workloads {
	const {store, clusterName, clock} = options;
	const timers = createTimers();
	const pendingDeployments = new Set<string>();
	const pendingServices = new Set<string>();
	let stopped = false;

	const podType = () => typeOf(store, 'v1', 'Pod');

	function podsOf(namespace: string, deployment: string): KubeObject[] {
		const type = podType();
		if (!type) return [];
		const prefix = `${deployment}-${shortHash(`${clusterName}/${namespace}/${deployment}`, 10)}-`;
		return store.list(type, {namespace}).filter((p) => p.metadata.name.startsWith(prefix));
	}

	function syncDeployment(namespace: string, name: string): void {
		const deployType = typeOf(store, 'apps/v1', 'Deployment');
		const type = podType();
		if (!deployType || !type) return;
		const deployment = store.get(deployType, namespace, name);
		if (!deployment) {
			for (const pod of podsOf(namespace, name)) store.delete(type, namespace, pod.metadata.name);
			return;
		}
		const spec = (deployment.spec ?? {}) as DeploymentSpec;
		const replicas = spec.replicas ?? 1;
		// Listing is only needed to scale down; a new Deployment has no pods yet.
		const before = (deployment.status as {replicas?: number} | undefined)?.replicas ?? 0;
		const existing = before > replicas ? podsOf(namespace, name) : [];
		const labels = spec.template?.metadata?.labels ?? {};
		const containers = spec.template?.spec?.containers ?? [{name}];
		const nodes = options.nodes();
		const wanted = new Set<string>();
		for (let i = 0; i < replicas; i++) {
			const podNameI = podName(clusterName, namespace, name, i);
			wanted.add(podNameI);
			if (store.get(type, namespace, podNameI)) continue;
			const started = now();
			const hash = shortHash(`${podNameI}`, 8);
			store.create(type, {
				apiVersion: 'v1',
				kind: 'Pod',
				metadata: {
					name: podNameI,
					namespace,
					labels: {...labels, 'pod-template-hash': shortHash(`${clusterName}/${namespace}/${name}`, 10)},
					ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${shortHash(`${clusterName}/${namespace}/${name}`, 10)}`, controller: true}],
				},
				spec: {containers: containers.map((c) => ({name: c.name, image: c.image})), nodeName: nodes.length > 0 ? nodes[parseInt(hash, 36) % nodes.length] : undefined},
				status: {
					phase: 'Running',
					startTime: started,
					podIP: `192.168.${parseInt(hash.slice(0, 3), 36) % 256}.${(parseInt(hash.slice(3, 6), 36) % 250) + 2}`,
					conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((t) => ({type: t, status: 'True', lastTransitionTime: started})),
					containerStatuses: containers.map((c) => ({name: c.name, image: c.image, ready: true, started: true, restartCount: 0, state: {running: {startedAt: started}}})),
				},
			});
		}
		for (const pod of existing) if (!wanted.has(pod.metadata.name)) store.delete(type, namespace, pod.metadata.name);
		const generation = deployment.metadata.generation ?? 1;
		writeStatus(store, deployType, deployment, {
			observedGeneration: generation,
			replicas,
			updatedReplicas: replicas,
			readyReplicas: replicas,
			availableReplicas: replicas,
			conditions: [
				{type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now(), lastTransitionTime: now()},
				{type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.`, lastUpdateTime: now(), lastTransitionTime: now()},
			],
		});
	}

	function deploymentNeedsWork(obj: KubeObject): boolean {
		const status = (obj.status ?? {}) as {observedGeneration?: number; readyReplicas?: number; replicas?: number};
		const replicas = ((obj.spec ?? {}) as DeploymentSpec).replicas ?? 1;
		return status.observedGeneration !== (obj.metadata.generation ?? 1) || status.readyReplicas !== replicas || status.replicas !== replicas;
	}

	function syncService(namespace: string, name: string): void {
		const type = typeOf(store, 'v1', 'Service');
		if (!type) return;
		const svc = store.get(type, namespace, name);
		if (!svc || (svc.spec as {type?: string} | undefined)?.type !== 'LoadBalancer') return;
		const status = (svc.status ?? {}) as {loadBalancer?: {ingress?: unknown[]}};
		if ((status.loadBalancer?.ingress ?? []).length > 0) return;
		writeStatus(store, type, svc, {...status, loadBalancer: {ingress: [{ip: options.allocateLoadBalancerIp(), ipMode: 'VIP'}]}});
	}

	function schedule(kind: 'deployment' | 'service', namespace: string, name: string): void {
		const key = `${namespace}/${name}`;
		const pending = kind === 'deployment' ? pendingDeployments : pendingServices;
		if (pending.has(key)) return;
		pending.add(key);
		timers.after(scaled(clock, kind === 'deployment' ? podDelayMs : loadBalancerDelayMs), () => {
			pending.delete(key);
			if (stopped) return;
			if (kind === 'deployment') syncDeployment(namespace, name);
			else syncService(namespace, name);
		});
	}

	const onEvent = (event: StoreEvent) => {
		const t = event.resourceType;
		const ns = event.object.metadata.namespace ?? 'default';
		if (t.group === 'apps' && t.resource === 'deployments') {
			if (event.type === 'DELETED' || deploymentNeedsWork(event.object)) schedule('deployment', ns, event.object.metadata.name);
		} else if (t.group === '' && t.resource === 'pods' && event.type === 'DELETED') {
			// Someone deleted a pod of a Deployment: its ReplicaSet makes a new one.
			const owner = (event.object.metadata.ownerReferences as Array<{kind?: string; name?: string}> | undefined)?.find((o) => o.kind === 'ReplicaSet');
			if (owner?.name) schedule('deployment', ns, owner.name.replace(/-[^-]+$/, ''));
		} else if (t.group === '' && t.resource === 'services' && event.type !== 'DELETED') {
			if ((event.object.spec as {type?: string} | undefined)?.type === 'LoadBalancer') schedule('service', ns, event.object.metadata.name);
		}
	};
	const unsubscribe = store.subscribe(onEvent);
	// The scheduler's and kubelet's part: the events of the pods made here.
	const stopEvents = startEventRecorder(store);

	return {
		settle() {
			const deployType = typeOf(store, 'apps/v1', 'Deployment');
			for (const d of deployType ? store.list(deployType) : []) {
				if (deploymentNeedsWork(d)) syncDeployment(d.metadata.namespace ?? 'default', d.metadata.name);
			}
			const svcType = typeOf(store, 'v1', 'Service');
			for (const s of svcType ? store.list(svcType) : []) syncService(s.metadata.namespace ?? 'default', s.metadata.name);
		},
		stop() {
			stopped = true;
			unsubscribe();
			stopEvents();
			timers.clear();
		},
	};
}
