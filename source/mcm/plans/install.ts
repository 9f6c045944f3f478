// Plan: install Calico Enterprise on one cluster, as the how-to's "Install Calico Enterprise" sections
// do it for a management, standalone or managed cluster.

import {objectRef} from '../object-ref.js';
import fs from 'node:fs/promises';
import type {ClusterClient} from '../../kube/client.js';
import {applyManifests, getObject, managedClusterFilter} from '../../kube/apply.js';
import {parseManifestText, type ManifestObject} from '../../kube/manifests.js';
import {kindsItem} from '../preflight-kinds.js';
import {checkLicenseFile, checkPullSecretFile, probeCluster, roleItem, validateLicense} from '../preflight.js';
import {maskObject, registerSecret} from '../secrets.js';
import {StepError, type Plan, type PreflightItem, type Step} from '../step.js';
import type {ClusterRole} from '../types.js';
import {
	accessForDocs,
	clusterItems,
	createIfAbsent,
	kubectl,
	kubectlApplyHeredoc,
	kubectlApplyFile,
	ManifestSource,
	manifestStep,
	operatorNamespace,
	pathOf,
	resources,
	manifestSourceFor,
	resolvePath,
	sh,
	waitAllTigerStatusStep,
	waitTigerStatusStep,
	type PlanEnv,
} from './common.js';
import {applyObject} from '../../kube/apply.js';

export type InstallRole = 'management' | 'managed' | 'standalone';

export type InstallOptions = {
	context: string;
	role: InstallRole;
	/** A directory or base URL with tigera-operator.yaml, tigera-prometheus-operator.yaml, custom-resources.yaml, tigera-policies(-managed).yaml. */
	manifests: string;
	pullSecret: string;
	license?: string;
};

export const manifestFiles = {
	operator: 'tigera-operator.yaml',
	prometheus: 'tigera-prometheus-operator.yaml',
	customResources: 'custom-resources.yaml',
	policies: 'tigera-policies.yaml',
	policiesManaged: 'tigera-policies-managed.yaml',
};

export const pullSecretName = 'tigera-pull-secret';
const storageClass = 'tigera-elasticsearch';
const minPrometheusOperator = [0, 30, 0];

/** yq (v4) expression that drops Manager and LogStorage: the how-to's hand edit, as a command. */
export const managedYq = 'select(.kind != "Manager" and .kind != "LogStorage")';

type StorageClasses = {items: Array<{metadata: {name: string; annotations?: Record<string, string>}; provisioner?: string}>};
type Deployments = {items?: Array<{metadata: {name: string; namespace?: string}; spec?: {template?: {spec?: {containers?: Array<{image?: string}>}}}}>};

function prometheusOperatorVersion(image: string): number[] | undefined {
	const match = /prometheus-operator[^:]*:v?(\d+)\.(\d+)\.(\d+)/.exec(image);
	return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atLeast(v: number[], min: number[]): boolean {
	for (let i = 0; i < min.length; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
	return true;
}

/** The steps shared by `install` and `join` (which installs as managed, without license or policies). */
/** The vendor's "Configure storage": StorageClass tigera-elasticsearch, which LogStorage needs. */
export function storageStep(context: string, client: ClusterClient, idPrefix = ''): Step {
	const o = {context};
	const p = idPrefix;
	// The vendor's "Configure storage" page creates a StorageClass named tigera-elasticsearch with the
	// cloud's own provisioner. The cluster's default StorageClass names that provisioner, so copy it
	// (with the page's Retain / WaitForFirstConsumer / expansion settings) instead of sending the
	// user to a web page; with no default class there is nothing safe to copy, so stop and say so.
	const storageObject = (provisioner: string) => ({
		apiVersion: 'storage.k8s.io/v1',
		kind: 'StorageClass',
		metadata: {name: storageClass},
		provisioner,
		reclaimPolicy: 'Retain',
		allowVolumeExpansion: true,
		volumeBindingMode: 'WaitForFirstConsumer',
	});
	const defaultProvisioner = async (signal?: AbortSignal) => {
		const list = await getObject<StorageClasses>(client, pathOf(resources.storageClasses), signal);
		const isDefault = (sc: StorageClasses['items'][number]) =>
			sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
		return list?.items.find(sc => isDefault(sc))?.provisioner;
	};
	return {
		id: `${p}storage`,
		title: `Storage for logs (StorageClass ${storageClass})`,
		kubectl: kubectlApplyHeredoc(o.context, [storageObject('<the default StorageClass provisioner>')]),
		context: o.context,
		skippable: true,
		async check(ctx) {
			const sc = await getObject<{provisioner?: string}>(client, pathOf(resources.storageClasses, storageClass), ctx.signal);
			return sc ? {done: true, detail: `present (provisioner ${sc.provisioner ?? 'unknown'})`} : 'todo';
		},
		async run(ctx) {
			const provisioner = await defaultProvisioner(ctx.signal);
			if (!provisioner) {
				throw new StepError(
					`StorageClass ${storageClass} does not exist on ${o.context}, and there is no default StorageClass whose provisioner it could use: LogStorage (Elasticsearch) needs it`,
					'create it as the vendor\'s "Configure storage" page says (https://docs.tigera.io/calico-enterprise/latest/operations/logstorage/create-storage), then retry; or skip this step and create it later',
				);
			}
			await createIfAbsent(client, resources.storageClasses, storageObject(provisioner) as ManifestObject, ctx.signal);
			return `created with provisioner ${provisioner} (copied from the default StorageClass)`;
		},
		async preview(ctx) {
			const provisioner = (await defaultProvisioner(ctx.signal)) ?? '<no default StorageClass: the step will fail>';
			return {objects: [storageObject(provisioner)]};
		},
	};
}

export function installSteps(
	o: InstallOptions & {includePolicies: boolean; idPrefix?: string},
	client: ClusterClient,
	source: ManifestSource,
	env: PlanEnv,
): Step[] {
	const p = o.idPrefix ?? '';
	const managed = o.role === 'managed';
	const filter = managed ? managedClusterFilter : undefined;
	const pullSecretFile = resolvePath(env, o.pullSecret);
	const steps: Step[] = [];

	if (!managed) steps.push(storageStep(o.context, client, p));

	steps.push(
		manifestStep({id: `${p}operator`, title: 'Install the Tigera operator and its CRDs', context: o.context, client, source, file: manifestFiles.operator}),
		manifestStep({
			id: `${p}prometheus-operator`,
			title: 'Install the Prometheus operator',
			context: o.context,
			client,
			source,
			file: manifestFiles.prometheus,
			skippable: true,
			async precheck(ctx) {
				const ours = new Set((await source.load(manifestFiles.prometheus, ctx.signal)).filter(d => d.object.kind === 'Deployment').map(d => `${d.object.metadata.namespace}/${d.object.metadata.name}`));
				const list = await getObject<Deployments>(client, pathOf(resources.deployments), ctx.signal);
				for (const d of list?.items ?? []) {
					if (ours.has(`${d.metadata.namespace}/${d.metadata.name}`)) continue;
					for (const c of d.spec?.template?.spec?.containers ?? []) {
						const v = c.image ? prometheusOperatorVersion(c.image) : undefined;
						if (!v) continue;
						const where = `${d.metadata.namespace}/${d.metadata.name}`;
						if (atLeast(v, minPrometheusOperator)) return {skip: true, detail: `using the existing Prometheus operator v${v.join('.')} (${where})`};
						return {detail: `the existing Prometheus operator v${v.join('.')} (${where}) is older than v0.30.0: installing Tigera's`};
					}
				}
				return undefined;
			},
		}),
	);

	steps.push({
		id: `${p}pull-secret`,
		title: `Install the pull secret (${operatorNamespace}/${pullSecretName})`,
		kubectl: `${kubectl(o.context, 'create', 'secret', 'generic', pullSecretName, `--from-file=.dockerconfigjson=${o.pullSecret}`, '--type=kubernetes.io/dockerconfigjson', '-n', operatorNamespace)}`,
		context: o.context,
		async check(ctx) {
			const existing = await getObject<{data?: Record<string, string>}>(client, pathOf(resources.secrets, pullSecretName, operatorNamespace), ctx.signal);
			if (!existing) return 'todo';
			const wanted = Buffer.from(await fs.readFile(pullSecretFile)).toString('base64');
			return existing.data?.['.dockerconfigjson'] === wanted ? {done: true, detail: 'present, same content'} : {done: false, detail: `present but differs from ${o.pullSecret}: updating it`};
		},
		async run(ctx) {
			await applyObject(client, resources.secrets, await pullSecretObject(pullSecretFile), {signal: ctx.signal});
		},
		async preview() {
			return {objects: [maskObject(await pullSecretObject(pullSecretFile).catch(() => ({kind: 'Secret', metadata: {name: pullSecretName, namespace: operatorNamespace}})))]};
		},
	});

	steps.push(
		manifestStep({
			id: `${p}custom-resources`,
			title: managed ? 'Install the Tigera custom resources (without Manager and LogStorage)' : 'Install the Tigera custom resources',
			context: o.context,
			object: objectRef(o.context, 'installations'),
			client,
			source,
			file: manifestFiles.customResources,
			filter,
			filterYq: managed ? managedYq : undefined,
		}),
		waitTigerStatusStep({id: `${p}wait-apiserver`, title: 'Wait for the API server (TigerStatus apiserver Available)', context: o.context, client, names: ['apiserver'], env}),
	);

	if (!managed) {
		const licenseFile = o.license ? resolvePath(env, o.license) : undefined;
		steps.push({
			id: `${p}license`,
			title: 'Install the license',
			kubectl: o.license ? kubectlApplyFile(o.context, o.license) : `${kubectl(o.context, 'apply', '--server-side', '--field-manager=calico-mcm', '-f')} ${sh('<license.yaml>')}`,
			context: o.context,
			skippable: true,
			async check(ctx) {
				const wanted = licenseFile ? await readLicense(licenseFile) : undefined;
				const name = wanted?.metadata.name ?? 'default';
				const existing = await getObject<{spec?: {token?: string}}>(client, pathOf(resources.licenseKeys, name), ctx.signal);
				if (!existing) return 'todo';
				if (!wanted || existing.spec?.token === (wanted.spec as {token?: string}).token) return {done: true, detail: `LicenseKey ${name} present`};
				return {done: false, detail: `LicenseKey ${name} differs from ${o.license}: updating it`};
			},
			async run(ctx) {
				if (!licenseFile) {
					throw new StepError(`${o.context} has no license`, 'pass --license FILE (the license.yaml Tigera sent you), or skip this step and apply it later');
				}
				await applyManifests(client, parseManifestText(await fs.readFile(licenseFile, 'utf8'), licenseFile), {signal: ctx.signal});
			},
			async preview() {
				return licenseFile ? {objects: [maskObject(await readLicense(licenseFile).catch(() => ({kind: 'LicenseKey'})))]} : {note: 'no --license given'};
			},
		});
		steps.push(waitAllTigerStatusStep({id: `${p}wait-all`, context: o.context, client, env}));
	}

	if (o.includePolicies) {
		const file = managed ? manifestFiles.policiesManaged : manifestFiles.policies;
		steps.push(manifestStep({id: `${p}policies`, title: `Secure the components with network policy (${file})`, context: o.context, client, source, file}));
	}
	return steps;
}

async function pullSecretObject(file: string) {
	const data = await fs.readFile(file);
	registerSecret(data.toString('utf8'));
	return {
		apiVersion: 'v1',
		kind: 'Secret',
		metadata: {name: pullSecretName, namespace: operatorNamespace},
		type: 'kubernetes.io/dockerconfigjson',
		data: {'.dockerconfigjson': data.toString('base64')},
	};
}

async function readLicense(file: string) {
	const text = await fs.readFile(file, 'utf8');
	registerSecret(/token:\s*(\S+)/.exec(text)?.[1]);
	const why = validateLicense(text);
	if (why) throw new StepError(`${file}: ${why}`, 'pass --license with the license.yaml Tigera sent you');
	return parseManifestText(text, file)[0]!.object;
}

/** Which manifest files a role's install reads. */
export function installFiles(role: InstallRole, includePolicies: boolean): string[] {
	const files = [manifestFiles.operator, manifestFiles.prometheus, manifestFiles.customResources];
	if (includePolicies) files.push(role === 'managed' ? manifestFiles.policiesManaged : manifestFiles.policies);
	return files;
}

/** Preflight items for installing (shared with join). */
export async function installPreflight(
	o: InstallOptions & {includePolicies: boolean},
	client: ClusterClient,
	source: ManifestSource,
	env: PlanEnv,
	signal?: AbortSignal,
): Promise<PreflightItem[]> {
	const items: PreflightItem[] = [];
	const files = installFiles(o.role, o.includePolicies);
	const fileItems = await Promise.all(files.map(f => source.check(f, signal)));
	items.push(...fileItems);
	items.push(await checkPullSecretFile(resolvePath(env, o.pullSecret)));
	if (o.license) items.push(await checkLicenseFile(resolvePath(env, o.license)));
	const docs = fileItems.every(i => i.ok) ? (await Promise.all(files.map(f => source.load(f, signal)))).flat() : [];
	const needs = [
		...(await accessForDocs(client, docs, signal)),
		{verb: 'create', resource: 'secrets', namespace: operatorNamespace},
		{verb: 'patch', resource: 'secrets', namespace: operatorNamespace},
		{verb: 'list', group: 'operator.tigera.io', resource: 'tigerastatuses'},
		{verb: 'watch', group: 'operator.tigera.io', resource: 'tigerastatuses'},
	];
	if (o.role !== 'managed') needs.push({verb: 'create', group: 'projectcalico.org', resource: 'licensekeys'}, {verb: 'patch', group: 'projectcalico.org', resource: 'licensekeys'});
	const cluster = await clusterItems(client, needs, signal);
	items.push(...cluster.items);
	if (cluster.reachable && docs.length > 0) items.push(await kindsItem(client, docs, signal));
	if (cluster.reachable) {
		const facts = await probeCluster(client, signal);
		const allowed: ClusterRole[] = o.role === 'managed' ? ['not-installed', 'standalone', 'managed'] : o.role === 'management' ? ['not-installed', 'standalone', 'management'] : ['not-installed', 'standalone'];
		items.push(
			roleItem(o.context, facts.role, allowed, {
				management: `a management cluster cannot be installed as ${o.role}: run \`calico-mcm run unmake-management --context ${o.context}\` first`,
				managed: `a managed cluster cannot be installed as ${o.role}: run \`calico-mcm run unmanage --context ${o.context}\` first`,
				misconfigured: `${o.context} is management and managed at once: run unmanage or unmake-management first`,
			}),
		);
		if (o.role !== 'managed' && !o.license) {
			const existing = facts.role === 'not-installed' ? undefined : await getObject(client, pathOf(resources.licenseKeys, 'default'), signal).catch(() => undefined);
			items.push(
				existing
					? {label: 'license', ok: true, message: `no --license: ${o.context} already has a LicenseKey`}
					: {label: 'license', ok: false, message: `a ${o.role} cluster needs a license and none was given`, fix: 'pass --license FILE (the license.yaml Tigera sent you)'},
			);
		}
	}
	return items;
}

export function buildInstallPlan(o: InstallOptions, env: PlanEnv): Plan {
	const client = env.client(o.context);
	const source = manifestSourceFor(env, o.manifests);
	const steps = installSteps({...o, includePolicies: true}, client, source, env);
	return {
		id: 'install',
		title: `Install Calico Enterprise on ${o.context} (${o.role})`,
		cluster: o.context,
		contexts: [o.context],
		steps,
		confirm: `Install Calico Enterprise on ${o.context} as a ${o.role} cluster?`,
		preflight: ctx => installPreflight({...o, includePolicies: true}, client, source, env, ctx.signal),
		outputs: () => [],
	};
}
