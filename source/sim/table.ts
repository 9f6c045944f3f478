// The meta.k8s.io/v1 Table that `kubectl get` asks for: the server decides the columns, so they
// print as on a real cluster. CRDs use their additionalPrinterColumns; built-ins mimic kube-apiserver.
import {evaluateJsonPath} from './jsonpath.js';
import type {KubeObject, PrinterColumn, ResourceType} from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

type ColumnDefinition = {name: string; type: string; format: string; description: string; priority: number};
type Cell = string | number | boolean | null;
type BuiltinColumn = {name: string; type?: string; format?: string; priority?: number; cell: (obj: any) => Cell};

/** kube's duration.HumanDuration, as kubectl shows ages. */
export function humanDuration(ms: number): string {
	const seconds = Math.floor(ms / 1000);
	if (seconds < -1) return '<invalid>';
	if (seconds < 0) return '0s';
	if (seconds < 120) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
	if (minutes < 180) return `${minutes}m`;
	const hours = Math.floor(minutes / 60);
	if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
	if (hours < 48) return `${hours}h`;
	if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
	if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
	if (hours < 24 * 365 * 8) return `${Math.floor(hours / 24 / 365)}y${Math.floor(hours / 24) % 365}d`;
	return `${Math.floor(hours / 24 / 365)}y`;
}

function since(timestamp: unknown): string {
	if (typeof timestamp !== 'string') return '<unknown>';
	const t = Date.parse(timestamp);
	return Number.isNaN(t) ? '<invalid>' : humanDuration(Date.now() - t);
}

const name: BuiltinColumn = {name: 'Name', format: 'name', cell: (o) => o.metadata.name};
const age: BuiltinColumn = {name: 'Age', cell: (o) => since(o.metadata.creationTimestamp)};
const createdAt: BuiltinColumn = {name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp ?? null};
const count = (value: unknown) => (value && typeof value === 'object' ? Object.keys(value).length : 0);
const roleRef: BuiltinColumn = {name: 'Role', cell: (o) => `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`};

function servicePorts(o: any): string {
	const ports: any[] = o.spec?.ports ?? [];
	if (ports.length === 0) return '<none>';
	return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIp(o: any): string {
	const ingress: any[] = o.status?.loadBalancer?.ingress ?? [];
	const ips = [...(o.spec?.externalIPs ?? []), ...ingress.map((i) => i.ip ?? i.hostname)];
	if (ips.length > 0) return ips.join(',');
	if (o.spec?.type === 'LoadBalancer') return '<pending>';
	if (o.spec?.type === 'ExternalName') return o.spec.externalName ?? '<none>';
	return '<none>';
}

function podReady(o: any): string {
	const statuses: any[] = o.status?.containerStatuses ?? [];
	const total = (o.spec?.containers ?? []).length;
	return `${statuses.filter((s) => s.ready).length}/${total}`;
}

function nodeStatus(o: any): string {
	const ready = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
	return ready?.status === 'True' ? 'Ready' : 'NotReady';
}

const builtinColumns: Record<string, BuiltinColumn[]> = {
	'/namespaces': [name, {name: 'Status', cell: (o) => o.status?.phase ?? ''}, age],
	'/services': [name, {name: 'Type', cell: (o) => o.spec?.type ?? 'ClusterIP'}, {name: 'Cluster-IP', cell: (o) => o.spec?.clusterIP ?? '<none>'},
		{name: 'External-IP', cell: externalIp}, {name: 'Port(s)', cell: servicePorts}, age,
		{name: 'Selector', priority: 1, cell: (o) => Object.entries(o.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'}],
	'/secrets': [name, {name: 'Type', cell: (o) => o.type ?? 'Opaque'}, {name: 'Data', type: 'integer', cell: (o) => count(o.data) + count(o.stringData)}, age],
	'/serviceaccounts': [name, {name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length}, age],
	'/configmaps': [name, {name: 'Data', type: 'integer', cell: (o) => count(o.data) + count(o.binaryData)}, age],
	'/pods': [name, {name: 'Ready', cell: podReady}, {name: 'Status', cell: (o) => o.status?.phase ?? 'Pending'},
		{name: 'Restarts', type: 'integer', cell: (o) => (o.status?.containerStatuses ?? []).reduce((n: number, s: any) => n + (s.restartCount ?? 0), 0)}, age,
		{name: 'IP', priority: 1, cell: (o) => o.status?.podIP ?? '<none>'}, {name: 'Node', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>'}],
	'/nodes': [name, {name: 'Status', cell: nodeStatus},
		{name: 'Roles', cell: (o) => Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24)).join(',') || '<none>'},
		age, {name: 'Version', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? ''}],
	'/events': [{name: 'Last Seen', cell: (o) => since(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp)}, {name: 'Type', cell: (o) => o.type ?? ''},
		{name: 'Reason', cell: (o) => o.reason ?? ''}, {name: 'Object', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`},
		{name: 'Message', cell: (o) => o.message ?? ''}],
	'apps/deployments': [name, {name: 'Ready', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`},
		{name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0}, {name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0}, age],
	'rbac.authorization.k8s.io/clusterroles': [name, createdAt],
	'rbac.authorization.k8s.io/roles': [name, createdAt],
	'rbac.authorization.k8s.io/clusterrolebindings': [name, roleRef, age],
	'rbac.authorization.k8s.io/rolebindings': [name, roleRef, age],
	'apiextensions.k8s.io/customresourcedefinitions': [name, createdAt],
	'storage.k8s.io/storageclasses': [name, {name: 'Provisioner', cell: (o) => o.provisioner ?? ''}, {name: 'ReclaimPolicy', cell: (o) => o.reclaimPolicy ?? 'Delete'},
		{name: 'VolumeBindingMode', cell: (o) => o.volumeBindingMode ?? 'Immediate'}, {name: 'AllowVolumeExpansion', cell: (o) => o.allowVolumeExpansion ?? false}, age],
};

function crdCell(obj: KubeObject, column: PrinterColumn): Cell {
	const values = evaluateJsonPath(obj, column.jsonPath);
	if (values.length === 0) return null;
	const first = values[0];
	switch (column.type) {
		case 'date':
			return since(first);
		case 'integer':
		case 'number':
			return typeof first === 'number' ? first : Number(first);
		case 'boolean':
			return typeof first === 'boolean' ? first : String(first) === 'true';
		default:
			return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
	}
}

function describeColumns(type: ResourceType): Array<{definition: ColumnDefinition; cell: (obj: KubeObject) => Cell}> {
	const builtin = builtinColumns[`${type.group}/${type.resource}`];
	if (builtin) {
		return builtin.map((c) => ({
			definition: {name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.name, priority: c.priority ?? 0},
			cell: c.cell,
		}));
	}
	const nameColumn = {definition: {name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0}, cell: name.cell};
	if (!type.columns || type.columns.length === 0) {
		return [nameColumn, {definition: {name: 'Age', type: 'date', format: '', description: 'CreationTimestamp', priority: 0}, cell: age.cell}];
	}
	return [nameColumn, ...type.columns.map((c) => ({
		definition: {name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0},
		cell: (obj: KubeObject) => crdCell(obj, c),
	}))];
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
	if (include === 'None') return undefined;
	if (include === 'Object') return obj;
	return {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata};
}

export function toTable(type: ResourceType, objects: KubeObject[], options: {include: IncludeObject; listMeta?: Record<string, unknown>; noHeaders?: boolean}) {
	const columns = describeColumns(type);
	return {
		kind: 'Table',
		apiVersion: 'meta.k8s.io/v1',
		metadata: options.listMeta ?? {},
		...(options.noHeaders ? {} : {columnDefinitions: columns.map((c) => c.definition)}),
		rows: objects.map((obj) => {
			const object = rowObject(obj, options.include);
			return {cells: columns.map((c) => safeCell(c.cell, obj)), ...(object ? {object} : {})};
		}),
	};
}

function safeCell(cell: (obj: KubeObject) => Cell, obj: KubeObject): Cell {
	try {
		return cell(obj) ?? null;
	} catch {
		return null;
	}
}

/** `application/json;as=Table;v=v1;g=meta.k8s.io` (or v1beta1) anywhere in Accept. */
export function wantsTable(accept: string | undefined): boolean {
	// Nearly every request asks for no table: no need to split its Accept header into parts.
	if (!accept || !accept.includes('as=Table')) return false;
	return accept.split(',').some((part) => {
		const params = part.split(';').map((p) => p.trim());
		return params.includes('as=Table') && params.includes('g=meta.k8s.io');
	});
}
