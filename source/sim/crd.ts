// CustomResourceDefinition → served ResourceTypes, and the CRD's own validation.
import {standardVerbs} from './builtin-types.js';
import {invalid, type FieldCause} from './status-error.js';
import type {KubeObject, PrinterColumn, ResourceType} from './types.js';
import type {JsonSchema} from './validation/schema.js';

type CrdVersion = {
	name: string;
	served?: boolean;
	storage?: boolean;
	additionalPrinterColumns?: PrinterColumn[];
	subresources?: {status?: unknown};
	schema?: {openAPIV3Schema?: JsonSchema};
};

type CrdSpec = {
	group?: string;
	scope?: string;
	names?: {plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[]; categories?: string[]};
	versions?: CrdVersion[];
};

export const crdType = {group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition'};

/** Throws 422 when the CRD could not be served (the names the API server would reject). */
export function validateCrd(obj: KubeObject): void {
	const spec = (obj.spec ?? {}) as CrdSpec;
	const causes: FieldCause[] = [];
	const name = obj.metadata?.name ?? '';
	if (!spec.group) causes.push({field: 'spec.group', message: 'Required value', reason: 'FieldValueRequired'});
	if (!spec.names?.plural) causes.push({field: 'spec.names.plural', message: 'Required value', reason: 'FieldValueRequired'});
	if (!spec.names?.kind) causes.push({field: 'spec.names.kind', message: 'Required value', reason: 'FieldValueRequired'});
	if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
		causes.push({field: 'spec.scope', message: `Unsupported value: "${spec.scope ?? ''}": supported values: "Cluster", "Namespaced"`, reason: 'FieldValueNotSupported'});
	}
	if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
		causes.push({field: 'spec.versions', message: 'Invalid value: null: must have exactly one version marked as storage version'});
	} else if (spec.versions.filter((v) => v.storage).length !== 1) {
		causes.push({field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version'});
	}
	(spec.versions ?? []).forEach((v, i) => {
		// apiextensions.k8s.io/v1 serves only structural schemas: every version needs one.
		if (!v.schema?.openAPIV3Schema) causes.push({field: `spec.versions[${i}].schema.openAPIV3Schema`, message: 'Required value: schemas are required', reason: 'FieldValueRequired'});
	});
	if (spec.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
		causes.push({field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`});
	}
	if (causes.length > 0) throw invalid(crdType, name, causes);
}

export function crdToTypes(obj: KubeObject): ResourceType[] {
	const spec = (obj.spec ?? {}) as CrdSpec;
	const names = spec.names ?? {};
	const kind = names.kind ?? '';
	return (spec.versions ?? []).filter((v) => v.served !== false).map((v) => ({
		group: spec.group ?? '',
		version: v.name,
		resource: names.plural ?? '',
		singular: names.singular ?? kind.toLowerCase(),
		kind,
		listKind: names.listKind ?? `${kind}List`,
		namespaced: spec.scope === 'Namespaced',
		shortNames: names.shortNames,
		categories: names.categories,
		verbs: standardVerbs,
		statusSubresource: v.subresources?.status !== undefined,
		columns: v.additionalPrinterColumns,
		...(v.schema?.openAPIV3Schema ? {schema: v.schema.openAPIV3Schema} : {}),
	}));
}

/** The status a real apiextensions server sets once the names are accepted and the API is served. */
export function establishedStatus(obj: KubeObject, now: string): Record<string, unknown> {
	const spec = (obj.spec ?? {}) as CrdSpec;
	const names = spec.names ?? {};
	const condition = (type: string, reason: string, message: string) => ({type, status: 'True', lastTransitionTime: now, reason, message});
	return {
		conditions: [
			condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
			condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
		],
		acceptedNames: {
			plural: names.plural, singular: names.singular ?? names.kind?.toLowerCase(), kind: names.kind,
			listKind: names.listKind ?? `${names.kind}List`,
			...(names.shortNames ? {shortNames: names.shortNames} : {}),
			...(names.categories ? {categories: names.categories} : {}),
		},
		storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name),
	};
}
