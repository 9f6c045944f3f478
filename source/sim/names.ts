// Names in the simulator: the API server's object-name rules and generateName suffixes, and the
// names that move with the Calico Enterprise version (tigera-manager up to 3.22, calico-system after).
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

// Calico Enterprise version → the names that move with it. Up to 3.22 the manager lives in
// `tigera-manager` (the how-to's `tigera-manager-mcm` service); from 3.23 in `calico-system`.

export type EnterpriseVersion = {major: number; minor: number; patch: number; /** e.g. `v3.24.0` */ text: string};

export type EnterpriseNames = {
	managerNamespace: string;
	managerDeployment: string;
	/** The ClusterIP service of the manager UI. */
	managerService: string;
	/** The service the how-to creates to expose the tunnel endpoint (port 9449). */
	mcmService: string;
	managerSelector: Record<string, string>;
	apiServerNamespace: string;
	apiServerDeployment: string;
	guardianNamespace: string;
	guardianDeployment: string;
};

/** Parses `3.22`, `v3.24.0`, `3.24.1-1.0`; throws an Error naming the input when it is not a version. */
export function parseEnterpriseVersion(input: string): EnterpriseVersion {
	const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.]+)?$/.exec(input.trim());
	if (!match) throw new Error(`invalid Calico Enterprise version "${input}": expected e.g. 3.22 or v3.24.0`);
	const major = Number(match[1]);
	const minor = Number(match[2]);
	const patch = Number(match[3] ?? 0);
	return {major, minor, patch, text: `v${major}.${minor}.${patch}`};
}

export function isLegacyNaming(version: EnterpriseVersion): boolean {
	return version.major < 3 || (version.major === 3 && version.minor <= 22);
}

export function enterpriseNames(version: string | EnterpriseVersion): EnterpriseNames {
	const parsed = typeof version === 'string' ? parseEnterpriseVersion(version) : version;
	if (isLegacyNaming(parsed)) {
		return {
			managerNamespace: 'tigera-manager',
			managerDeployment: 'tigera-manager',
			managerService: 'tigera-manager',
			mcmService: 'tigera-manager-mcm',
			managerSelector: {'k8s-app': 'tigera-manager'},
			apiServerNamespace: 'tigera-system',
			apiServerDeployment: 'tigera-apiserver',
			guardianNamespace: 'tigera-guardian',
			guardianDeployment: 'tigera-guardian',
		};
	}
	return {
		managerNamespace: 'calico-system',
		managerDeployment: 'calico-manager',
		managerService: 'calico-manager',
		mcmService: 'calico-manager-mcm',
		managerSelector: {'k8s-app': 'calico-manager'},
		apiServerNamespace: 'calico-system',
		apiServerDeployment: 'calico-apiserver',
		guardianNamespace: 'calico-system',
		guardianDeployment: 'guardian',
	};
}
