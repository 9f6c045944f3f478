// Server-side apply of a validated manifest set, as `kubectl apply --server-side` does it, plus the
// pieces plans need around it: the apply order (Namespaces and CRDs first, then wait until the CRDs
// are Established, then the rest), document filters, dry runs, GET and DELETE of one object. Kinds
// resolve through discovery.ts; waits on objects are watch-until.ts.

import type {ClusterClient} from './client.js';
import {discoveryFor, type ResolvedKind} from './discovery.js';
import {KubeError, isKubeError} from './errors.js';
import {describeObject, type ManifestDoc, type ManifestObject} from './manifests.js';
import {resourcePath, splitApiVersion} from './paths.js';
import {conditionStatus, watchUntil, type Conditioned} from './watch-until.js';

export const fieldManager = 'calico-mcm';

/** A filter that drops documents of the given `group/Kind`s (a group-less entry matches any group). */
export function dropKinds(...kinds: string[]): (obj: ManifestObject) => boolean {
	return obj => {
		const group = splitApiVersion(obj.apiVersion).group;
		return !kinds.some(k => (k.includes('/') ? k === `${group}/${obj.kind}` : k === obj.kind));
	};
}

/** A managed cluster keeps no Manager and no LogStorage (the vendor how-to removes them by hand). */
export const managedClusterFilter = dropKinds('operator.tigera.io/Manager', 'operator.tigera.io/LogStorage');

const isCrd = (o: ManifestObject) => o.kind === 'CustomResourceDefinition' && splitApiVersion(o.apiVersion).group === 'apiextensions.k8s.io';
const isNamespace = (o: ManifestObject) => o.kind === 'Namespace' && o.apiVersion === 'v1';

/** Namespaces first, then CRDs, then everything else in the order given (stable). */
export function orderForApply<T extends {object: ManifestObject}>(docs: readonly T[]): T[] {
	const rank = (d: T) => (isNamespace(d.object) ? 0 : isCrd(d.object) ? 1 : 2);
	return docs.map((d, i) => ({d, i})).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map(x => x.d);
}

export type ApplyAction = 'applied' | 'dry-run' | 'filtered';

export type ApplyResult = {doc: ManifestDoc; action: ApplyAction; resourceVersion?: string};

export type ApplyOptions = {
	signal?: AbortSignal;
	/** Server-side dry run (dryRun=All): the server validates and answers, nothing is stored. */
	dryRun?: boolean;
	/**
	 * Take over fields another manager owns (kubectl's --force-conflicts). Off by default: a conflict
	 * is reported with the other manager's name instead of silently overwriting someone's change.
	 */
	force?: boolean;
	/** Keep only the documents this returns true for (e.g. managedClusterFilter). */
	filter?: (obj: ManifestObject) => boolean;
	/** How long to wait for new CRDs to be Established. Default 60 s. */
	establishTimeoutMs?: number;
	/** Called after every object. */
	onResult?: (result: ApplyResult) => void;
};

function where(doc: ManifestDoc): string {
	return `${doc.file} document ${doc.document} (${describeObject(doc.object)})`;
}

/** The REST path of one object of a resolved kind (namespaced objects default to the context's namespace). */
export function objectPath(client: ClusterClient, kind: ResolvedKind, obj: {metadata: {name: string; namespace?: string}}): string {
	const namespace = kind.namespaced ? obj.metadata.namespace || client.namespace || 'default' : undefined;
	return resourcePath(kind, {namespace, name: obj.metadata.name});
}

/** Server-side apply of one object. Returns what the server answered. */
export async function applyObject(
	client: ClusterClient,
	kind: ResolvedKind,
	obj: ManifestObject,
	options: {signal?: AbortSignal; dryRun?: boolean; force?: boolean} = {},
): Promise<ManifestObject> {
	const body = kind.namespaced && !obj.metadata.namespace ? {...obj, metadata: {...obj.metadata, namespace: client.namespace || 'default'}} : obj;
	try {
		return await client.request<ManifestObject>({
			method: 'PATCH',
			path: objectPath(client, kind, obj),
			query: {fieldManager, force: options.force ? true : undefined, dryRun: options.dryRun ? 'All' : undefined},
			contentType: 'application/apply-patch+yaml',
			body,
			signal: options.signal,
		});
	} catch (error) {
		if (isKubeError(error, 'conflict')) {
			throw new KubeError({
				kind: 'conflict',
				message: `${describeObject(obj)}: ${error.message}`,
				context: client.context,
				status: error.status,
				reason: error.reason,
				body: error.body,
				cause: error,
			});
		}
		throw error;
	}
}

/**
 * Apply a validated manifest set: Namespaces and CRDs first, wait until those CRDs are Established,
 * then the rest, each by server-side apply with field manager `calico-mcm`. Every kind not defined
 * by a CRD of the set is resolved before the first write, so an unknown kind changes nothing.
 */
export async function applyManifests(client: ClusterClient, docs: readonly ManifestDoc[], options: ApplyOptions = {}): Promise<ApplyResult[]> {
	const discovery = discoveryFor(client);
	const results: ApplyResult[] = [];
	const report = (result: ApplyResult) => {
		results.push(result);
		options.onResult?.(result);
	};
	const kept: ManifestDoc[] = [];
	for (const doc of docs) {
		if (options.filter && !options.filter(doc.object)) report({doc, action: 'filtered'});
		else kept.push(doc);
	}
	const ordered = orderForApply(kept);
	const crdKinds = new Set(
		ordered.filter(d => isCrd(d.object)).map(d => {
			const spec = d.object.spec as {group?: string; names?: {kind?: string}};
			return `${spec.group}/${spec.names?.kind}`;
		}),
	);
	const definedHere = (o: ManifestObject) => crdKinds.has(`${splitApiVersion(o.apiVersion).group}/${o.kind}`);

	// Resolve everything that does not wait on a CRD of this set before writing anything.
	const resolved = new Map<ManifestDoc, ResolvedKind>();
	const unknown: string[] = [];
	for (const doc of ordered) {
		if (definedHere(doc.object)) continue;
		const kind = await discovery.resolve(doc.object.apiVersion, doc.object.kind, options.signal);
		if (kind) resolved.set(doc, kind);
		else unknown.push(`${where(doc)}: the cluster does not serve ${doc.object.kind} in ${doc.object.apiVersion}`);
	}
	if (unknown.length > 0) {
		throw new KubeError({
			kind: 'invalid',
			message: `${unknown.join('; ')} (is its CustomResourceDefinition installed?); nothing was applied`,
			context: client.context,
		});
	}

	// A dry run creates no Namespace, so the server would answer 404 for objects in a new one.
	const newNamespaces = new Set<string>();
	if (options.dryRun) {
		for (const doc of ordered) {
			if (isNamespace(doc.object) && !(await getObject(client, resourcePath({version: 'v1', resource: 'namespaces'}, {name: doc.object.metadata.name}), options.signal))) {
				newNamespaces.add(doc.object.metadata.name);
			}
		}
	}
	const inNewNamespace = (doc: ManifestDoc, kind: ResolvedKind) => kind.namespaced && newNamespaces.has(doc.object.metadata.namespace || client.namespace || 'default');

	const first = ordered.filter(d => isNamespace(d.object) || isCrd(d.object));
	const rest = ordered.filter(d => !first.includes(d));
	for (const doc of first) {
		const answer = await applyObject(client, resolved.get(doc)!, doc.object, options);
		report({doc, action: options.dryRun ? 'dry-run' : 'applied', resourceVersion: answer?.metadata?.resourceVersion as string | undefined});
	}
	const crdNames = first.filter(d => isCrd(d.object)).map(d => d.object.metadata.name);
	if (crdNames.length > 0 && !options.dryRun) {
		await waitForCrdsEstablished(client, crdNames, {signal: options.signal, timeoutMs: options.establishTimeoutMs});
		discovery.invalidate();
	}
	for (const doc of rest) {
		let kind = resolved.get(doc);
		if (!kind) {
			kind = await discovery.resolve(doc.object.apiVersion, doc.object.kind, options.signal);
			if (!kind && options.dryRun) {
				// Its CRD is in this set but was not created (dry run): nothing the server could check.
				report({doc, action: 'dry-run'});
				continue;
			}
			if (!kind) {
				throw new KubeError({kind: 'invalid', message: `${where(doc)}: the cluster does not serve ${doc.object.kind} in ${doc.object.apiVersion} although its CRD is Established`, context: client.context});
			}
		}
		if (options.dryRun && inNewNamespace(doc, kind)) {
			report({doc, action: 'dry-run'});
			continue;
		}
		const answer = await applyObject(client, kind, doc.object, options);
		report({doc, action: options.dryRun ? 'dry-run' : 'applied', resourceVersion: answer?.metadata?.resourceVersion as string | undefined});
	}
	return results;
}

/** Which documents of a set are not on the cluster (after filtering); for a step's check(). */
export async function missingObjects(
	client: ClusterClient,
	docs: readonly ManifestDoc[],
	options: {signal?: AbortSignal; filter?: (obj: ManifestObject) => boolean} = {},
): Promise<ManifestDoc[]> {
	const discovery = discoveryFor(client);
	const missing: ManifestDoc[] = [];
	for (const doc of docs) {
		if (options.filter && !options.filter(doc.object)) continue;
		const kind = await discovery.resolve(doc.object.apiVersion, doc.object.kind, options.signal);
		if (!kind) {
			missing.push(doc);
			continue;
		}
		if (!(await getObject(client, objectPath(client, kind, doc.object), options.signal))) missing.push(doc);
	}
	return missing;
}

/** GET an object; undefined when it (or its resource type) does not exist. */
export async function getObject<T = ManifestObject>(client: ClusterClient, path: string, signal?: AbortSignal): Promise<T | undefined> {
	try {
		return await client.request<T>({path, signal});
	} catch (error) {
		if (isKubeError(error, 'not-found')) return undefined;
		throw error;
	}
}

/** DELETE an object; false when it was not there. */
export async function deleteObject(client: ClusterClient, path: string, options: {signal?: AbortSignal; dryRun?: boolean} = {}): Promise<boolean> {
	try {
		await client.request({method: 'DELETE', path, query: {dryRun: options.dryRun ? 'All' : undefined}, signal: options.signal});
		return true;
	} catch (error) {
		if (isKubeError(error, 'not-found')) return false;
		throw error;
	}
}

/** Wait until every named CRD has condition Established=True: one GET each, then one watch if needed. */
export async function waitForCrdsEstablished(client: ClusterClient, names: readonly string[], options: {signal?: AbortSignal; timeoutMs?: number} = {}): Promise<void> {
	const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
	const pending: string[] = [];
	for (const name of names) {
		const crd = await getObject<Conditioned>(client, `${base}/${name}`, options.signal);
		if (conditionStatus(crd, 'Established') !== 'True') pending.push(name);
	}
	if (pending.length === 0) return;
	await watchUntil<Conditioned>(client, {
		path: base,
		what: `CustomResourceDefinition${pending.length > 1 ? 's' : ''} ${pending.join(', ')} Established`,
		done: objects => pending.every(n => conditionStatus(objects.get(n), 'Established') === 'True'),
		progress: objects => `not yet: ${pending.filter(n => conditionStatus(objects.get(n), 'Established') !== 'True').join(', ')}`,
		timeoutMs: options.timeoutMs ?? 60_000,
		signal: options.signal,
	});
}
