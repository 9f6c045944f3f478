import yaml from 'js-yaml';
import type {ClusterClient} from '../kube/client.js';
import {isKubeError} from '../kube/errors.js';
import {pathOf, resources} from './resources.js';
import {maskObject, maskText} from './secrets.js';

// What a support bundle holds for one cluster: its Tigera objects (TigerStatus, Installation,
// ManagementCluster, ManagementClusterConnection, ManagedClusters), the Events of the Tigera
// namespaces, the last lines of the operator's and the guardian's logs, and the versions. Everything
// goes through redact(): a Secret keeps its name and keys but no data, tokens, PEM blocks and key
// material in any field or log line are masked, and a ManagedCluster's installation manifest is
// dropped. A request that fails is noted in the bundle and the rest is still collected; a cluster
// that cannot be reached at all is skipped with the reason.

export type DiagFile = {path: string; content: string};

export type ClusterDiags = {
	cluster: string;
	files: DiagFile[];
	/** Set when the cluster was skipped (unreachable, unauthorized): the reason. */
	skipped?: string;
	/** Requests that failed; the bundle says so in errors.txt. */
	errors: string[];
};

export const tigeraNamespaces = ['tigera-operator', 'calico-system'] as const;

const objectLists: Array<{file: string; path: string}> = [
	{file: 'installations.yaml', path: pathOf(resources.installations)},
	{file: 'tigerastatuses.yaml', path: pathOf(resources.tigerStatuses)},
	{file: 'managementclusters.yaml', path: pathOf(resources.managementClusters)},
	{file: 'managementclusterconnections.yaml', path: pathOf(resources.managementClusterConnections)},
	{file: 'managedclusters.yaml', path: pathOf(resources.managedClusters)},
];

type Obj = {kind?: string; metadata?: {name?: string; namespace?: string; managedFields?: unknown}; spec?: Record<string, unknown>; data?: unknown; stringData?: unknown; items?: Obj[]};

/** A copy fit for a bundle: no Secret data, no installation manifest, no managedFields, tokens and PEMs masked. */
export function redact(object: unknown): unknown {
	const scrub = (o: Obj): Obj => {
		const copy: Obj = {...o};
		if (copy.metadata) {
			copy.metadata = {...copy.metadata};
			delete copy.metadata.managedFields;
		}
		if (copy.kind === 'Secret') {
			const keys = [...Object.keys((copy.data as object) ?? {}), ...Object.keys((copy.stringData as object) ?? {})];
			delete copy.data;
			delete copy.stringData;
			(copy as Record<string, unknown>).dataRemoved = keys;
		}
		if (copy.spec && 'installationManifest' in copy.spec) {
			copy.spec = {...copy.spec};
			delete copy.spec.installationManifest;
		}
		if (Array.isArray(copy.items)) copy.items = copy.items.map(scrub);
		return copy;
	};
	if (!object || typeof object !== 'object') return object;
	return maskObject(scrub(object as Obj));
}

type Pod = {metadata: {name: string; namespace?: string; labels?: Record<string, string>}; status?: {phase?: string}};

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

async function podLog(client: ClusterClient, namespace: string, pod: string, tailLines: number, signal: AbortSignal): Promise<string> {
	const text = await client.requestText({path: `/api/v1/namespaces/${namespace}/pods/${pod}/log`, query: {tailLines}, accept: '*/*', signal});
	return text.split('\n').map(maskText).join('\n');
}

export type CollectOptions = {
	/** Lines of each log (default 500). */
	tailLines?: number;
	signal?: AbortSignal;
	/** One line per thing collected or failed (progress). */
	onProgress?: (text: string) => void;
};

/** Everything the bundle holds for one cluster. Never throws: failures are in `errors` or `skipped`. */
export async function collectClusterDiags(client: ClusterClient, options: CollectOptions = {}): Promise<ClusterDiags> {
	const cluster = client.context;
	const signal = options.signal ?? new AbortController().signal;
	const tailLines = options.tailLines ?? 500;
	const out: ClusterDiags = {cluster, files: [], errors: []};
	const add = (file: string, content: string) => out.files.push({path: `${cluster}/${file}`, content});
	const dump = (value: unknown) => yaml.dump(redact(value), {lineWidth: -1, noRefs: true});

	let version: unknown;
	try {
		version = await client.request({path: '/version', signal});
	} catch (error) {
		if (isKubeError(error, 'unreachable') || isKubeError(error, 'timeout') || isKubeError(error, 'unauthorized') || isKubeError(error, 'exec') || isKubeError(error, 'aborted')) {
			out.skipped = describe(error);
			add('SKIPPED.txt', `${cluster} was skipped: ${maskText(out.skipped)}\n`);
			return out;
		}
		out.errors.push(`GET /version: ${describe(error)}`);
	}
	const versions: Record<string, unknown> = {kubernetes: version ?? null};

	await Promise.all(objectLists.map(async ({file, path}) => {
		try {
			const list = await client.request<Obj>({path, signal});
			add(file, dump(list));
			if (file === 'installations.yaml') {
				const installation = (list?.items ?? []).find(i => i.metadata?.name === 'default') ?? list?.items?.[0];
				const status = (installation as {status?: {calicoVersion?: string; variant?: string}} | undefined)?.status;
				versions.calicoEnterprise = status?.calicoVersion ?? null;
				versions.variant = status?.variant ?? null;
			}
		} catch (error) {
			if (isKubeError(error, 'not-found')) add(file, `# ${path}: not served on ${cluster}\n`);
			else out.errors.push(`GET ${path}: ${describe(error)}`);
		}
	}));

	await Promise.all(tigeraNamespaces.map(async namespace => {
		const path = `/api/v1/namespaces/${namespace}/events`;
		try {
			const list = await client.request<Obj>({path, signal});
			add(`events-${namespace}.yaml`, dump(list));
		} catch (error) {
			out.errors.push(`GET ${path}: ${describe(error)}`);
		}
	}));

	const logsOf = async (file: string, namespaces: readonly string[], match: (pod: Pod) => boolean) => {
		try {
			const pods: Pod[] = [];
			for (const namespace of namespaces) {
				try {
					const list = await client.request<{items?: Pod[]}>({path: pathOf(resources.pods, undefined, namespace), signal});
					pods.push(...(list?.items ?? []).map(p => ({...p, metadata: {...p.metadata, namespace}})));
				} catch (error) {
					if (!isKubeError(error, 'not-found')) throw error;
				}
			}
			const found = pods.filter(match);
			if (found.length === 0) {
				add(file, `# no such pod on ${cluster}\n`);
				return;
			}
			const parts: string[] = [];
			for (const pod of found) parts.push(`# ${pod.metadata.namespace}/${pod.metadata.name} (last ${tailLines} lines)\n${await podLog(client, pod.metadata.namespace!, pod.metadata.name, tailLines, signal)}`);
			add(file, `${parts.join('\n')}\n`);
		} catch (error) {
			out.errors.push(`${file}: ${describe(error)}`);
		}
	};
	await logsOf('operator.log', ['tigera-operator'], p => p.metadata.labels?.['k8s-app'] === 'tigera-operator' || p.metadata.name.startsWith('tigera-operator'));
	await logsOf('guardian.log', ['calico-system', 'tigera-guardian'], p => p.metadata.labels?.['k8s-app'] === 'guardian' || p.metadata.labels?.['k8s-app'] === 'tigera-guardian' || /^(tigera-)?guardian-/.test(p.metadata.name));

	add('versions.json', `${JSON.stringify(redact(versions), null, 2)}\n`);
	if (out.errors.length > 0) add('errors.txt', `${out.errors.map(maskText).join('\n')}\n`);
	options.onProgress?.(`${cluster}: ${out.files.length} files${out.errors.length > 0 ? `, ${out.errors.length} requests failed (see ${cluster}/errors.txt)` : ''}`);
	return out;
}
