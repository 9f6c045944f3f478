// Defaulting that real controllers/registries apply to built-in objects: namespace phase, service
// cluster IPs and node ports. Runs inside the store before admission hooks.
import {randomInt} from 'node:crypto';
import {invalid, type FieldCause} from './status-error.js';
import type {KubeObject, ResourceType} from './types.js';

const nodePortMin = 30000;
const nodePortMax = 32767;

type ServicePort = {port?: number; nodePort?: number; protocol?: string; targetPort?: unknown; name?: string};
type ServiceSpec = {type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[]};

export type DefaultsContext = {
	/** Every stored service, to keep node ports and cluster IPs unique. */
	services(): KubeObject[];
};

function isCore(type: ResourceType, resource: string): boolean {
	return type.group === '' && type.resource === resource;
}

export function applyBuiltinDefaults(type: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: DefaultsContext): void {
	if (isCore(type, 'namespaces')) {
		obj.metadata.labels = {...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name};
		obj.spec = {finalizers: ['kubernetes'], ...(obj.spec as object | undefined)};
		const status = (obj.status ?? {}) as {phase?: string};
		obj.status = {...status, phase: status.phase ?? 'Active'};
	} else if (isCore(type, 'services')) {
		defaultService(type, obj, old, ctx);
	} else if (isCore(type, 'secrets')) {
		if (!obj.type) obj.type = 'Opaque';
	}
}

function usedNodePorts(ctx: DefaultsContext, self: KubeObject): Set<number> {
	const used = new Set<number>();
	for (const svc of ctx.services()) {
		if (svc.metadata.namespace === self.metadata.namespace && svc.metadata.name === self.metadata.name) continue;
		for (const p of ((svc.spec as ServiceSpec | undefined)?.ports ?? [])) if (p.nodePort) used.add(p.nodePort);
	}
	return used;
}

let nextClusterIp = 10;

function allocateClusterIp(ctx: DefaultsContext): string {
	const used = new Set(ctx.services().map((s) => (s.spec as ServiceSpec | undefined)?.clusterIP));
	for (;;) {
		const n = nextClusterIp++;
		// 10.96.0.0/12 as kubeadm's default service range; wraps long before exhausting it.
		const ip = `10.96.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
		if (!used.has(ip)) return ip;
	}
}

function defaultService(type: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: DefaultsContext): void {
	const spec = {...((obj.spec ?? {}) as ServiceSpec)};
	obj.spec = spec;
	spec.type ??= 'ClusterIP';
	const oldSpec = (old?.spec ?? {}) as ServiceSpec;
	if (spec.type !== 'ExternalName') {
		if (!spec.clusterIP) spec.clusterIP = oldSpec.clusterIP ?? allocateClusterIp(ctx);
		if (!spec.clusterIPs) spec.clusterIPs = spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
	}
	const ports = (spec.ports ?? []).map((p) => ({protocol: 'TCP', ...p}));
	spec.ports = ports;
	const causes: FieldCause[] = [];
	const wantsNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
	if (wantsNodePort) {
		const used = usedNodePorts(ctx, obj);
		ports.forEach((p, i) => {
			if (p.nodePort === undefined) {
				// Keep the port a previous version had for the same service port, as the registry does.
				const previous = oldSpec.ports?.find((o) => o.port === p.port && o.nodePort)?.nodePort;
				if (previous && !used.has(previous)) {
					p.nodePort = previous;
				} else {
					let candidate = nodePortMin + randomInt(nodePortMax - nodePortMin + 1);
					while (used.has(candidate)) candidate = candidate === nodePortMax ? nodePortMin : candidate + 1;
					p.nodePort = candidate;
				}
			} else if (!Number.isInteger(p.nodePort) || p.nodePort < nodePortMin || p.nodePort > nodePortMax) {
				causes.push({field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${nodePortMin}-${nodePortMax}`});
			} else if (used.has(p.nodePort)) {
				causes.push({field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated`});
			}
			if (p.nodePort) used.add(p.nodePort);
		});
	} else {
		ports.forEach((p, i) => {
			if (p.nodePort !== undefined && p.nodePort !== 0) {
				causes.push({field: `spec.ports[${i}].nodePort`, message: `Forbidden: may not be used when \`type\` is '${spec.type}'`, reason: 'FieldValueForbidden'});
			}
		});
	}
	ports.forEach((p, i) => {
		if (!Number.isInteger(p.port) || (p.port as number) < 1 || (p.port as number) > 65535) {
			causes.push({field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(p.port ?? null)}: must be between 1 and 65535, inclusive`});
		}
	});
	if (causes.length > 0) throw invalid(type, obj.metadata.name, causes);
}
