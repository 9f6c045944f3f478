// Label and field selectors with Kubernetes' grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
// `a notin (x)`, `a`, `!a`, comma-separated (all must hold).
import {badRequest} from './status-error.js';
import type {KubeObject} from './types.js';

type Requirement =
	| {key: string; op: 'eq' | 'neq'; value: string}
	| {key: string; op: 'in' | 'notin'; values: string[]}
	| {key: string; op: 'exists' | 'notexists'};

export type Selector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
	const terms: string[] = [];
	let depth = 0;
	let current = '';
	for (const ch of text) {
		if (ch === '(') depth++;
		if (ch === ')') depth--;
		if (ch === ',' && depth === 0) {
			terms.push(current);
			current = '';
		} else {
			current += ch;
		}
	}
	terms.push(current);
	return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const keyPattern = /^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): string {
	if (!keyPattern.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
	return key;
}

function checkValue(value: string, selector: string): string {
	if (!valuePattern.test(value) || value.length > 63) throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${selector}"`);
	return value;
}

function parseTerm(term: string, selector: string): Requirement {
	let m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(term);
	if (m) {
		const values = m[3].split(',').map((v) => v.trim()).filter((v) => v.length > 0).map((v) => checkValue(v, selector));
		return {key: checkKey(m[1], selector), op: m[2] as 'in' | 'notin', values};
	}
	m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
	if (m) return {key: checkKey(m[1], selector), op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue(m[3], selector)};
	m = /^!\s*(\S+)$/.exec(term);
	if (m) return {key: checkKey(m[1], selector), op: 'notexists'};
	if (/^\S+$/.test(term)) return {key: checkKey(term, selector), op: 'exists'};
	throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, or a label key, in selector "${selector}"`);
}

export function parseLabelSelector(selector: string | undefined): Selector {
	if (!selector || selector.trim() === '') return () => true;
	const requirements = splitTerms(selector).map((t) => parseTerm(t, selector));
	return (labels) => requirements.every((r) => {
		const value = labels?.[r.key];
		switch (r.op) {
			case 'eq': return value === r.value;
			case 'neq': return value !== r.value;
			case 'in': return value !== undefined && r.values.includes(value);
			case 'notin': return value === undefined || !r.values.includes(value);
			case 'exists': return value !== undefined;
			case 'notexists': return value === undefined;
		}
		return false;
	});
}

export type ObjectFilter = (obj: KubeObject) => boolean;

type FieldValue = (obj: KubeObject) => string;

const path = (...parts: string[]): FieldValue => (obj) => {
	let current: unknown = obj;
	for (const part of parts) {
		if (current === null || typeof current !== 'object') return '';
		current = (current as Record<string, unknown>)[part];
	}
	return current === undefined || current === null ? '' : String(current);
};

const metaFields: Record<string, FieldValue> = {'metadata.name': path('metadata', 'name'), 'metadata.namespace': path('metadata', 'namespace')};

// kube-apiserver's registered field labels per type (each registry's ToSelectableFields and the
// scheme's field label conversions, 1.33): anything else is `400 field label not supported`, as
// the real server answers. Values of absent fields are '' (Go's zero value), so `x=` selects them.
const eventFields: Record<string, FieldValue> = {
	'involvedObject.kind': path('involvedObject', 'kind'),
	'involvedObject.namespace': path('involvedObject', 'namespace'),
	'involvedObject.name': path('involvedObject', 'name'),
	'involvedObject.uid': path('involvedObject', 'uid'),
	'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
	'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
	'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
	reason: path('reason'),
	// The core/v1 name of events.k8s.io's reportingController.
	reportingComponent: path('reportingComponent'),
	// source.component, else the reporting controller (what newer recorders fill in instead).
	source: (obj) => path('source', 'component')(obj) || path('reportingComponent')(obj),
	type: path('type'),
};

const fieldsByType: Record<string, Record<string, FieldValue>> = {
	'/events': eventFields,
	'/pods': {
		'spec.nodeName': path('spec', 'nodeName'),
		'spec.restartPolicy': path('spec', 'restartPolicy'),
		'spec.schedulerName': path('spec', 'schedulerName'),
		'spec.serviceAccountName': path('spec', 'serviceAccountName'),
		'spec.hostNetwork': (obj) => String(Boolean((obj.spec as {hostNetwork?: boolean} | undefined)?.hostNetwork)),
		'status.phase': path('status', 'phase'),
		'status.podIP': path('status', 'podIP'),
		'status.nominatedNodeName': path('status', 'nominatedNodeName'),
	},
	'/secrets': {type: path('type')},
	'/namespaces': {'status.phase': path('status', 'phase')},
	'/nodes': {'spec.unschedulable': (obj) => String(Boolean((obj.spec as {unschedulable?: boolean} | undefined)?.unschedulable))},
	'/services': {'spec.clusterIP': path('spec', 'clusterIP'), 'spec.type': path('spec', 'type')},
};

/** The field labels a type can be selected by: metadata.name and metadata.namespace, plus its own. */
export function fieldLabels(type?: {group: string; resource: string}): Record<string, FieldValue> {
	return {...metaFields, ...(type ? fieldsByType[`${type.group}/${type.resource}`] : undefined)};
}

/** Field selectors (`a=b`, `a==b`, `a!=b`, comma-separated) over the type's registered field labels. */
export function parseFieldSelector(selector: string | undefined, type?: {group: string; resource: string}): ObjectFilter {
	if (!selector || selector.trim() === '') return () => true;
	const labels = fieldLabels(type);
	const tests = splitTerms(selector).map((term) => {
		const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
		if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
		const [, field, op, value] = m;
		const read = Object.hasOwn(labels, field) ? labels[field] : undefined;
		if (!read) throw badRequest(`field label not supported: ${field}`);
		return (obj: KubeObject) => (op === '!=' ? read(obj) !== value : read(obj) === value);
	});
	return (obj) => tests.every((t) => t(obj));
}
