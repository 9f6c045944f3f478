// What a failed exchange with a cluster becomes: a KubeError that says what happened in the words of
// the server (status errors) or of the connection (socket errors), with the kubeconfig fields to check.

import {KubeError, isUnreachableCode, kindForStatus, parseForbidden} from './errors.js';
import type {ContextEntry} from './kubeconfig.js';
import {describeRequest} from './paths.js';
import {ProxyError} from './proxy.js';
import {withheldCredentials} from './plain-http.js';

/** A connection that failed, or a response cut off. */
export function socketError(entry: ContextEntry, error: NodeJS.ErrnoException, what: string): KubeError {
	if (error instanceof KubeError) return error;
	const context = entry.info.name;
	if (error instanceof ProxyError) return new KubeError({kind: 'unreachable', message: `${error.message} (${what})`, cause: error, context});
	const code = error.code;
	// Node says just "aborted" (ECONNRESET) when a response is cut off: say what happened.
	const message = error.message === 'aborted' ? 'the server closed the connection before the response ended' : error.message || String(code);
	if (isUnreachableCode(code)) return new KubeError({kind: 'unreachable', message: `${message} (${what})`, cause: error, context});
	// TLS failures (unknown CA, wrong host name, expired cert) make the server unusable: report them as
	// such, pointing at the kubeconfig fields that decide them.
	const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/.test(code);
	const hint = tls ? `; check certificate-authority(-data) and tls-server-name of cluster "${entry.cluster.name}" in ${entry.cluster.file}` : '';
	return new KubeError({kind: 'unreachable', message: `${message}${code && !message.includes(code) ? ` (${code})` : ''} (${what})${hint}`, cause: error, context});
}

export type FailedRequest = {
	method: string;
	/** The path sent, with the server URL's own path in front and the query. */
	fullPath: string;
	/** The server URL's own path (none for most servers), to take off fullPath. */
	basePath: string;
	/** "GET /api/v1/...", for messages. */
	what: string;
};

/** A response of status 400 or more, with the server's own message. */
export function statusError(entry: ContextEntry, status: number, text: string, request: FailedRequest): KubeError {
	let body: {kind?: string; message?: string; reason?: string} | undefined;
	try {
		body = JSON.parse(text) as typeof body;
	} catch {
		body = undefined;
	}
	const serverMessage = (body?.kind === 'Status' || body?.message ? body?.message : undefined) ?? (text.trim().slice(0, 300) || `HTTP ${status}`);
	const kind = kindForStatus(status);
	const [path, rawQuery] = request.fullPath.split('?');
	const query = Object.fromEntries(new URLSearchParams(rawQuery ?? ''));
	const described = describeRequest(request.method, path!.slice(request.basePath.length), query);
	const refused = kind === 'forbidden' ? parseForbidden(serverMessage) : {};
	const verb = refused.verb ?? described.verb;
	const resource = refused.resource ?? described.resource;
	let message = serverMessage;
	const withheld = withheldCredentials(entry);
	if ((kind === 'unauthorized' || kind === 'forbidden') && withheld) {
		// Refused because nothing was sent: the reason comes first, where a row has room for it.
		message = `${withheld}; the server refused the anonymous request: ${serverMessage} (${request.what})`;
	} else if (kind === 'unauthorized') {
		const user = entry.user.name ? `user "${entry.user.name}"` : 'the anonymous user';
		message = `${serverMessage}: the server refused the credentials of ${user} (${request.what})`;
	} else if (kind === 'server' || kind === 'timeout') {
		message = `${serverMessage} (HTTP ${status}, ${request.what})`;
	}
	return new KubeError({kind, status, reason: body?.reason, message, verb, resource, body, context: entry.info.name});
}
