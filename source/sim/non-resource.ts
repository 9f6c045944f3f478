// The non-resource URLs: health, /version, discovery and the OpenAPI documents.
import type {IncomingMessage, ServerResponse} from 'node:http';
import {apiGroupDocument, apiGroupList, apiResourceList, apiVersions, serverVersion} from './discovery.js';
import {sendJson, sendText} from './http-response.js';
import {parseAccept} from './negotiate.js';
import {openApiGroupVersion, openApiRoot, openApiV2} from './openapi.js';
import {encodeOpenApiV2, openApiV2ProtoContentType, openApiV2ProtoMediaTypes} from './openapi-v2-proto.js';
import {forbiddenPath, isNonResourceAllowed, type Identity} from './rbac.js';
import type {RequestUrl} from './request-url.js';
import {ApiError, type ObjectStore} from './types.js';

export const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** Paths anyone may read without a token (kube's system:public-info-viewer). */
export const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export type NonResourceRequest = {req: IncomingMessage; res: ServerResponse; url: RequestUrl; store: ObjectStore; host: string; identity?: Identity};

/** The paths serveNonResource answers: these, /openapi/v3/<group-version>, /apis/<group> and /apis/<group>/<version>. */
const nonResourcePaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/api', '/apis', '/api/v1', '/openapi/v2', '/openapi/v3']);
const groupOrVersionPath = /^\/apis\/[^/]+(?:\/[^/]+)?$/;

const v2ProtoCache = new WeakMap<object, Buffer>();

/** /openapi/v2 as gnostic protobuf when asked first (kubectl), else JSON. */
function sendOpenApiV2(r: NonResourceRequest): void {
	const {doc} = openApiV2(r.store);
	const isProto = (type: string) => openApiV2ProtoMediaTypes.includes(type);
	const wanted = parseAccept(r.req.headers.accept).find((m) => isProto(m.type) || m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*');
	if (!wanted) throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, ${openApiV2ProtoContentType}`);
	if (!isProto(wanted.type)) {
		sendJson(r.res, 200, doc);
		return;
	}
	let body = v2ProtoCache.get(doc);
	if (!body) {
		body = encodeOpenApiV2(doc);
		v2ProtoCache.set(doc, body);
	}
	r.res.writeHead(200, {'Content-Type': openApiV2ProtoContentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private'});
	r.res.end(body);
}

/** Answers a non-resource URL; false when the path is a resource path (or unknown). */
export function serveNonResource(r: NonResourceRequest): boolean {
	const {req, res, store, identity} = r;
	const path = r.url.pathname.replace(/\/+$/, '') || '/';
	// Resource paths (nearly every request) leave at once, before the answers below are made for them.
	if (!nonResourcePaths.has(path) && !path.startsWith('/openapi/v3/') && !groupOrVersionPath.test(path)) return false;
	const allow = () => {
		if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method} ${path}`);
		if (identity && !isNonResourceAllowed(store, identity, {verb: 'get', path})) throw forbiddenPath(identity, {verb: 'get', path});
	};
	const answer = (body: unknown) => {
		allow();
		sendJson(res, 200, body);
		return true;
	};
	const found = (body: unknown) => {
		if (!body) throw notFoundPath();
		return answer(body);
	};
	if (path === '/healthz' || path === '/livez' || path === '/readyz') {
		sendText(res, 200, 'ok');
		return true;
	}
	if (path === '/version') return answer(serverVersion);
	if (path === '/api') return answer(apiVersions(r.host));
	// Aggregated discovery is not served: a plain APIGroupList makes clients fall back to per-group documents.
	if (path === '/apis') return answer(apiGroupList(store));
	if (path === '/api/v1') return answer(apiResourceList(store, '', 'v1'));
	if (path === '/openapi/v2') {
		allow();
		sendOpenApiV2(r);
		return true;
	}
	if (path === '/openapi/v3') return answer(openApiRoot(store));
	if (path.startsWith('/openapi/v3/')) return found(openApiGroupVersion(store, path.slice('/openapi/v3/'.length)));
	const group = /^\/apis\/([^/]+)$/.exec(path);
	if (group) return found(apiGroupDocument(store, group[1]));
	const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
	if (gv) return found(apiResourceList(store, gv[1], gv[2]));
	return false;
}
