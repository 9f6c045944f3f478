// The CRD's x-kubernetes-validations rules, evaluated with @marcbachmann/cel-js (a maintained CEL
// implementation with no dependencies). Causes are worded as kube-apiserver's:
//   <nil>: Invalid value: "object": resource name must be 'tigera-secure'
import {parse} from '@marcbachmann/cel-js';
import type {FieldCause} from '../status-error.js';
import type {CelRule, JsonSchema} from './schema.js';

type Program = ReturnType<typeof parse>;

const programs = new Map<string, Program | Error>();

function program(rule: string): Program | Error {
	let p = programs.get(rule);
	if (!p) {
		try {
			p = parse(rule);
		} catch (error) {
			p = error instanceof Error ? error : new Error(String(error));
		}
		programs.set(rule, p);
	}
	return p;
}

/** JSON → CEL values: integers of integer-typed fields are CEL ints (BigInt), as the apiserver's converter does. */
function toCel(value: unknown, schema: JsonSchema | undefined): unknown {
	if (typeof value === 'number') {
		const integer = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'];
		return integer && Number.isInteger(value) ? BigInt(value) : value;
	}
	if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
	if (value !== null && typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value)) {
			const declared = schema?.properties?.[k] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
			out[k] = toCel(v, declared);
		}
		return out;
	}
	return value;
}

/** At the root, `self.metadata` holds only name and generateName, as in kube-apiserver. */
function rootSelf(value: Record<string, unknown>): Record<string, unknown> {
	const meta = (value.metadata ?? {}) as {name?: string; generateName?: string};
	return {...value, metadata: {...(meta.name !== undefined ? {name: meta.name} : {}), ...(meta.generateName !== undefined ? {generateName: meta.generateName} : {})}};
}

function typeName(schema: JsonSchema): string {
	return schema['x-kubernetes-int-or-string'] ? 'integer' : schema.type ?? 'object';
}

export function celCauses(value: unknown, schema: JsonSchema, path: string): FieldCause[] {
	const rules: CelRule[] = schema['x-kubernetes-validations'] ?? [];
	const causes: FieldCause[] = [];
	const self = toCel(path === '' && value !== null && typeof value === 'object' ? rootSelf(value as Record<string, unknown>) : value, schema);
	for (const rule of rules) {
		// Transition rules need the old object; on create they do not run (as in kube-apiserver).
		if (/\boldSelf\b/.test(rule.rule)) continue;
		const field = [path, rule.fieldPath?.replace(/^\./, '')].filter(Boolean).join('.') || '<nil>';
		const p = program(rule.rule);
		let ok: unknown;
		try {
			if (p instanceof Error) throw p;
			ok = p({self});
		} catch (error) {
			causes.push({field, message: `Invalid value: "${typeName(schema)}": ${error instanceof Error ? error.message.split('\n')[0] : String(error)} evaluating rule: ${rule.rule}`});
			continue;
		}
		if (ok !== true) {
			causes.push({field, message: `Invalid value: "${typeName(schema)}": ${rule.message ?? `failed rule: ${rule.rule}`}`, reason: rule.reason});
		}
	}
	return causes;
}
