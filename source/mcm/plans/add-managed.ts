// Plan: add a managed cluster to a management cluster (the how-to's "Add a managed cluster"): create
// the ManagedCluster, save the installation manifest the API returns, and check its address.
//
// The installation manifest is returned in the create response ONLY. So the create and the file
// write are one unit that a cancel does not split: the request runs to its end (bounded by the
// request timeout) and the manifest is saved before the cancel is honoured. When the ManagedCluster
// exists already and its manifest was not saved, the only way to a manifest is to re-create it
// (--recreate), which invalidates the old one.

import {objectRef} from '../object-ref.js';
import fs from 'node:fs';
import type {ClusterClient} from '../../kube/client.js';
import {getObject, deleteObject} from '../../kube/apply.js';
import {watchUntil} from '../../kube/watch-until.js';
import {parseManifestText, type ManifestDoc} from '../../kube/manifests.js';
import {normalizeAddress} from '../role.js';
import {checkName, probeCluster, roleItem} from '../preflight.js';
import {maskObject, registerSecret, writeSecretFile} from '../secrets.js';
import {StepError, type Plan, type PreflightItem, type Step} from '../step.js';
import {clusterItems, kubectl, operatorNamespace, pathOf, resources, secretPath, sh, shownPath, singleton, writableDirItem, type PlanEnv} from './common.js';
import {managedClusterPath} from '../waits.js';

export type AddManagedOptions = {
	/** The management cluster. */
	context: string;
	name: string;
	/** Where the installation manifest is written (0600). Default: <name>.yaml in the working directory. */
	output?: string;
	/** Delete and re-create an existing ManagedCluster whose manifest was not saved. */
	recreate?: boolean;
};

export function managedClusterObject(name: string) {
	return {apiVersion: 'projectcalico.org/v3', kind: 'ManagedCluster', metadata: {name}, spec: {operatorNamespace}};
}

/** The ManagementClusterConnection's address in an installation manifest; throws naming the file. */
export function manifestAddress(docs: readonly ManifestDoc[], file: string): string {
	const mcc = docs.find(d => d.object.kind === 'ManagementClusterConnection');
	const addr = (mcc?.object.spec as {managementClusterAddr?: unknown} | undefined)?.managementClusterAddr;
	if (typeof addr !== 'string' || addr === '') throw new StepError(`${file} holds no ManagementClusterConnection with a managementClusterAddr`, 'it is not an installation manifest: re-create it (add-managed --recreate)');
	return addr;
}

/** Reads a saved installation manifest, or undefined when the file does not exist. */
export function readInstallationManifest(file: string): ManifestDoc[] | undefined {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	if (text.trim() === '') return undefined;
	const docs = parseManifestText(text, file);
	registerManifestSecrets(docs);
	return docs;
}

/** The values of the manifest's Secrets (the tunnel certificate and key) are secret wherever they turn up. */
function registerManifestSecrets(docs: readonly ManifestDoc[]): void {
	for (const doc of docs) {
		if (doc.object.kind !== 'Secret') continue;
		for (const value of Object.values((doc.object.data ?? {}) as Record<string, unknown>)) if (typeof value === 'string') registerSecret(value);
	}
}

export type AddManagedShared = {
	file: string;
	shownFile: string;
	/** For join: the managed cluster holds the connection already, so a lost manifest does not matter. */
	alreadyJoined?: (signal: AbortSignal) => Promise<boolean>;
};

/** The two steps of add-managed, on the management cluster `mgmt` (shared with join). */
export function addManagedSteps(o: {context: string; name: string; recreate?: boolean; idPrefix?: string}, mgmt: ClusterClient, shared: AddManagedShared): Step[] {
	const p = o.idPrefix ?? '';
	const mcPath = pathOf(resources.managedClusters, o.name);
	const createKubectl = `(umask 077; ${kubectl(o.context, 'create', '-o', 'jsonpath={.spec.installationManifest}', '-f', '-')} > ${sh(shared.shownFile)} <<'EOF'
apiVersion: projectcalico.org/v3
kind: ManagedCluster
metadata:
  name: ${o.name}
spec:
  operatorNamespace: ${operatorNamespace}
EOF
)`;
	const existsWithoutManifest = (): StepError =>
		new StepError(
			`ManagedCluster ${o.name} exists already on ${o.context}, and ${shared.shownFile} does not hold its installation manifest: the API returns the manifest only when the ManagedCluster is created`,
			`if you saved the manifest elsewhere, pass --output FILE; otherwise re-run with --recreate to delete and re-create ${o.name} (its managed cluster must then apply the new manifest)`,
		);

	const create: Step = {
		id: `${p}managed-cluster`,
		title: `Create the ManagedCluster ${o.name} and save its installation manifest to ${shared.shownFile}`,
		kubectl: o.recreate ? `${kubectl(o.context, 'delete', 'managedcluster', o.name, '--ignore-not-found')}\n${createKubectl}` : createKubectl,
		context: o.context,
		object: objectRef(o.context, 'managedClusters', o.name),
		async check(ctx) {
			const existing = await getObject(mgmt, mcPath, ctx.signal);
			if (!existing) return {done: false, detail: 'new'};
			if (readInstallationManifest(shared.file)) {
				fs.chmodSync(shared.file, 0o600);
				return {done: true, detail: `present; manifest in ${shared.shownFile}`};
			}
			if (await shared.alreadyJoined?.(ctx.signal)) return {done: true, detail: 'present, and the managed cluster holds its connection already'};
			if (o.recreate) return {done: false, detail: 'present without a saved manifest: re-creating it'};
			throw existsWithoutManifest();
		},
		async run(ctx) {
			if (await getObject(mgmt, mcPath, ctx.signal)) {
				if (!o.recreate) throw existsWithoutManifest();
				await deleteObject(mgmt, mcPath, {signal: ctx.signal});
				await watchUntil<{metadata?: {name?: string}}>(mgmt, {
					path: managedClusterPath,
					query: {fieldSelector: `metadata.name=${o.name}`},
					what: `ManagedCluster ${o.name} deleted`,
					done: objects => !objects.has(o.name),
					timeoutMs: 60_000,
					signal: ctx.signal,
				});
			}
			// No cancel signal here on purpose: the manifest exists only in this response (see top).
			const created = await mgmt.request<{spec?: {installationManifest?: string}}>({method: 'POST', path: pathOf(resources.managedClusters), body: managedClusterObject(o.name)});
			const manifest = created?.spec?.installationManifest;
			if (!manifest) {
				throw new StepError(
					`ManagedCluster ${o.name} was created on ${o.context} but the answer held no installationManifest`,
					`check the Calico Enterprise API server on ${o.context}; then re-run with --recreate`,
				);
			}
			registerSecret(manifest);
			try {
				registerManifestSecrets(parseManifestText(manifest, 'installationManifest'));
			} catch {
				// Masked whole all the same.
			}
			writeSecretFile(shared.file, manifest.endsWith('\n') ? manifest : `${manifest}\n`);
			return `created; installation manifest saved to ${shared.shownFile} (0600)`;
		},
		async preview() {
			return {objects: [managedClusterObject(o.name)], note: `saves the installation manifest (a secret) to ${shared.shownFile} with mode 0600`};
		},
	};

	const verify: Step = {
		id: `${p}verify-address`,
		title: 'Check the manifest\'s managementClusterAddr against the ManagementCluster address',
		kubectl: `grep managementClusterAddr ${sh(shared.shownFile)}; ${kubectl(o.context, 'get', 'managementcluster', singleton, '-o', 'jsonpath={.spec.address}')}`,
		context: o.context,
		mutating: false,
		async check(ctx) {
			const docs = readInstallationManifest(shared.file);
			if (!docs) {
				if (await shared.alreadyJoined?.(ctx.signal)) return {done: true, detail: 'the managed cluster holds its connection already'};
				throw new StepError(`${shared.shownFile} does not exist`, 'run the previous step again');
			}
			const inManifest = manifestAddress(docs, shared.shownFile);
			const mc = await getObject<{spec?: {address?: string}}>(mgmt, pathOf(resources.managementClusters, singleton), ctx.signal);
			const address = mc?.spec?.address;
			if (!address) throw new StepError(`${o.context} has no ManagementCluster address`, `make it a management cluster first: calico-mcm run make-management --context ${o.context}`);
			if (normalizeAddress(address) !== normalizeAddress(inManifest)) {
				throw new StepError(
					`managementClusterAddr ${inManifest} in ${shared.shownFile} does not match the ManagementCluster address ${address}`,
					`fix the address (calico-mcm run make-management --context ${o.context} --address HOST:PORT), then re-create the manifest (add-managed --recreate)`,
				);
			}
			return {done: true, detail: `${inManifest} matches`};
		},
		async run() {
			// check() does the verification; it never answers "todo".
		},
	};
	return [create, verify];
}

/** Preflight shared with join: management role, name, output file, and the "exists without manifest" case. */
export async function addManagedPreflight(
	o: {context: string; name: string; recreate?: boolean},
	mgmt: ClusterClient,
	shared: AddManagedShared,
	signal: AbortSignal,
): Promise<PreflightItem[]> {
	const items: PreflightItem[] = [checkName(o.name), writableDirItem(shared.file, 'installation manifest file')];
	const cluster = await clusterItems(
		mgmt,
		[
			{verb: 'create', group: 'projectcalico.org', resource: 'managedclusters'},
			{verb: 'get', group: 'projectcalico.org', resource: 'managedclusters'},
			...(o.recreate ? [{verb: 'delete', group: 'projectcalico.org', resource: 'managedclusters'}] : []),
			{verb: 'get', group: 'operator.tigera.io', resource: 'managementclusters'},
		],
		signal,
	);
	items.push(...cluster.items);
	if (!cluster.reachable) return items;
	const facts = await probeCluster(mgmt, signal);
	items.push(
		roleItem(o.context, facts.role, ['management'], {
			standalone: `make it a management cluster first: calico-mcm run make-management --context ${o.context}`,
			'not-installed': `install Calico Enterprise and make ${o.context} a management cluster first`,
			managed: `${o.context} is a managed cluster; add managed clusters to its management cluster instead`,
		}),
	);
	if (checkName(o.name).ok && facts.role === 'management') {
		const existing = await getObject(mgmt, pathOf(resources.managedClusters, o.name), signal).catch(() => undefined);
		let saved = false;
		try {
			saved = readInstallationManifest(shared.file) !== undefined;
		} catch (error) {
			items.push({label: 'installation manifest file', ok: false, message: error instanceof Error ? error.message : String(error), fix: `move ${shared.shownFile} away, or pass another --output`});
		}
		if (existing && !saved && !o.recreate && !(await shared.alreadyJoined?.(signal).catch(() => false))) {
			items.push({
				label: `ManagedCluster ${o.name}`,
				ok: false,
				message: `exists already on ${o.context}, and ${shared.shownFile} does not hold its installation manifest (the API returns it only at creation)`,
				fix: `pass --output FILE if you saved it elsewhere, or --recreate to delete and re-create ${o.name} (its managed cluster must then apply the new manifest)`,
			});
		}
	}
	return items;
}

export function buildAddManagedPlan(o: AddManagedOptions, env: PlanEnv): Plan {
	const mgmt = env.client(o.context);
	const file = secretPath(env, o.output, `${o.name}.yaml`);
	const shared: AddManagedShared = {file, shownFile: shownPath(env, file)};
	return {
		id: 'add-managed',
		title: `Add the managed cluster ${o.name} to ${o.context}`,
		cluster: o.context,
		contexts: [o.context],
		steps: addManagedSteps(o, mgmt, shared),
		confirm: `Create the ManagedCluster ${o.name} on ${o.context}${o.recreate ? ' (re-creating it if it exists: its old manifest stops working)' : ''} and save its manifest to ${shared.shownFile}?`,
		preflight: ctx => addManagedPreflight(o, mgmt, shared, ctx.signal),
		// Only a manifest that is on disk: a run that failed before saving it has none to show.
		outputs: () => (fs.existsSync(shared.file) ? [{label: 'installation manifest', value: shared.shownFile}] : []),
	};
}

/** A masked view of a saved installation manifest (for previews). */
export function maskedManifest(file: string): unknown[] {
	return (readInstallationManifest(file) ?? []).map(d => maskObject(d.object));
}
