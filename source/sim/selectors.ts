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

function fieldValue(obj: KubeObject, path: string): string | undefined {
	let current: unknown = obj;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	if (current === undefined || current === null) return undefined;
	return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

/** Field selectors: metadata.name, metadata.namespace for every type; a few well-known fields beyond. */
const supportedFields = new Set(['metadata.name', 'metadata.namespace', 'status.phase', 'spec.nodeName', 'type', 'spec.type']);

/** Events are selected by what they are about (`kubectl describe` asks for them this way). */
const eventFields = /^(involvedObject\.(kind|namespace|name|uid|apiVersion|resourceVersion|fieldPath)|reason|reportingComponent|source)$/;

export function parseFieldSelector(selector: string | undefined): ObjectFilter {
	if (!selector || selector.trim() === '') return () => true;
	const tests = splitTerms(selector).map((term) => {
		const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
		if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
		const [, field, op, value] = m;
		if (!supportedFields.has(field) && !eventFields.test(field)) throw badRequest(`field label not supported: ${field}`);
		return (obj: KubeObject) => {
			const actual = fieldValue(obj, field) ?? '';
			return op === '!=' ? actual !== value : actual === value;
		};
	});
	return (obj) => tests.every((t) => t(obj));
}
