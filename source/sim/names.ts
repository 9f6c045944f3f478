// Object-name rules (the API server's validation) and generateName suffixes.
import {randomInt} from 'node:crypto';
import type {FieldCause} from './status-error.js';
import type {ResourceType} from './types.js';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces and services are DNS labels; RBAC objects may hold any path segment; the rest are subdomains. */
function nameRule(type: ResourceType): 'label' | 'segment' | 'subdomain' {
	if (type.group === '' && (type.resource === 'namespaces' || type.resource === 'services')) return 'label';
	if (type.group === 'rbac.authorization.k8s.io') return 'segment';
	return 'subdomain';
}

export function nameCauses(type: ResourceType, name: string, field = 'metadata.name'): FieldCause[] {
	const rule = nameRule(type);
	if (rule === 'segment') {
		if (name === '.' || name === '..') return [{field, message: `Invalid value: "${name}": may not be '${name}'`}];
		if (/[/%]/.test(name)) return [{field, message: `Invalid value: "${name}": may not contain '/' or '%'`}];
		return [];
	}
	if (rule === 'label') {
		if (name.length > 63 || !dns1123Label.test(name)) {
			return [{field, message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}];
		}
		return [];
	}
	if (name.length > 253 || !dns1123Subdomain.test(name)) {
		return [{field, message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}];
	}
	return [];
}

const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function generateSuffix(): string {
	let s = '';
	for (let i = 0; i < 5; i++) s += suffixAlphabet[randomInt(suffixAlphabet.length)];
	return s;
}
