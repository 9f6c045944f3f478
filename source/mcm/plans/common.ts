// Building blocks shared by the plans: the clients a plan runs with, exact kubectl equivalents,
// resource paths, manifest sets, and the step shapes that recur (apply a manifest file, bind a role,
// delete an object, wait for a TigerStatus). The preflight items they share are in
// preflight-items.ts (the common ones re-exported here).

import {objectRef, type ObjectRef} from '../object-ref.js';
import path from 'node:path';
import yaml from 'js-yaml';
import type {ClusterClient} from '../../kube/client.js';
import {applyManifests, deleteObject, fieldManager, getObject, missingObjects} from '../../kube/apply.js';
import type {ResolvedKind} from '../../kube/discovery.js';
import {describeObject, loadManifests, ManifestError, type ManifestDoc, type ManifestObject} from '../../kube/manifests.js';
import {pathOf, resources} from '../resources.js';
import {StepError, type PreflightItem, type Step, type StepContext} from '../step.js';
import {conditionStatus} from '../../kube/watch-until.js';
import {waitForAllTigerStatus, waitForTigerStatus, tigerStatusPath} from '../waits.js';
import {maskObject} from '../secrets.js';
import {ensurePrivateDirectory} from '../interrupted-runs.js';

/** What plans run with. */
export type PlanEnv = {
	/** The client of a kubeconfig context; throws a clear error for an unknown context. */
	client: (context: string) => ClusterClient;
	/** What relative paths the user gave are resolved against. Default: process.cwd(). */
	cwd?: string;
	/**
	 * Where files holding secrets (tokens, installation manifests) are written when the user names no
	 * path: a 0700 directory, created when needed. Absent: the working directory (library use, tests).
	 */
	secretsDir?: string;
	/** How long each wait may take. Default 10 minutes. */
	waitTimeoutMs?: number;
};

export const defaultWaitMs = 600_000;

export function waitMs(env: PlanEnv): number {
	return env.waitTimeoutMs ?? defaultWaitMs;
}

export function resolvePath(env: PlanEnv, file: string): string {
	return path.resolve(env.cwd ?? process.cwd(), file);
}

// ---- kubectl equivalents -------------------------------------------------------------------

/** Quote a word for a POSIX shell only when it needs it. */
export function sh(word: string): string {
	return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `kubectl --context C <args>` with every argument quoted as needed. */
export function kubectl(context: string, ...args: string[]): string {
	return ['kubectl', '--context', sh(context), ...args.map(sh)].join(' ');
}

export function kubectlApplyFile(context: string, file: string): string {
	return `${kubectl(context, 'apply', '--server-side', `--field-manager=${fieldManager}`, '-f', file)}`;
}

/** `kubectl ... apply -f - <<'EOF'` with the objects as YAML: the command a person would paste. */
export function kubectlApplyHeredoc(context: string, objects: unknown[]): string {
	const body = objects.map(o => yaml.dump(o, {lineWidth: -1, noRefs: true})).join('---\n');
	return `${kubectl(context, 'apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-')} <<'EOF'\n${body}EOF`;
}

/** The file a secret is written to: the path the user gave (relative to cwd), else `name` in the secrets directory. */
export function secretPath(env: PlanEnv, given: string | undefined, name: string): string {
	if (given) return resolvePath(env, given);
	if (!env.secretsDir) return resolvePath(env, name);
	ensurePrivateDirectory(env.secretsDir);
	return path.join(env.secretsDir, name);
}

/** A shell path relative to the working directory when it is inside it (shorter, still exact there). */
export function shownPath(env: PlanEnv, file: string): string {
	const rel = path.relative(env.cwd ?? process.cwd(), file);
	return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

// ---- resources -----------------------------------------------------------------------------

export {operatorNamespace, pathOf, resources} from '../resources.js';
export {accessForDocs, clusterItems, clusterRoleItem, writableDirItem} from './preflight-items.js';
export const singleton = 'tigera-secure';
export const connectionSecret = 'tigera-managed-cluster-connection';

// ---- manifest sets -------------------------------------------------------------------------

/** The release manifests: a directory or a base URL holding tigera-operator.yaml, custom-resources.yaml, ... */
export class ManifestSource {
	private readonly cache = new Map<string, Promise<ManifestDoc[]>>();

	/** `base` as read; `shownBase` as printed in kubectl commands (e.g. relative to the working directory). */
	constructor(
		readonly base: string,
		private readonly shownBase = base,
	) {}

	get isUrl(): boolean {
		return /^https?:\/\//i.test(this.base);
	}

	/** The location as printed in kubectl commands. */
	shown(name: string): string {
		return this.isUrl ? this.location(name) : path.join(this.shownBase, name);
	}

	/** Where a named file is (a path or a URL), as shown in kubectl commands. */
	location(name: string): string {
		return this.isUrl ? `${this.base.replace(/\/+$/, '')}/${name}` : path.join(this.base, name);
	}

	/** Parsed and validated once per plan; throws ManifestError. */
	load(name: string, signal?: AbortSignal): Promise<ManifestDoc[]> {
		let entry = this.cache.get(name);
		if (!entry) {
			entry = loadManifests(this.location(name), {signal});
			entry.catch(() => this.cache.delete(name));
			this.cache.set(name, entry);
		}
		return entry;
	}

	/** A preflight item: the file is readable and every document valid. */
	async check(name: string, signal?: AbortSignal): Promise<PreflightItem> {
		const label = `manifest ${name}`;
		try {
			const docs = await this.load(name, signal);
			if (docs.length === 0) return {label, ok: false, message: `${this.location(name)} has no objects (empty, or only comments)`, fix: `point --manifests at the release's manifests: ${name} must hold its objects`};
			return {label, ok: true, message: `${this.location(name)}: ${docs.length} valid objects`};
		} catch (error) {
			if (error instanceof ManifestError) return {label, ok: false, message: error.message, fix: error.hint};
			return {label, ok: false, message: error instanceof Error ? error.message : String(error), fix: 'check --manifests'};
		}
	}
}

/** The --manifests argument: a URL, or a directory relative to the working directory. */
export function manifestSourceFor(env: PlanEnv, manifests: string): ManifestSource {
	return /^https?:\/\//i.test(manifests) ? new ManifestSource(manifests) : new ManifestSource(resolvePath(env, manifests), manifests);
}

// ---- recurring steps -----------------------------------------------------------------------

export type ManifestStepOptions = {
	id: string;
	title: string;
	context: string;
	client: ClusterClient;
	source: ManifestSource;
	file: string;
	filter?: (obj: ManifestObject) => boolean;
	/** The shell text of the filter, for the kubectl equivalent (a yq expression). */
	filterYq?: string;
	skippable?: boolean;
	/** The object the manifest is about, for `y` on the step (custom-resources: the Installation). */
	object?: ObjectRef;
	/** Extra check before the object check (e.g. an existing Prometheus operator → skip). */
	precheck?: (ctx: StepContext) => Promise<{skip: true; detail: string} | {detail?: string} | undefined>;
};

/** Apply one file of the release manifests (server-side); done when every object exists. */
export function manifestStep(o: ManifestStepOptions): Step {
	const location = o.source.shown(o.file);
	const kubectlText = o.filterYq
		? `${o.source.isUrl ? `curl -fsSL ${sh(location)} | yq ${sh(o.filterYq)}` : `yq ${sh(o.filterYq)} ${sh(location)}`} | ${kubectl(o.context, 'apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-')}`
		: kubectlApplyFile(o.context, location);
	let precheckDetail: string | undefined;
	return {
		id: o.id,
		title: o.title,
		kubectl: kubectlText,
		context: o.context,
		skippable: o.skippable,
		...(o.object ? {object: o.object} : {}),
		async check(ctx) {
			const pre = await o.precheck?.(ctx);
			if (pre && 'skip' in pre) return {done: false, skip: true, detail: pre.detail};
			precheckDetail = pre?.detail;
			const docs = await o.source.load(o.file, ctx.signal);
			const kept = docs.filter(d => !o.filter || o.filter(d.object));
			const missing = await missingObjects(o.client, kept, {signal: ctx.signal});
			if (missing.length === 0) return {done: true, detail: `all ${kept.length} objects present`};
			return {done: false, detail: precheckDetail ?? `${missing.length} of ${kept.length} objects to apply`};
		},
		async run(ctx) {
			const docs = await o.source.load(o.file, ctx.signal);
			const results = await applyManifests(o.client, docs, {signal: ctx.signal, filter: o.filter});
			const applied = results.filter(r => r.action === 'applied').length;
			const filtered = results.filter(r => r.action === 'filtered');
			return `${applied} objects applied${filtered.length ? `; left out ${filtered.map(r => describeObject(r.doc.object)).join(', ')}` : ''}`;
		},
		async preview(ctx) {
			const docs = await o.source.load(o.file, ctx.signal);
			const left = docs.filter(d => o.filter && !o.filter(d.object));
			return {
				objects: docs.filter(d => !o.filter || o.filter(d.object)).map(d => maskObject(d.object)),
				note: left.length ? `left out: ${left.map(d => describeObject(d.object)).join(', ')}` : undefined,
			};
		},
	};
}

/** A step that only waits for TigerStatus components. */
export function waitTigerStatusStep(o: {id: string; title: string; context: string; client: ClusterClient; names: string[]; env: PlanEnv}): Step {
	return {
		id: o.id,
		title: o.title,
		kubectl: kubectl(o.context, 'wait', '--for=condition=Available', ...o.names.map(n => `tigerastatus/${n}`), `--timeout=${Math.round(waitMs(o.env) / 1000)}s`),
		context: o.context,
		...(o.names.length === 1 ? {object: objectRef(o.context, 'tigerStatuses', o.names[0])} : {}),
		mutating: false,
		async check(ctx) {
			const list = await getObject<{items?: Array<{metadata: {name: string}; status?: {conditions?: Array<{type?: string; status?: string}>}}>}>(o.client, tigerStatusPath, ctx.signal);
			const items = new Map((list?.items ?? []).map(i => [i.metadata.name, i]));
			const waiting = o.names.filter(n => conditionStatus(items.get(n), 'Available') !== 'True');
			return waiting.length === 0 ? {done: true, detail: `${o.names.join(', ')} Available`} : {done: false, detail: `waiting for ${waiting.join(', ')}`};
		},
		async run(ctx) {
			await waitForTigerStatus(o.client, o.names, 'Available', {signal: ctx.signal, timeoutMs: waitMs(o.env), onProgress: ctx.progress});
		},
		async preview() {
			return {note: `waits until ${o.names.join(', ')} ${o.names.length > 1 ? 'are' : 'is'} Available (up to ${Math.round(waitMs(o.env) / 60000)}m)`};
		},
	};
}

/** A step that waits for every TigerStatus Available; its timeout names each component that is not, with the reason. */
/** required: components that must have reported (their resources were just created: see waitForAllTigerStatus). */
export function waitAllTigerStatusStep(o: {id: string; context: string; client: ClusterClient; env: PlanEnv; title?: string; required?: readonly string[]}): Step {
	const required = o.required ?? [];
	return {
		id: o.id,
		title: o.title ?? 'Wait for every component (all TigerStatus Available)',
		kubectl: kubectl(o.context, 'wait', '--for=condition=Available', 'tigerastatus', '--all', `--timeout=${Math.round(waitMs(o.env) / 1000)}s`),
		context: o.context,
		mutating: false,
		async check(ctx) {
			const list = await getObject<{items?: Array<{metadata: {name: string}; status?: {conditions?: Array<{type?: string; status?: string}>}}>}>(o.client, pathOf(resources.tigerStatuses), ctx.signal);
			const items = list?.items ?? [];
			const present = new Set(items.map(i => i.metadata.name));
			const waiting = [
				...required.filter(name => !present.has(name)),
				...items.filter(i => i.status?.conditions?.find(c => c.type === 'Available')?.status !== 'True').map(i => i.metadata.name),
			];
			return items.length > 0 && waiting.length === 0 ? {done: true, detail: `${items.length}/${items.length} Available`} : {done: false, detail: waiting.length ? `waiting for ${waiting.join(', ')}` : 'no component reported yet'};
		},
		async run(ctx) {
			await waitForAllTigerStatus(o.client, {signal: ctx.signal, timeoutMs: waitMs(o.env), onProgress: ctx.progress, required});
		},
		async preview() {
			return {note: 'waits until every TigerStatus is Available'};
		},
	};
}

type RoleBinding = {roleRef?: {name?: string; kind?: string}; subjects?: Array<{kind?: string; name?: string; namespace?: string}>};

export function bindingName(user: string, role: string): string {
	return role === 'tigera-network-admin' ? `${user}-admin` : `${user}-${role}`;
}

/** ClusterRoleBinding of a service account to a cluster role (the how-to's `create clusterrolebinding`). */
export function clusterRoleBindingStep(o: {id: string; context: string; client: ClusterClient; user: string; namespace: string; role: string; title?: string}): Step {
	const name = bindingName(o.user, o.role);
	const object = {
		apiVersion: 'rbac.authorization.k8s.io/v1',
		kind: 'ClusterRoleBinding',
		metadata: {name},
		roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: o.role},
		subjects: [{kind: 'ServiceAccount', name: o.user, namespace: o.namespace}],
	};
	const binds = (b: RoleBinding) => b.subjects?.some(s => s.kind === 'ServiceAccount' && s.name === o.user && s.namespace === o.namespace) ?? false;
	return {
		id: o.id,
		title: o.title ?? `Bind ${o.namespace}/${o.user} to ClusterRole ${o.role}`,
		kubectl: kubectl(o.context, 'create', 'clusterrolebinding', name, `--serviceaccount=${o.namespace}:${o.user}`, `--clusterrole=${o.role}`),
		context: o.context,
		async check(ctx) {
			const existing = await getObject<RoleBinding>(o.client, pathOf(resources.clusterRoleBindings, name), ctx.signal);
			if (!existing) return 'todo';
			if (existing.roleRef?.name !== o.role || !binds(existing)) {
				throw new StepError(
					`ClusterRoleBinding ${name} exists on ${o.context} but binds ${existing.roleRef?.name ?? '?'} to ${(existing.subjects ?? []).map(s => `${s.kind}/${s.namespace ? `${s.namespace}/` : ''}${s.name}`).join(', ') || 'nobody'}`,
					`delete it (${kubectl(o.context, 'delete', 'clusterrolebinding', name)}) and retry, or choose another --user`,
				);
			}
			return {done: true, detail: `${name} binds ${o.namespace}/${o.user} to ${o.role}`};
		},
		async run(ctx) {
			await createIfAbsent(o.client, resources.clusterRoleBindings, object, ctx.signal);
		},
		async preview() {
			return {objects: [object]};
		},
	};
}

/** POST an object; an AlreadyExists answer counts as success (someone, maybe our cancelled run, made it). */
export async function createIfAbsent(client: ClusterClient, kind: ResolvedKind, object: ManifestObject, signal?: AbortSignal): Promise<void> {
	try {
		await client.request({method: 'POST', path: pathOf(kind, undefined, object.metadata.namespace), body: object, signal, query: {fieldManager}});
	} catch (error) {
		if ((error as {kind?: string}).kind === 'conflict' && (error as {reason?: string}).reason === 'AlreadyExists') return;
		throw error;
	}
}

/** Delete one object if present (the reverse plans). */
export function deleteStep(o: {id: string; title: string; context: string; client: ClusterClient; kind: ResolvedKind; name: string; namespace?: string; kubectl: string; what: string}): Step {
	const objectPath = pathOf(o.kind, o.name, o.namespace);
	return {
		id: o.id,
		title: o.title,
		kubectl: o.kubectl,
		context: o.context,
		async check(ctx) {
			const existing = await getObject(o.client, objectPath, ctx.signal);
			return existing ? {done: false, detail: `${o.what} present`} : {done: true, detail: `no ${o.what}`};
		},
		async run(ctx) {
			const deleted = await deleteObject(o.client, objectPath, {signal: ctx.signal});
			return deleted ? `deleted ${o.what}` : `${o.what} was already gone`;
		},
		async preview() {
			return {deletes: [o.what]};
		},
	};
}

export function unknownContextError(context: string, known: string[]): Error {
	return new StepError(`no context "${context}" in the kubeconfig`, `use one of: ${known.join(', ') || '(none)'}`);
}
