// The lines of a watch stream: JSON events, and the errors the server sends inside the stream.

import {KubeError, parseForbidden} from '../errors.js';

export type WatchObject = {metadata?: {resourceVersion?: string}; code?: unknown; message?: unknown; reason?: string};
export type WatchEvent = {type?: string; object?: WatchObject};

export function parseEvent(line: string, path: string, context: string): WatchEvent {
	try {
		return JSON.parse(line) as WatchEvent;
	} catch {
		throw new KubeError({kind: 'server', message: `the watch of ${path} sent a line that is not JSON: ${line.slice(0, 120)}`, context});
	}
}

/** An ERROR event (other than 410 Gone) as the KubeError a request with that status would have thrown. */
export function streamError(object: WatchObject | undefined, context: string): KubeError {
	const code = Number(object?.code);
	const message = String(object?.message ?? `watch error ${code}`);
	const refused = code === 403 ? parseForbidden(message) : {};
	return new KubeError({
		kind: code === 401 ? 'unauthorized' : code === 403 ? 'forbidden' : 'server',
		status: code || undefined,
		reason: object?.reason,
		message,
		context,
		verb: code === 403 ? refused.verb ?? 'watch' : undefined,
		resource: refused.resource,
	});
}
