// What kube-apiserver does to an object between the request body and storage, besides defaulting
// and admission: decode (unknown fields pruned, reported as fieldValidation asks; stringData merged),
// then validate (structural schema and CEL rules of a CRD, built-in kinds' rules) → 422 Invalid.
import {badRequest, invalid, type FieldCause} from '../status-error.js';
import {ApiError, type KubeObject, type ResourceType} from '../types.js';
import {builtinCauses, checkSecretEncoding, mergeStringData, metadataCauses} from './builtin.js';
import {knownFields} from './builtin-fields.js';
import {applyDefaults, prune} from './prune.js';
import {schemaOf} from './schema.js';
import {schemaCauses} from './structural.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export type WriteOptions = {
	/** Every check, nothing stored, no event (?dryRun=All). */
	dryRun?: boolean;
	/** What to do about unknown fields (default Ignore for the simulator's own writes). */
	fieldValidation?: FieldValidation;
	/** Collects `unknown field "..."` warnings for the Warning header (fieldValidation=Warn). */
	warnings?: string[];
};

/** `?fieldValidation=`: kube-apiserver's default is Warn; anything else is a 400 naming the accepted values. */
export function parseFieldValidation(raw: string | undefined): FieldValidation {
	if (raw === undefined || raw === '') return 'Warn';
	if (raw === 'Ignore' || raw === 'Warn' || raw === 'Strict') return raw;
	throw badRequest(`fieldValidation parameter unsupported: ${raw}`);
}

const metadataFields = new Set([
	'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
	'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** Unknown fields of `obj`, removed in place: paths such as `spec.bogusField`. */
export function pruneUnknown(type: ResourceType, obj: KubeObject): string[] {
	const unknown: string[] = [];
	const meta = obj.metadata as unknown as Record<string, unknown>;
	for (const key of Object.keys(meta ?? {})) {
		if (!metadataFields.has(key)) {
			unknown.push(`metadata.${key}`);
			delete meta[key];
		}
	}
	const schema = schemaOf(type);
	if (schema) return unknown.concat(prune(obj, schema));
	const known = knownFields(type);
	if (!known) return unknown;
	for (const key of Object.keys(obj)) {
		if (!known.has(key)) {
			unknown.push(key);
			delete obj[key];
		}
	}
	return unknown;
}

/** Decoding: unknown fields per fieldValidation (Strict → 400), schema defaults, stringData → data. */
export function decodeObject(type: ResourceType, obj: KubeObject, options: WriteOptions = {}): void {
	const unknown = pruneUnknown(type, obj);
	const mode = options.fieldValidation ?? 'Ignore';
	if (unknown.length > 0 && mode === 'Strict') {
		throw badRequest(`strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
	}
	if (mode === 'Warn') options.warnings?.push(...unknown.map((u) => `unknown field "${u}"`));
	applyDefaults(obj, schemaOf(type));
	mergeStringData(type, obj);
	checkSecretEncoding(type, obj);
}

/** Validation after defaulting: every cause at once, as one 422 Invalid. */
export function validateObject(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
	const causes: FieldCause[] = [...metadataCauses(obj)];
	const schema = schemaOf(type);
	if (schema) causes.push(...schemaCauses(obj, schema));
	causes.push(...builtinCauses(type, obj, old));
	if (causes.length > 0) throw invalid(type, obj.metadata.name ?? '', causes);
}

/**
 * Server-side apply types its apply configuration against the schema before merging: an undeclared
 * field is an error whatever fieldValidation says (structured-merge-diff's wording, a 500).
 */
export function checkApplyConfiguration(type: ResourceType, applied: KubeObject): void {
	const copy = structuredClone(applied);
	const unknown = pruneUnknown(type, copy);
	if (unknown.length === 0) return;
	const where = `${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${type.group}/${type.version}, Kind=${type.kind}`;
	const detail = unknown.length === 1 ? `.${unknown[0]}: field not declared in schema` : `errors:\n${unknown.map((u) => `  .${u}: field not declared in schema`).join('\n')}`;
	throw new ApiError(500, '', `failed to create typed patch object (${where}): ${detail}`);
}
