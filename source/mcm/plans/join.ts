// Plan: the how-to's whole managed-cluster section, end to end, for cluster C and management cluster
// MGMT: install C as managed if needed, add it on MGMT, apply the installation manifest on C, remove
// Manager and LogStorage, wait until the tunnel is up from both ends, secure it with the managed
// policies, and grant the admin user access on C.

import fs from 'node:fs';
import {objectRef} from '../object-ref.js';
import type {ClusterClient} from '../../kube/client.js';
import {applyManifests, getObject} from '../../kube/apply.js';
import {conditionStatus} from '../../kube/watch-until.js';
import {describeSkew, versionSkew} from '../drift.js';
import {normalizeAddress} from '../role.js';
import {probeCluster} from '../preflight.js';
import {StepError, type Plan, type PreflightItem, type Step} from '../step.js';
import {maskObject} from '../secrets.js';
import {waitForManagedConnected} from '../waits.js';
import {addManagedPreflight, addManagedSteps, readInstallationManifest, type AddManagedShared} from './add-managed.js';
import {installPreflight, installSteps, manifestFiles} from './install.js';
import {
	clusterItems,
	clusterRoleBindingStep,
	connectionSecret,
	deleteStep,
	kubectl,
	kubectlApplyFile,
	manifestSourceFor,
	manifestStep,
	operatorNamespace,
	pathOf,
	resources,
	secretPath,
	shownPath,
	singleton,
	waitMs,
	waitTigerStatusStep,
	type PlanEnv,
} from './common.js';

export type JoinOptions = {
	/** The cluster that becomes managed. */
	context: string;
	/** The management cluster's context. */
	management: string;
	/** The ManagedCluster name on the management cluster. Default: the context name. */
	name?: string;
	/** Needed only when C has no Calico Enterprise yet (and for the managed policies). */
	manifests?: string;
	pullSecret?: string;
	/** Where the installation manifest is saved (0600). Default: <name>.yaml. */
	output?: string;
	recreate?: boolean;
	user?: string;
	role?: string;
};

type Secret = {data?: Record<string, string>};

/** True when C holds a ManagementClusterConnection to MGMT's address and its connection secret. */
async function holdsConnection(c: ClusterClient, mgmt: ClusterClient, signal: AbortSignal): Promise<boolean> {
	const [mcc, secret, mc] = await Promise.all([
		getObject<{spec?: {managementClusterAddr?: string}}>(c, pathOf(resources.managementClusterConnections, singleton), signal),
		getObject(c, pathOf(resources.secrets, connectionSecret, operatorNamespace), signal),
		getObject<{spec?: {address?: string}}>(mgmt, pathOf(resources.managementClusters, singleton), signal),
	]);
	return Boolean(mcc && secret && mc?.spec?.address && normalizeAddress(mcc.spec?.managementClusterAddr) === normalizeAddress(mc.spec.address));
}

/**
 * The vendor's upgrade path upgrades the management cluster first, then brings its managed clusters
 * to the same release: a managed cluster newer than its management cluster is refused, any other
 * difference is a warning.
 */
export function versionItem(context: string, version: string | undefined, management: string, managementVersion: string | undefined): PreflightItem | undefined {
	const label = 'versions';
	if (!version || !managementVersion) return undefined;
	const skew = versionSkew(version, managementVersion);
	if (!skew) return {label, ok: true, message: `${context} and ${management} both run ${version}`};
	if (skew.newer) {
		return {label, ok: false, message: `${context} runs ${version}, newer than its management cluster ${management} (${managementVersion})`,
			fix: `upgrade ${management} to ${version} first (the management cluster is upgraded before its managed clusters), then join`};
	}
	return {label, ok: true, warning: true, message: `${describeSkew(skew, context, management)} after joining`};
}

export function buildJoinPlan(o: JoinOptions, env: PlanEnv): Plan {
	const c = env.client(o.context);
	const mgmt = env.client(o.management);
	const name = o.name ?? o.context;
	const user = o.user ?? 'mcm-user';
	const role = o.role ?? 'tigera-network-admin';
	const file = secretPath(env, o.output, `${name}.yaml`);
	const shared: AddManagedShared = {file, shownFile: shownPath(env, file), alreadyJoined: signal => holdsConnection(c, mgmt, signal)};
	const source = o.manifests ? manifestSourceFor(env, o.manifests) : undefined;
	const steps: Step[] = [];

	if (source && o.pullSecret) {
		steps.push(...installSteps({context: o.context, role: 'managed', manifests: o.manifests!, pullSecret: o.pullSecret, includePolicies: false, idPrefix: 'install-'}, c, source, env));
	} else {
		steps.push({
			id: 'installed',
			title: `Check that Calico Enterprise is installed on ${o.context}`,
			kubectl: kubectl(o.context, 'get', 'installation', 'default'),
			context: o.context,
			mutating: false,
			async check(ctx) {
				const facts = await probeCluster(c, ctx.signal);
				if (facts.role === 'not-installed') {
					throw new StepError(`${o.context} has no Calico Enterprise`, 'pass --manifests DIR|URL and --pull-secret FILE to install it as a managed cluster');
				}
				return {done: true, detail: `installed${facts.version ? ` (${facts.version})` : ''}`};
			},
			async run() {},
		});
	}

	steps.push(...addManagedSteps({context: o.management, name, recreate: o.recreate}, mgmt, shared));

	steps.push({
		id: 'apply-manifest',
		title: `Apply the installation manifest on ${o.context}`,
		kubectl: kubectlApplyFile(o.context, shared.shownFile),
		context: o.context,
		object: objectRef(o.context, 'managementClusterConnections'),
		async check(ctx) {
			const docs = readInstallationManifest(file);
			if (!docs) {
				if (await holdsConnection(c, mgmt, ctx.signal)) return {done: true, detail: 'the connection is in place already'};
				throw new StepError(`${shared.shownFile} does not exist`, 'run the add-managed step again (with --recreate if the ManagedCluster exists)');
			}
			for (const doc of docs) {
				if (doc.object.kind === 'ManagementClusterConnection') {
					const mcc = await getObject<{spec?: Record<string, unknown>}>(c, pathOf(resources.managementClusterConnections, doc.object.metadata.name), ctx.signal);
					const wanted = (doc.object.spec ?? {}) as Record<string, unknown>;
					if (!mcc || normalizeAddress(String(mcc.spec?.managementClusterAddr ?? '')) !== normalizeAddress(String(wanted.managementClusterAddr ?? ''))) return 'todo';
				} else if (doc.object.kind === 'Secret') {
					const secret = await getObject<Secret>(c, pathOf(resources.secrets, doc.object.metadata.name, doc.object.metadata.namespace ?? operatorNamespace), ctx.signal);
					const wanted = (doc.object as Secret).data ?? {};
					if (!secret || Object.entries(wanted).some(([k, v]) => secret.data?.[k] !== v)) return 'todo';
				}
			}
			return {done: true, detail: 'ManagementClusterConnection and its secret in place'};
		},
		async run(ctx) {
			const docs = readInstallationManifest(file);
			if (!docs) throw new StepError(`${shared.shownFile} does not exist`, 'run the add-managed step again');
			await applyManifests(c, docs, {signal: ctx.signal});
		},
		async preview() {
			const docs = readInstallationManifest(file);
			return docs
				? {objects: docs.map(d => maskObject(d.object))}
				: {note: `applies the installation manifest saved by the previous step (${shared.shownFile}: ManagementClusterConnection ${singleton} and Secret ${operatorNamespace}/${connectionSecret})`};
		},
	});

	steps.push(
		deleteStep({
			id: 'remove-manager',
			title: 'Remove the Manager (a managed cluster has none)',
			context: o.context,
			client: c,
			kind: resources.managers,
			name: singleton,
			what: `Manager ${singleton}`,
			kubectl: kubectl(o.context, 'delete', 'manager.operator.tigera.io', singleton, '--ignore-not-found'),
		}),
		deleteStep({
			id: 'remove-logstorage',
			title: 'Remove the LogStorage (logs go to the management cluster)',
			context: o.context,
			client: c,
			kind: resources.logStorages,
			name: singleton,
			what: `LogStorage ${singleton}`,
			kubectl: kubectl(o.context, 'delete', 'logstorage.operator.tigera.io', singleton, '--ignore-not-found'),
		}),
		{
			id: 'wait-connected',
			title: `Wait until ${o.management} reports ${name} connected (ManagedClusterConnected)`,
			kubectl: kubectl(o.management, 'wait', '--for=condition=ManagedClusterConnected', `managedcluster/${name}`, `--timeout=${Math.round(waitMs(env) / 1000)}s`),
			context: o.management,
			object: objectRef(o.management, 'managedClusters', name),
			mutating: false,
			async check(ctx) {
				const mc = await getObject<{status?: {conditions?: Array<{type?: string; status?: string}>}}>(mgmt, pathOf(resources.managedClusters, name), ctx.signal);
				return conditionStatus(mc, 'ManagedClusterConnected') === 'True' ? {done: true, detail: 'connected'} : 'todo';
			},
			async run(ctx) {
				await waitForManagedConnected(mgmt, name, {signal: ctx.signal, timeoutMs: waitMs(env), onProgress: ctx.progress});
			},
			async preview() {
				return {note: `waits until ManagedCluster ${name} on ${o.management} has ManagedClusterConnected=True`};
			},
		},
		waitTigerStatusStep({
			id: 'wait-components',
			title: 'Wait for management-cluster-connection and compliance Available',
			context: o.context,
			client: c,
			names: ['management-cluster-connection', 'compliance'],
			env,
		}),
	);

	if (source) {
		steps.push(manifestStep({id: 'policies', title: `Secure the managed cluster with network policy (${manifestFiles.policiesManaged})`, context: o.context, client: c, source, file: manifestFiles.policiesManaged}));
	} else {
		steps.push({
			id: 'policies',
			title: `Secure the managed cluster with network policy (${manifestFiles.policiesManaged})`,
			kubectl: kubectlApplyFile(o.context, manifestFiles.policiesManaged),
			context: o.context,
			skippable: true,
			async check() {
				return {done: false, skip: true, detail: `no --manifests given: apply ${manifestFiles.policiesManaged} yourself`};
			},
			async run() {},
		});
	}
	steps.push(clusterRoleBindingStep({id: 'grant', context: o.context, client: c, user, namespace: 'default', role, title: `Grant default/${user} ${role} on ${o.context}`}));

	return {
		id: 'join',
		title: `Join ${o.context} to ${o.management} as the managed cluster ${name}`,
		cluster: o.context,
		contexts: [o.context, o.management],
		steps,
		confirm: `Make ${o.context} a managed cluster of ${o.management} (ManagedCluster ${name})${o.recreate ? ', re-creating the ManagedCluster if its manifest was lost' : ''}?`,
		async preflight(ctx) {
			const items: PreflightItem[] = [];
			if (o.context === o.management) {
				items.push({label: 'clusters', ok: false, message: `${o.context} cannot join itself`, fix: 'pass the management cluster with --management'});
				return items;
			}
			items.push(...(await addManagedPreflight({context: o.management, name, recreate: o.recreate}, mgmt, shared, ctx.signal)));
			if (source) {
				if (!o.pullSecret) items.push({label: 'pull secret', ok: false, message: '--manifests was given without --pull-secret', fix: 'pass --pull-secret FILE too'});
				else items.push(...(await installPreflight({context: o.context, role: 'managed', manifests: o.manifests!, pullSecret: o.pullSecret, includePolicies: true}, c, source, env, ctx.signal)));
			}
			const cluster = await clusterItems(
				c,
				[
					{verb: 'patch', group: 'operator.tigera.io', resource: 'managementclusterconnections'},
					{verb: 'create', group: 'operator.tigera.io', resource: 'managementclusterconnections'},
					{verb: 'patch', resource: 'secrets', namespace: operatorNamespace},
					{verb: 'create', resource: 'secrets', namespace: operatorNamespace},
					{verb: 'delete', group: 'operator.tigera.io', resource: 'managers'},
					{verb: 'delete', group: 'operator.tigera.io', resource: 'logstorages'},
					{verb: 'watch', group: 'operator.tigera.io', resource: 'tigerastatuses'},
					{verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings'},
				],
				ctx.signal,
			);
			items.push(...cluster.items.map(i => (i.label.startsWith('permissions') ? {...i, label: `${i.label} (join)`} : i)).filter(i => !items.some(x => x.label === i.label)));
			if (!cluster.reachable) return items;
			const facts = await probeCluster(c, ctx.signal);
			const label = `${o.context} role`;
			const mgmtFacts = await probeCluster(mgmt, ctx.signal).catch(() => undefined);
			let item: PreflightItem;
			switch (facts.role) {
				case 'management':
					item = {label, ok: false, message: `${o.context} is a management cluster and cannot be joined as managed`, fix: `run \`calico-mcm run unmake-management --context ${o.context}\` first`};
					break;
				case 'misconfigured':
					item = {label, ok: false, message: `${o.context} is management and managed at once`, fix: `run unmanage and unmake-management on ${o.context} first`};
					break;
				case 'managed':
					item =
						normalizeAddress(facts.managementClusterAddr) === normalizeAddress(mgmtFacts?.managementAddress)
							? {label, ok: true, message: `${o.context} is managed by ${o.management} already: the plan resumes`}
							: {label, ok: false, message: `${o.context} is managed by another management cluster (${facts.managementClusterAddr ?? 'unknown address'})`, fix: `run \`calico-mcm run unmanage --context ${o.context}\` first`};
					break;
				case 'not-installed':
					item = source && o.pullSecret ? {label, ok: true, message: `${o.context} has no Calico Enterprise: it is installed as managed`} : {label, ok: false, message: `${o.context} has no Calico Enterprise`, fix: 'pass --manifests DIR|URL and --pull-secret FILE to install it as a managed cluster'};
					break;
				default:
					item = {label, ok: true, message: `${o.context} is ${facts.role}: it becomes managed (Manager and LogStorage are removed)`};
			}
			const at = items.findIndex(i => i.label === label);
			if (at === -1) items.push(item);
			else items[at] = item;
			const versions = versionItem(o.context, facts.version, o.management, mgmtFacts?.version);
			if (versions) items.push(versions);
			return items;
		},
		// Only a manifest that is on disk: a run that failed before saving it has none to show.
		outputs: () => (fs.existsSync(shared.file) ? [{label: 'installation manifest', value: shared.shownFile}] : []),
	};
}
