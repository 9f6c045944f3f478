// Preflight items the plans share: the cluster answers and allows what the plan does, what it is,
// the ClusterRole a binding names exists, and the files a plan writes can be written.

import fs from 'node:fs';
import path from 'node:path';
import {getObject} from '../../kube/apply.js';
import {discoveryFor} from '../../kube/discovery.js';
import type {ClusterClient} from '../../kube/client.js';
import type {ManifestDoc} from '../../kube/manifests.js';
import {checkAccess, checkReachable, probeCluster, roleItem, type AccessNeed, type ClusterFacts} from '../preflight.js';
import type {ClusterRole} from '../types.js';
import {pathOf, resources} from '../resources.js';
import type {PreflightItem} from '../step.js';

function guessPlural(kind: string): string {
	const lower = kind.toLowerCase();
	if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
	if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
	return `${lower}s`;
}

/** The permissions server-side apply of these documents needs (create and patch each resource). */
export async function accessForDocs(client: ClusterClient, docs: readonly ManifestDoc[], signal?: AbortSignal): Promise<AccessNeed[]> {
	const crdPlurals = new Map<string, string>();
	for (const d of docs) {
		if (d.object.kind !== 'CustomResourceDefinition') continue;
		const spec = d.object.spec as {group?: string; names?: {kind?: string; plural?: string}};
		if (spec.group && spec.names?.kind && spec.names.plural) crdPlurals.set(`${spec.group}/${spec.names.kind}`, spec.names.plural);
	}
	const needs: AccessNeed[] = [];
	const discovery = discoveryFor(client);
	for (const d of docs) {
		const group = d.object.apiVersion.includes('/') ? d.object.apiVersion.split('/')[0]! : '';
		let resource = crdPlurals.get(`${group}/${d.object.kind}`);
		let namespaced = d.object.metadata.namespace !== undefined;
		if (!resource) {
			const resolved = await discovery.resolve(d.object.apiVersion, d.object.kind, signal).catch(() => undefined);
			resource = resolved?.resource ?? guessPlural(d.object.kind);
			if (resolved) namespaced = resolved.namespaced;
		}
		const namespace = namespaced ? d.object.metadata.namespace ?? client.namespace : undefined;
		for (const verb of ['create', 'patch']) needs.push({verb, group, resource, namespace});
	}
	return needs;
}

/** Reachability first; the permission check only when the cluster answers. */
export async function clusterItems(client: ClusterClient, needs: readonly AccessNeed[], signal?: AbortSignal): Promise<{reachable: boolean; items: PreflightItem[]}> {
	const reach = await checkReachable(client, signal);
	if (!reach.ok) return {reachable: false, items: [reach]};
	return {reachable: true, items: [reach, await checkAccess(client, needs, signal)]};
}

/** What a plan asks of a cluster before it starts: the permissions it uses, and the roles it accepts. */
export type ClusterCheck = {
	needs: readonly AccessNeed[];
	/** The cluster's role must be one of these; `fixes` says, per refused role, what to do. */
	roles: {context: string; allowed: readonly ClusterRole[]; fixes: Partial<Record<ClusterRole, string>>};
	/** Runs once the cluster answered, before it is probed (a plan learning the names it will use). */
	beforeProbe?: (signal: AbortSignal) => Promise<void>;
};

/** Reachability, access and, when the cluster answers, its role; `facts` (role, version) for the plan's own items. */
export async function clusterFacts(client: ClusterClient, check: ClusterCheck, signal: AbortSignal): Promise<{items: PreflightItem[]; facts?: ClusterFacts}> {
	const cluster = await clusterItems(client, check.needs, signal);
	if (!cluster.reachable) return {items: cluster.items};
	await check.beforeProbe?.(signal);
	const facts = await probeCluster(client, signal);
	const {context, allowed, fixes} = check.roles;
	return {items: [...cluster.items, roleItem(context, facts.role, allowed, fixes)], facts};
}

/** Preflight item: the ClusterRole a binding will name exists (the tigera-* roles come with the install). */
export async function clusterRoleItem(client: ClusterClient, context: string, role: string, signal?: AbortSignal): Promise<PreflightItem> {
	const found = await getObject(client, pathOf(resources.clusterRoles, role), signal).catch(() => undefined);
	return found
		? {label: `ClusterRole ${role}`, ok: true, message: 'present'}
		: {label: `ClusterRole ${role}`, ok: false, message: `${context} has no ClusterRole ${role}`, fix: 'install Calico Enterprise on it first (it brings the tigera-* roles), or choose another --role'};
}

/**
 * What binding a user to a cluster role needs: the cluster answers, the permissions to create the
 * binding (after `needsFirst`, what the plan does before it), and the role exists.
 */
export async function bindingPreflight(client: ClusterClient, context: string, role: string, signal: AbortSignal | undefined, needsFirst: readonly AccessNeed[] = []): Promise<PreflightItem[]> {
	const cluster = await clusterItems(
		client,
		[
			...needsFirst,
			{verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
			{verb: 'get', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
		],
		signal,
	);
	return cluster.reachable ? [...cluster.items, await clusterRoleItem(client, context, role, signal)] : cluster.items;
}

/** True when a directory exists and we can write into it. */
export function writableDirItem(file: string, label: string): PreflightItem {
	const dir = path.dirname(file);
	try {
		fs.accessSync(dir, fs.constants.W_OK);
		return {label, ok: true, message: `${file} (written with mode 0600)`};
	} catch {
		return {label, ok: false, message: `cannot write ${file}: ${fs.existsSync(dir) ? 'the directory is not writable' : 'the directory does not exist'}`, fix: `choose a writable path`};
	}
}
