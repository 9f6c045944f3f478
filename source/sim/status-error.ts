// Kubernetes-shaped errors: the messages copy the real API server's wording, because clients (kubectl,
// scripts, our own console) show or match them.
import {ApiError, type ResourceType} from './types.js';

/** `tigerastatuses.operator.tigera.io`, or `pods` for the core group, as Kubernetes names a resource. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
	return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function details(type: Pick<ResourceType, 'group' | 'resource'>, name?: string) {
	return {name, group: type.group, kind: type.resource};
}

export function notFound(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
	return new ApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, details(type, name));
}

export function alreadyExists(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
	return new ApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, details(type, name));
}

export function conflict(type: Pick<ResourceType, 'group' | 'resource'>, name: string, why: string): ApiError {
	return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`, details(type, name));
}

export function staleConflict(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
	return conflict(type, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

export type FieldCause = {field: string; message: string; reason?: string};

/** 422: `TigeraStatus.operator.tigera.io "x" is invalid: metadata.name: Required value: ...` */
export function invalid(type: Pick<ResourceType, 'group' | 'kind'>, name: string, causes: FieldCause[]): ApiError {
	const qualifiedKind = type.group ? `${type.kind}.${type.group}` : type.kind;
	// Go's field.ErrorList aggregate: one error as is, several in brackets.
	const joined = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
	const text = causes.length === 1 ? joined : `[${joined}]`;
	return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${text}`, {
		name,
		group: type.group,
		kind: type.kind,
		causes: causes.map((c) => ({reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field})),
	});
}

export function badRequest(message: string): ApiError {
	return new ApiError(400, 'BadRequest', message);
}

export function gone(message = 'too old resource version'): ApiError {
	return new ApiError(410, 'Expired', message);
}

export type Status = {
	kind: 'Status';
	apiVersion: 'v1';
	metadata: {continue?: string};
	status: 'Failure' | 'Success';
	message: string;
	reason?: string;
	details?: Record<string, unknown>;
	code: number;
};

/** The `Status` body for an error; anything that is not an ApiError is an internal error (500). */
export function toStatus(error: unknown): Status {
	if (error instanceof ApiError) {
		const status: Status = {kind: 'Status', apiVersion: 'v1', metadata: error.listMeta?.continue ? {continue: error.listMeta.continue} : {}, status: 'Failure', message: error.message, reason: error.reason, code: error.code};
		// StatusReasonUnknown is "" and omitted, as in kube's JSON.
		if (error.reason === '') delete status.reason;
		if (error.details) {
			const d: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(error.details)) {
				if (v !== undefined && v !== '') d[k] = v;
			}
			status.details = d;
		}
		return status;
	}
	const message = error instanceof Error ? error.message : String(error);
	return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', code: 500};
}
