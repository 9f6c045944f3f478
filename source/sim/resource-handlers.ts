// The REST verbs on resources: list/watch, get, create, update, patch, delete, the status
// subresource, serviceaccounts/<name>/token and pods/<name>/log.
import type {IncomingMessage, ServerResponse} from 'node:http';
import {builtinTypes} from './builtin-types.js';
import {answersJson, sendJsonText, sendObject, sendText} from './http-response.js';
import {recordUpdate, serverSideApply} from './managed-fields.js';
import {jsonPatch, mergePatch, strategicMergePatch} from './patch.js';
import {boolParam} from './query-params.js';
import {checkApplyConfiguration, parseFieldValidation, type WriteOptions} from './validation/admit.js';
import {bodyFormat, decodeBody, readBody, requireObject} from './request-body.js';
import type {ResourcePath} from './request-path.js';
import type {RequestUrl} from './request-url.js';
import {badRequest, invalid, notFound, staleConflict} from './status-error.js';
import {toTable, wantsTable, type IncludeObject} from './table.js';
import {ApiError, type KubeObject, type ObjectStore, type ResourceType, type TokenRegistry} from './types.js';
import {startWatch, type WatchHandle} from './watch-stream.js';
import {listJson, storedJson} from './stored-json.js';
import {compacted, freshnessWaitMs, futureRevision, listRead, pageOf, parseResourceVersion, tooLargeResourceVersion, type ListRead} from './list-request.js';
import {parseFieldSelector, parseLabelSelector} from './selectors.js';
import {nowTimestamp} from './flat-string.js';

export type RequestContext = {
	req: IncomingMessage;
	res: ServerResponse;
	url: RequestUrl;
	store: ObjectStore;
	tokens: TokenRegistry;
	path: ResourcePath;
	type: ResourceType;
	/** The server hangs: streams must stop writing. */
	stalled: () => boolean;
	/** Keeps track of a long-running stream so faults can end it. */
	track: (handle: WatchHandle) => () => void;
	/** Bookmark interval of watches (default: watch-stream's). */
	bookmarkIntervalMs?: number;
};

const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const param = (ctx: RequestContext, name: string) => ctx.url.searchParams.get(name) ?? undefined;
const flag = (ctx: RequestContext, name: string) => boolParam(ctx.url.searchParams, name);
const isDryRun = (ctx: RequestContext) => ctx.url.searchParams.getAll('dryRun').length > 0;

function checkDryRun(ctx: RequestContext): void {
	for (const v of ctx.url.searchParams.getAll('dryRun')) {
		if (v !== 'All') throw invalid({group: 'meta.k8s.io', kind: 'CreateOptions'}, '', [{field: 'dryRun', message: `Unsupported value: "${v}": supported values: "All"`}]);
	}
}

/** The manager of a non-apply write: ?fieldManager, or the client's User-Agent up to its first '/'. */
function managerOf(ctx: RequestContext): string {
	const explicit = param(ctx, 'fieldManager');
	if (explicit) return explicit;
	const agent = ctx.req.headers['user-agent'] ?? 'unknown';
	return agent.split('/')[0] || 'unknown';
}

function include(ctx: RequestContext): IncludeObject {
	const v = param(ctx, 'includeObject');
	return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function intParam(ctx: RequestContext, name: string): number | undefined {
	const raw = param(ctx, name);
	if (raw === undefined || raw === '') return undefined;
	if (!/^-?\d+$/.test(raw)) throw badRequest(`invalid ${name} "${raw}": it must be a whole number`);
	return Number(raw);
}

function respondObject(ctx: RequestContext, code: number, obj: KubeObject): void {
	sendWarnings(ctx);
	if (wantsTable(ctx.req.headers.accept)) sendObject(ctx.res, code, toTable(ctx.type, [obj], {include: include(ctx)}));
	else sendObject(ctx.res, code, obj);
}

async function readObject(ctx: RequestContext, what: string): Promise<KubeObject> {
	const format = bodyFormat(ctx.req.headers['content-type'], ['json', 'yaml']);
	const body = requireObject(decodeBody(await readBody(ctx.req), format), what);
	return body as KubeObject;
}

/** The checks kube-apiserver makes between the URL and the object in the body. */
function checkBody(ctx: RequestContext, obj: KubeObject, mode: 'create' | 'update'): void {
	const t = ctx.type;
	if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = apiVersionOf(t);
	if (obj.kind === undefined || obj.kind === '') obj.kind = t.kind;
	if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') throw badRequest('apiVersion and kind must be strings');
	if (obj.apiVersion !== apiVersionOf(t) && !(t.group && obj.apiVersion.startsWith(`${t.group}/`))) {
		throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(t)})`);
	}
	if (obj.kind !== t.kind) throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${t.kind}) for ${ctx.url.pathname}`);
	obj.apiVersion = apiVersionOf(t);
	if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {name: ''};
	if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
	const meta = obj.metadata;
	if (meta.name !== undefined && typeof meta.name !== 'string') throw badRequest('metadata.name must be a string');
	if (meta.labels !== undefined && (typeof meta.labels !== 'object' || meta.labels === null || Object.values(meta.labels).some((v) => typeof v !== 'string'))) {
		throw invalid(t, meta.name ?? '', [{field: 'metadata.labels', message: 'Invalid value: label values must be strings'}]);
	}
	if (t.namespaced) {
		if (meta.namespace && ctx.path.namespace && meta.namespace !== ctx.path.namespace) {
			throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
		}
		meta.namespace = ctx.path.namespace ?? meta.namespace;
	}
	if (mode === 'update') {
		if (meta.name && meta.name !== ctx.path.name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${ctx.path.name})`);
		meta.name = ctx.path.name as string;
	}
}

/** 404 for the namespace when it does not exist (creates only, as the NamespaceLifecycle admission). */
function requireNamespace(ctx: RequestContext, namespace: string | undefined): void {
	if (!ctx.type.namespaced || !namespace) return;
	const nsType = ctx.store.lookup('', 'v1', 'namespaces');
	if (nsType && !ctx.store.get(nsType, undefined, namespace)) throw notFound(nsType, namespace);
}

/** The key of an object in the list's own key space (etcd's, after the list's prefix): what a continue token resumes from. */
function listKeyOf(ctx: RequestContext): (o: KubeObject) => string {
	if (ctx.type.namespaced && !ctx.path.namespace) return (o) => `${o.metadata.namespace}/${o.metadata.name}`;
	return (o) => o.metadata.name as string;
}

/** Resolves once the store has reached `wanted`, or fails as the watch cache does after freshnessWaitMs. */
function untilRevision(store: ObjectStore, wanted: number): Promise<void> {
	if (store.resourceVersion >= wanted) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const off = store.subscribe(() => {
			if (store.resourceVersion < wanted) return;
			clearTimeout(timer);
			off();
			resolve();
		});
		const timer = setTimeout(() => {
			off();
			reject(tooLargeResourceVersion(wanted, store.resourceVersion));
		}, freshnessWaitMs);
	});
}

export function handleList(ctx: RequestContext): void | Promise<void> {
	const read = listRead(ctx.url.searchParams, Math.max(0, intParam(ctx, 'limit') ?? 0));
	if (read.notOlderThan !== undefined && ctx.store.resourceVersion < read.notOlderThan) return untilRevision(ctx.store, read.notOlderThan).then(() => listAt(ctx, read));
	listAt(ctx, read);
}

/** The list once the store has reached what the request asked for. */
function listAt(ctx: RequestContext, read: ListRead): void {
	const {store, type} = ctx;
	if (read.revision !== undefined && read.revision > store.resourceVersion) throw futureRevision();
	if (read.revision !== undefined && read.revision < store.oldestRevision) throw compacted(read);
	const revision = read.revision ?? store.resourceVersion;
	const labelSelector = param(ctx, 'labelSelector');
	const fieldSelector = param(ctx, 'fieldSelector');
	let matches: ((o: KubeObject) => boolean) | undefined;
	if (labelSelector || fieldSelector) {
		const matchLabels = parseLabelSelector(labelSelector);
		const matchFields = parseFieldSelector(fieldSelector, type);
		matches = (o) => matchLabels(o.metadata.labels) && matchFields(o);
	}
	// Every object under the list's key, the selectors applied while paging: a page ends where the
	// objects it scanned end, matching or not.
	const all = store.list(type, {namespace: ctx.path.namespace, stored: true, revision: read.revision});
	const page = pageOf(all, listKeyOf(ctx), matches, read, revision);
	const metadata: Record<string, unknown> = {resourceVersion: String(revision)};
	if (page.continue) metadata.continue = page.continue;
	if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
	const apiVersion = apiVersionOf(type);
	// The stored objects carry the apiVersion they were written in: a shallow copy each for the other answers.
	const copies = () => page.items.map((o) => ({...o, apiVersion}));
	if (wantsTable(ctx.req.headers.accept)) {
		sendObject(ctx.res, 200, toTable(type, copies(), {include: include(ctx), listMeta: metadata}));
		return;
	}
	const list = {kind: type.listKind, apiVersion};
	if (answersJson(ctx.res, list)) sendJsonText(ctx.res, 200, listJson(list.kind, apiVersion, metadata, page.items));
	else sendObject(ctx.res, 200, {...list, metadata, items: copies()});
}

export function handleWatch(ctx: RequestContext): void {
	let fieldSelector = param(ctx, 'fieldSelector');
	if (ctx.path.name) fieldSelector = [fieldSelector, `metadata.name=${ctx.path.name}`].filter(Boolean).join(',');
	const timeout = intParam(ctx, 'timeoutSeconds');
	let untrack = () => {};
	const handle = startWatch(ctx.res, {
		store: ctx.store,
		type: ctx.type,
		namespace: ctx.path.namespace,
		labelSelector: param(ctx, 'labelSelector'),
		fieldSelector,
		resourceVersion: param(ctx, 'resourceVersion'),
		allowBookmarks: flag(ctx, 'allowWatchBookmarks'),
		timeoutSeconds: timeout,
		table: wantsTable(ctx.req.headers.accept) ? {include: include(ctx)} : undefined,
		stalled: ctx.stalled,
		bookmarkIntervalMs: ctx.bookmarkIntervalMs,
	}, () => untrack());
	untrack = ctx.track(handle);
}

/**
 * A GET that names a resourceVersion is the watch cache's (CacheDelegator.Get): "0" any state, N at
 * least N, waiting for it as a list does (504 past the wait); a resourceVersion that is no uint64 is
 * the versioner's error as it is, which ErrorToAPIStatus makes a 500. Without one it reads etcd.
 */
export function handleGet(ctx: RequestContext): void | Promise<void> {
	const rv = param(ctx, 'resourceVersion');
	const wanted = rv ? parseResourceVersion(rv, (message) => new ApiError(500, '', message)) : 0;
	if (wanted > ctx.store.resourceVersion) return untilRevision(ctx.store, wanted).then(() => getObject(ctx));
	getObject(ctx);
}

function getObject(ctx: RequestContext): void {
	const {store, type, path} = ctx;
	const stored = store.getStored(type, path.namespace, path.name as string);
	if (!stored) throw notFound(type, path.name as string);
	const apiVersion = apiVersionOf(type);
	if (!wantsTable(ctx.req.headers.accept) && answersJson(ctx.res, {apiVersion, kind: type.kind})) {
		sendJsonText(ctx.res, 200, storedJson(stored, apiVersion));
		return;
	}
	respondObject(ctx, 200, store.get(type, path.namespace, path.name as string) as KubeObject);
}

/**
 * How the store should treat this write: ?dryRun (every check, nothing stored) and ?fieldValidation
 * (unknown fields: Strict → 400, Warn → a Warning header, kube-apiserver's default). Warnings are
 * sent with the response, so call before writing it.
 */
function writeOptions(ctx: RequestContext): WriteOptions {
	const warnings: string[] = [];
	const options: WriteOptions = {dryRun: isDryRun(ctx), fieldValidation: parseFieldValidation(param(ctx, 'fieldValidation')), warnings};
	pendingWarnings.set(ctx.res, warnings);
	return options;
}

const pendingWarnings = new WeakMap<object, string[]>();

function sendWarnings(ctx: RequestContext): void {
	const warnings = pendingWarnings.get(ctx.res) ?? [];
	if (warnings.length > 0 && !ctx.res.headersSent) {
		ctx.res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
	}
}

export async function handleCreate(ctx: RequestContext): Promise<void> {
	checkDryRun(ctx);
	const obj = await readObject(ctx, `a ${ctx.type.kind}`);
	checkBody(ctx, obj, 'create');
	const meta = obj.metadata;
	if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
	for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'generation', 'managedFields'] as const) delete meta[k];
	if (ctx.type.statusSubresource && !(ctx.type.group === '' && ctx.type.resource === 'namespaces')) delete obj.status;
	requireNamespace(ctx, meta.namespace);
	recordUpdate(undefined, obj, managerOf(ctx));
	const stored = ctx.store.create(ctx.type, obj, writeOptions(ctx));
	respondObject(ctx, 201, ctx.store.createResponse(ctx.type, stored));
}

export async function handleUpdate(ctx: RequestContext): Promise<void> {
	checkDryRun(ctx);
	const obj = await readObject(ctx, `a ${ctx.type.kind}`);
	checkBody(ctx, obj, 'update');
	const existing = ctx.store.get(ctx.type, ctx.path.namespace, ctx.path.name as string);
	if (!existing) throw notFound(ctx.type, ctx.path.name as string);
	const subresource = ctx.path.subresource === 'status' ? 'status' as const : undefined;
	if (!subresource) recordUpdate(existing, obj, managerOf(ctx));
	respondObject(ctx, 200, ctx.store.update(ctx.type, obj, {subresource, ...writeOptions(ctx)}));
}

export async function handlePatch(ctx: RequestContext): Promise<void> {
	checkDryRun(ctx);
	const {store, type, path} = ctx;
	// As on a real cluster, custom resources have no strategic-merge schema: kubectl patch needs --type=merge.
	const custom = !builtinTypes.some((b) => b.group === type.group && b.resource === type.resource);
	const format = bodyFormat(ctx.req.headers['content-type'], custom ? ['merge', 'json-patch', 'apply'] : ['merge', 'strategic', 'json-patch', 'apply']);
	const force = flag(ctx, 'force');
	if (force && format !== 'apply') {
		throw invalid({group: 'meta.k8s.io', kind: 'PatchOptions'}, '', [{field: 'force', message: 'Forbidden: may not be specified for non-apply patch', reason: 'FieldValueForbidden'}]);
	}
	const manager = param(ctx, 'fieldManager');
	if (format === 'apply' && !manager) {
		throw invalid({group: 'meta.k8s.io', kind: 'PatchOptions'}, '', [{field: 'fieldManager', message: 'Required value: is required for apply patch', reason: 'FieldValueRequired'}]);
	}
	const body = decodeBody(await readBody(ctx.req), format);
	const name = path.name as string;
	const existing = store.get(type, path.namespace, name);
	const subresource = path.subresource === 'status' ? 'status' as const : undefined;
	let result: KubeObject;
	if (format === 'apply') {
		const applied = requireObject(body, `an applied ${type.kind} configuration`) as KubeObject;
		if (!applied.apiVersion || !applied.kind) throw badRequest(`an applied configuration needs apiVersion and kind (${apiVersionOf(type)}, ${type.kind})`);
		applied.metadata ??= {name};
		if (applied.metadata.name && applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
		checkBody(ctx, applied, 'update');
		checkApplyConfiguration(type, applied);
		for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'generation', 'managedFields', 'resourceVersion'] as const) delete applied.metadata[k];
		if (!existing) {
			if (subresource) throw notFound(type, name);
			if (type.statusSubresource) delete applied.status;
			requireNamespace(ctx, applied.metadata.namespace);
			result = serverSideApply(undefined, applied, manager as string, force);
			respondObject(ctx, 201, store.create(type, result, writeOptions(ctx)));
			return;
		}
		if (subresource) {
			result = {...existing, status: mergePatch(existing.status, applied.status ?? {})};
		} else {
			if (type.statusSubresource) delete applied.status;
			result = serverSideApply(existing, applied, manager as string, force);
		}
	} else {
		if (!existing) throw notFound(type, name);
		if (format === 'json-patch') result = jsonPatch(existing, body) as KubeObject;
		else result = (format === 'merge' ? mergePatch(existing, requireObject(body, 'a merge patch')) : strategicMergePatch(existing, requireObject(body, 'a strategic merge patch'))) as KubeObject;
		if (result === null || typeof result !== 'object' || Array.isArray(result) || typeof result.metadata !== 'object' || result.metadata === null) {
			throw new ApiError(422, 'Invalid', `${type.kind} "${name}" is invalid: the patch must leave an object with metadata`);
		}
		if (result.metadata.name !== name || (type.namespaced && result.metadata.namespace !== existing.metadata.namespace)) {
			throw invalid(type, name, [{field: 'metadata.name', message: 'Invalid value: field is immutable'}]);
		}
		if (result.kind !== existing.kind || result.apiVersion !== existing.apiVersion) {
			throw badRequest(`a patch may not change apiVersion or kind (${existing.apiVersion}, ${existing.kind})`);
		}
		if (!subresource) recordUpdate(existing, result, managerOf(ctx));
	}
	respondObject(ctx, 200, store.update(type, result, {subresource, ...writeOptions(ctx)}));
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
	checkDryRun(ctx);
	const {store, type, path} = ctx;
	const raw = await readBody(ctx.req);
	let options: Record<string, any> = {};
	if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
		options = requireObject(decodeBody(raw, bodyFormat(ctx.req.headers['content-type'], ['json', 'yaml'])), 'DeleteOptions');
	}
	const name = path.name as string;
	const existing = store.get(type, path.namespace, name);
	if (!existing) throw notFound(type, name);
	const pre = options.preconditions as {uid?: string; resourceVersion?: string} | undefined;
	if (pre?.uid && pre.uid !== existing.metadata.uid) {
		throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${type.group ? `${type.resource}.${type.group}` : type.resource} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`);
	}
	if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) throw staleConflict(type, name);
	// kubectl sends DeleteOptions in the body (`{"dryRun":["All"]}`), other clients use the query.
	const bodyDryRun = Array.isArray(options.dryRun) ? options.dryRun : [];
	if (bodyDryRun.some((v) => v !== 'All')) throw invalid({group: 'meta.k8s.io', kind: 'DeleteOptions'}, '', [{field: 'dryRun', message: `Unsupported value: ${JSON.stringify(options.dryRun)}: supported values: "All"`}]);
	if (isDryRun(ctx) || bodyDryRun.length > 0) {
		sendObject(ctx.res, 200, existing);
		return;
	}
	sendObject(ctx.res, 200, store.delete(type, path.namespace, name));
}

export function handleDeleteCollection(ctx: RequestContext): void {
	checkDryRun(ctx);
	const {store, type} = ctx;
	const items = store.list(type, {namespace: ctx.path.namespace, labelSelector: param(ctx, 'labelSelector'), fieldSelector: param(ctx, 'fieldSelector')});
	const deleted = isDryRun(ctx) ? items : items.map((o) => store.delete(type, o.metadata.namespace, o.metadata.name));
	sendObject(ctx.res, 200, {kind: type.listKind, apiVersion: apiVersionOf(type), metadata: {resourceVersion: String(store.resourceVersion)}, items: deleted});
}

/** POST serviceaccounts/<name>/token: a TokenRequest for that account (`kubectl create token`). */
export async function handleTokenRequest(ctx: RequestContext): Promise<void> {
	const {store, type, path} = ctx;
	const name = path.name as string;
	const sa = store.get(type, path.namespace, name);
	if (!sa) throw notFound(type, name);
	const raw = await readBody(ctx.req);
	const body = raw.length > 0 ? requireObject(decodeBody(raw, bodyFormat(ctx.req.headers['content-type'], ['json', 'yaml'])), 'a TokenRequest') : {};
	const spec = (body.spec ?? {}) as {expirationSeconds?: unknown; audiences?: unknown};
	const seconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : Number(spec.expirationSeconds);
	if (!Number.isInteger(seconds) || seconds < 600) {
		throw invalid({group: 'authentication.k8s.io', kind: 'TokenRequest'}, name, [{field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(spec.expirationSeconds)}: may not specify a duration less than 10 minutes`}]);
	}
	const issued = ctx.tokens.issue(path.namespace ?? 'default', name, seconds);
	sendObject(ctx.res, 201, {
		kind: 'TokenRequest',
		apiVersion: 'authentication.k8s.io/v1',
		metadata: {name, namespace: path.namespace, creationTimestamp: nowTimestamp()},
		spec: {audiences: Array.isArray(spec.audiences) ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: seconds, boundObjectRef: null},
		status: {token: issued.token, expirationTimestamp: issued.expirationTimestamp},
	});
}

/** GET pods/<name>/log (?follow=true streams lines as they are appended; ?tailLines=N). */
export function handlePodLog(ctx: RequestContext): void {
	const {store, type, path, res} = ctx;
	const name = path.name as string;
	const namespace = path.namespace ?? 'default';
	if (!store.get(type, namespace, name)) throw notFound(type, name);
	const tailLines = intParam(ctx, 'tailLines');
	const lines = store.logs.read(namespace, name, {tailLines});
	if (!flag(ctx, 'follow')) {
		sendText(res, 200, lines.map((l) => `${l}\n`).join(''));
		return;
	}
	res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8'});
	// The follower learns at once that the log exists, before any line is appended.
	res.flushHeaders();
	for (const l of lines) res.write(`${l}\n`);
	let untrack = () => {};
	const stopFollow = store.logs.follow(namespace, name, (line) => {
		if (!ctx.stalled() && !res.writableEnded) res.write(`${line}\n`);
	});
	// The stream ends when the pod goes away, as the kubelet's does when the container stops.
	const stopWatchingPod = store.subscribe((event) => {
		if (event.type === 'DELETED' && event.resourceType.group === '' && event.resourceType.resource === 'pods'
			&& event.object.metadata.name === name && event.object.metadata.namespace === namespace) handle.end();
	});
	const cleanup = () => {
		stopFollow();
		stopWatchingPod();
		untrack();
	};
	const handle: WatchHandle = {
		kind: 'log',
		end() {
			if (!res.writableEnded) res.end();
			cleanup();
		},
		destroy() {
			res.destroy();
			cleanup();
		},
	};
	res.on('close', cleanup);
	untrack = ctx.track(handle);
}
