// From a resource path to its handler: which type, which verb (as RBAC names it), the RBAC check,
// and the subresource rules of kube-apiserver.
import type {IncomingMessage, ServerResponse} from 'node:http';
import {virtualTypes} from './builtin-types.js';
import {answerWithoutProtobuf, sendObject} from './http-response.js';
import {notFoundPath} from './non-resource.js';
import {messageType, protobufMediaType} from './protobuf.js';
import {checkListOptions} from './list-options.js';
import {boolParam} from './query-params.js';
import {forbidden, isAllowed, type Attributes, type Identity} from './rbac.js';
import {bodyFormat, decodeBody, mediaTypeOf, readBody, requireObject} from './request-body.js';
import type {ResourcePath} from './request-path.js';
import type {RequestUrl} from './request-url.js';
import {
	handleCreate, handleDelete, handleDeleteCollection, handleGet, handleList, handlePatch, handlePodLog, handleTokenRequest,
	handleUpdate, handleWatch, type RequestContext,
} from './resource-handlers.js';
import {reviewResponse} from './review-handlers.js';
import {ApiError, type ObjectStore, type ResourceType} from './types.js';

const notAllowed = (what: string) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${what}`);

export function resolveType(store: ObjectStore, path: ResourcePath): ResourceType {
	const type = store.lookup(path.group, path.version, path.resource)
		?? virtualTypes.find((t) => t.group === path.group && t.version === path.version && t.resource === path.resource);
	if (!type) throw notFoundPath();
	// A namespaced object needs its namespace in the path; a cluster-scoped one must not have one.
	if (type.namespaced && path.name && !path.namespace && path.resource !== 'namespaces') throw notFoundPath();
	if (!type.namespaced && path.namespace) throw notFoundPath();
	return type;
}

export function verbOf(req: IncomingMessage, url: RequestUrl, path: ResourcePath): string {
	const watch = path.watchPath || boolParam(url.searchParams, 'watch');
	switch (req.method) {
		case 'GET':
		case 'HEAD':
			if (watch) return 'watch';
			return path.name ? 'get' : 'list';
		case 'POST':
			return 'create';
		case 'PUT':
			return 'update';
		case 'PATCH':
			return 'patch';
		case 'DELETE':
			return path.name ? 'delete' : 'deletecollection';
		default:
			throw notAllowed(String(req.method));
	}
}

/** The review APIs answer from the request alone; nothing is stored. */
async function serveReview(ctx: RequestContext, verb: string, identity: Identity): Promise<void> {
	const {type, req, path} = ctx;
	if (verb !== 'create' || path.name) throw notAllowed(`${req.method} ${type.resource}`);
	const body = requireObject(decodeBody(await readBody(req), bodyFormat(req.headers['content-type'], ['json', 'yaml'])), `a ${type.kind}`);
	sendObject(ctx.res, 201, reviewResponse(type.resource, {apiVersion: `${type.group}/${type.version}`, kind: type.kind, ...body}, identity, ctx.store, ctx.tokens));
}

function subresourceHandler(ctx: RequestContext, verb: string): (() => void | Promise<void>) | undefined {
	const {type, path} = ctx;
	const sub = path.subresource;
	if (sub === undefined) return undefined;
	const known = (sub === 'status' && type.statusSubresource)
		|| (sub === 'token' && type.group === '' && type.resource === 'serviceaccounts')
		|| (sub === 'log' && type.group === '' && type.resource === 'pods');
	if (!known) throw notFoundPath();
	if (sub === 'token') {
		if (verb !== 'create') throw new ApiError(405, 'MethodNotAllowed', 'serviceaccounts/token only supports create (POST)');
		return () => handleTokenRequest(ctx);
	}
	if (sub === 'log') {
		if (verb !== 'get') throw new ApiError(405, 'MethodNotAllowed', 'pods/log only supports get');
		return () => handlePodLog(ctx);
	}
	if (verb !== 'get' && verb !== 'update' && verb !== 'patch') throw new ApiError(405, 'MethodNotAllowed', `the status subresource supports get, update and patch, not ${verb}`);
	return undefined;
}

const handlers: Record<string, (ctx: RequestContext) => void | Promise<void>> = {
	watch: handleWatch, list: handleList, get: handleGet, create: handleCreate, update: handleUpdate,
	patch: handlePatch, delete: handleDelete, deletecollection: handleDeleteCollection,
};

/** Custom resources have no protobuf form: their endpoints answer JSON and refuse protobuf bodies unread. */
function refuseProtobuf(req: IncomingMessage, res: ServerResponse, type: ResourceType): void {
	if (messageType(type.group ? `${type.group}/${type.version}` : type.version, type.kind)) return;
	answerWithoutProtobuf(res);
	if (mediaTypeOf(req.headers['content-type']) !== protobufMediaType) return;
	throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/merge-patch+json, application/json-patch+json`);
}

/** Everything after authentication for a resource path: RBAC, then the verb's handler. */
export function serveResource(base: Omit<RequestContext, 'type'>, identity: Identity): void | Promise<void> {
	const {req, url, path, store} = base;
	const type = resolveType(store, path);
	const verb = verbOf(req, url, path);
	const attrs: Attributes = {verb, group: type.group, resource: type.resource, subresource: path.subresource, namespace: path.namespace, name: path.name};
	if (!isAllowed(store, identity, attrs)) throw forbidden(identity, attrs);
	refuseProtobuf(req, base.res, type);
	const ctx: RequestContext = {...base, type};
	if (virtualTypes.includes(type)) return serveReview(ctx, verb, identity);
	const sub = subresourceHandler(ctx, verb);
	if (sub) return sub();
	if (!path.name && (verb === 'update' || verb === 'patch')) throw notAllowed(`${req.method} on a collection`);
	if (path.name && verb === 'create') throw notAllowed('POST to a named object (POST to the collection instead)');
	if (verb === 'list' || verb === 'watch') checkListOptions(url.searchParams, verb === 'watch');
	return handlers[verb](ctx);
}
