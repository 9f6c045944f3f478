// The Events a scheduler and kubelet record for a pod they start (`kubectl get events`,
// `kubectl describe pod`): Scheduled, then per container Pulled, Created and Started, with the
// wording of Kubernetes 1.33.
import type {KubeObject, ObjectStore, StoreEvent} from './types.js';
import {nowTimestamp} from './flat-string.js';

type Container = {name: string; image?: string};

const timestamp = nowTimestamp;

let lastNanos = 0n;

/** kube names an event <object>.<hex of its time in ns>: unique, and in the order they happened. */
function eventSuffix(): string {
	const nanos = BigInt(Date.now()) * 1_000_000n;
	lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n;
	return lastNanos.toString(16);
}

/** One Event about a pod, as the scheduler or the kubelet on `node` records it. */
function podEvent(pod: KubeObject, node: string, type: 'Normal' | 'Warning', reason: string, message: string, component: string, fieldPath?: string): KubeObject {
	const {name, namespace = 'default', uid} = pod.metadata;
	const at = timestamp();
	return {
		apiVersion: 'v1',
		kind: 'Event',
		metadata: {name: `${name}.${eventSuffix()}`, namespace},
		involvedObject: {apiVersion: 'v1', kind: 'Pod', namespace, name, uid, resourceVersion: pod.metadata.resourceVersion, ...(fieldPath ? {fieldPath} : {})},
		reason,
		message,
		source: component === 'kubelet' ? {component, host: node} : {component},
		firstTimestamp: at,
		lastTimestamp: at,
		count: 1,
		type,
		reportingComponent: component,
		reportingInstance: component === 'kubelet' ? node : '',
	};
}

function podEvents(pod: KubeObject): KubeObject[] {
	const {name, namespace = 'default'} = pod.metadata;
	const spec = (pod.spec ?? {}) as {nodeName?: string; containers?: Container[]};
	const node = spec.nodeName;
	if (!node) return [];
	const event = (reason: string, message: string, component: string, fieldPath?: string) => podEvent(pod, node, 'Normal', reason, message, component, fieldPath);
	const events = [event('Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`, 'default-scheduler')];
	for (const c of spec.containers ?? []) {
		const field = `spec.containers{${c.name}}`;
		events.push(
			event('Pulled', `Container image "${c.image ?? ''}" already present on machine`, 'kubelet', field),
			event('Created', `Created container: ${c.name}`, 'kubelet', field),
			event('Started', `Started container ${c.name}`, 'kubelet', field),
		);
	}
	return events;
}

/**
 * A component the operator reports Degraded (the simulator's `degrade` control) has pods whose
 * containers keep failing: the kubelet records a Warning BackOff for each, with its wording.
 */
export function recordBackOff(store: ObjectStore, pods: KubeObject[]): void {
	const eventType = store.lookup('', 'v1', 'events');
	if (!eventType) return;
	for (const pod of pods) {
		const spec = (pod.spec ?? {}) as {nodeName?: string; containers?: Container[]};
		if (!spec.nodeName) continue;
		for (const c of spec.containers ?? []) {
			const {name, namespace = 'default', uid} = pod.metadata;
			const message = `Back-off restarting failed container ${c.name} in pod ${name}_${namespace}(${uid ?? ''})`;
			try {
				store.create(eventType, podEvent(pod, spec.nodeName, 'Warning', 'BackOff', message, 'kubelet', `spec.containers{${c.name}}`));
			} catch {
				// The namespace went away meanwhile: the kubelet's event is dropped too.
			}
		}
	}
}

/** Records the events of every pod created from now on. Returns a stop function. */
export function startEventRecorder(store: ObjectStore): () => void {
	return store.subscribe((change: StoreEvent) => {
		const t = change.resourceType;
		if (change.type !== 'ADDED' || t.group !== '' || t.resource !== 'pods') return;
		const eventType = store.lookup('', 'v1', 'events');
		if (!eventType) return;
		// After the pod's own write has finished.
		queueMicrotask(() => {
			for (const e of podEvents(change.object)) {
				try {
					store.create(eventType, e);
				} catch {
					// The namespace went away meanwhile: a real kubelet's events are dropped too.
				}
			}
		});
	});
}
