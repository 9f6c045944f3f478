// Errors of the cluster access layer. A KubeError always carries the real cause in its message (the
// server's Status message, the socket error, or what timed out) so the UI and logs never show a
// generic "request failed".

export type KubeErrorKind =
	| 'timeout'
	| 'unreachable'
	| 'unauthorized'
	| 'forbidden'
	| 'not-found'
	| 'conflict'
	| 'invalid'
	| 'gone'
	| 'aborted'
	| 'server'
	| 'config'
	| 'exec';

export type KubeErrorInit = {
	kind: KubeErrorKind;
	message: string;
	/** The kubeconfig context the request was for. */
	context: string;
	status?: number;
	/** The Status reason, e.g. Forbidden, AlreadyExists, NotFound. */
	reason?: string;
	verb?: string;
	resource?: string;
	/** The Status object the server returned, when it returned one. */
	body?: unknown;
	cause?: unknown;
};

export class KubeError extends Error {
	readonly kind: KubeErrorKind;
	readonly status?: number;
	readonly reason?: string;
	readonly context: string;
	readonly verb?: string;
	readonly resource?: string;
	readonly body?: unknown;

	constructor(init: KubeErrorInit) {
		super(init.message, init.cause === undefined ? undefined : {cause: init.cause});
		this.name = 'KubeError';
		this.kind = init.kind;
		this.status = init.status;
		this.reason = init.reason;
		this.context = init.context;
		this.verb = init.verb;
		this.resource = init.resource;
		this.body = init.body;
	}
}

/** A kubeconfig problem: names the file (and line, for YAML errors) and says how to fix it. */
export class ConfigError extends Error {
	readonly file?: string;
	readonly line?: number;
	readonly hint: string;

	constructor(message: string, options: {file?: string; line?: number; hint: string}) {
		super(message);
		this.name = 'ConfigError';
		this.file = options.file;
		this.line = options.line;
		this.hint = options.hint;
	}
}

export function isKubeError(error: unknown, kind?: KubeErrorKind): error is KubeError {
	return error instanceof KubeError && (kind === undefined || error.kind === kind);
}

/** The HTTP status → kind mapping (see issue 3). */
export function kindForStatus(status: number): KubeErrorKind {
	if (status === 401) return 'unauthorized';
	if (status === 403) return 'forbidden';
	if (status === 404) return 'not-found';
	if (status === 409) return 'conflict';
	if (status === 410) return 'gone';
	if (status === 400 || status === 422) return 'invalid';
	if (status === 408 || status === 504) return 'timeout';
	return 'server';
}

const unreachableCodes = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'ECONNRESET',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EAI_AGAIN',
	'EPIPE',
	'ETIMEDOUT',
	'ECONNABORTED',
	'UND_ERR_SOCKET',
]);

/** True for socket-level errors that mean "the server is not there (now)". */
export function isUnreachableCode(code: unknown): boolean {
	return typeof code === 'string' && unreachableCodes.has(code);
}

// The API server's 403 message: `... cannot list resource "tigerastatuses" in API group "operator.tigera.io" at the cluster scope`.
const forbiddenPattern = /cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?/;

/** Verb and resource (`tigerastatuses.operator.tigera.io`) from a 403 message, when it says them. */
export function parseForbidden(message: string): {verb?: string; resource?: string} {
	const match = forbiddenPattern.exec(message);
	if (!match) return {};
	const [, verb, resource, group] = match;
	return {verb, resource: group ? `${resource}.${group}` : resource};
}

/** What the user can do about a KubeError of context `fallbackContext` (the error's own context wins). */
export function kubeErrorHint(error: KubeError, fallbackContext: string): string | undefined {
	const ctx = error.context || fallbackContext;
	switch (error.kind) {
		case 'unreachable':
			return `the API server of ${ctx} cannot be reached; check that it is up (kubectl --context ${ctx} get --raw /readyz), then retry`;
		case 'timeout':
			return `${ctx} did not answer in time; retry, or raise --request-timeout`;
		case 'unauthorized':
		case 'exec':
			return `the credentials of context ${ctx} were refused; refresh them, then retry`;
		case 'forbidden':
			return `ask for permission to ${error.verb ?? 'do this'}${error.resource ? ` ${error.resource}` : ''} on ${ctx}, or use a context that has it`;
		case 'conflict':
			return 'another field manager owns a field this step sets (named above); settle it with its owner, then retry';
		case 'invalid':
			return 'the server refused the object: fix what the message names, then retry';
		default:
			return undefined;
	}
}
