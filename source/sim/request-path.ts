// Parsing an API path into group/version/namespace/resource/name/subresource, as kube-apiserver's
// request-info resolver does.
import {ApiError} from './types.js';

export type ResourcePath = {
	group: string;
	version: string;
	namespace?: string;
	resource: string;
	name?: string;
	subresource?: string;
	/** `/api/v1/watch/...` (deprecated form of ?watch=true). */
	watchPath: boolean;
};

function decode(part: string): string {
	if (!part.includes('%')) return part;
	try {
		return decodeURIComponent(part);
	} catch {
		throw new ApiError(400, 'BadRequest', `the request path has a malformed escape sequence: "${part}"`);
	}
}

/** undefined when the path is not a resource path (discovery and other non-resource URLs). */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
	const parts = pathname.split('/').filter((p) => p.length > 0).map(decode);
	let group: string;
	let version: string;
	let rest: string[];
	if (parts[0] === 'api' && parts.length >= 3) {
		group = '';
		version = parts[1];
		rest = parts.slice(2);
	} else if (parts[0] === 'apis' && parts.length >= 4) {
		group = parts[1];
		version = parts[2];
		rest = parts.slice(3);
	} else {
		return undefined;
	}
	let watchPath = false;
	if (rest[0] === 'watch') {
		watchPath = true;
		rest = rest.slice(1);
	}
	let namespace: string | undefined;
	// namespaces/<ns>/status and /finalize are subresources of the namespace itself.
	if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
		namespace = rest[1];
		rest = rest.slice(2);
	}
	if (rest.length === 0 || rest.length > 3) return undefined;
	return {group, version, namespace, resource: rest[0], name: rest[1], subresource: rest[2], watchPath};
}
