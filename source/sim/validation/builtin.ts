// Validation of the built-in kinds the how-to and the console write (Service, Secret, ConfigMap,
// and every object's metadata), in the words of kube-apiserver's pkg/apis/core/validation.
import type {FieldCause} from '../status-error.js';
import {badRequest} from '../status-error.js';
import type {KubeObject, ResourceType} from '../types.js';

const isCore = (type: ResourceType, resource: string) => type.group === '' && type.resource === resource;

const configKey = /^[-._a-zA-Z0-9]+$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ianaServiceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const maxSecretBytes = 1024 * 1024;
const maxAnnotationBytes = 256 * 1024;

/** `stringData` is write-only: merged into `data` (base64) and never stored or returned. */
export function mergeStringData(type: ResourceType, obj: KubeObject): void {
	if (!isCore(type, 'secrets') || obj.stringData === undefined) return;
	const stringData = obj.stringData;
	delete obj.stringData;
	if (stringData === null) return;
	if (typeof stringData !== 'object' || Array.isArray(stringData)) throw badRequest('Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal stringData into Go struct field Secret.stringData of type map[string]string');
	const data = {...((obj.data ?? {}) as Record<string, string>)};
	for (const [key, value] of Object.entries(stringData as Record<string, unknown>)) {
		if (typeof value !== 'string') throw badRequest(`Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal ${typeof value} into Go struct field Secret.stringData of type string`);
		data[key] = Buffer.from(value, 'utf8').toString('base64');
	}
	obj.data = data;
}

/** Secret data must decode as base64, or the request body cannot be decoded at all (400, as kube). */
export function checkSecretEncoding(type: ResourceType, obj: KubeObject): void {
	if (!isCore(type, 'secrets') || obj.data === undefined || obj.data === null) return;
	for (const value of Object.values(obj.data as Record<string, unknown>)) {
		if (typeof value !== 'string') throw badRequest('Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal data into Go struct field Secret.data of type []uint8');
		const bad = /[^A-Za-z0-9+/=]/.exec(value);
		if (bad || (value.length % 4 !== 0)) {
			throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${bad ? bad.index : Math.floor(value.length / 4) * 4}`);
		}
	}
}

export function metadataCauses(obj: KubeObject): FieldCause[] {
	const annotations = obj.metadata.annotations ?? {};
	let size = 0;
	for (const [k, v] of Object.entries(annotations)) size += k.length + String(v).length;
	return size > maxAnnotationBytes ? [{field: 'metadata.annotations', message: `Too long: must have at most ${maxAnnotationBytes} bytes`, reason: 'FieldValueTooLong'}] : [];
}

export function builtinCauses(type: ResourceType, obj: KubeObject, old?: KubeObject): FieldCause[] {
	if (isCore(type, 'services')) return serviceCauses(obj);
	if (isCore(type, 'secrets')) return secretCauses(obj, old);
	if (isCore(type, 'configmaps')) return keyCauses(obj.data, 'data').concat(keyCauses(obj.binaryData, 'binaryData'));
	return [];
}

function keyCauses(data: unknown, field: string): FieldCause[] {
	if (data === undefined || data === null || typeof data !== 'object') return [];
	return Object.keys(data).filter((k) => !configKey.test(k)).map((k) => ({
		field: `${field}[${k}]`,
		message: `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
	}));
}

const required = (field: string): FieldCause => ({field, message: 'Required value', reason: 'FieldValueRequired'});

function secretCauses(obj: KubeObject, old?: KubeObject): FieldCause[] {
	const data = (obj.data ?? {}) as Record<string, string>;
	const causes = keyCauses(obj.data, 'data');
	const size = Object.values(data).reduce((n, v) => n + Buffer.from(v, 'base64').length, 0);
	if (size > maxSecretBytes) causes.push({field: 'data', message: `Too long: must have at most ${maxSecretBytes} bytes`, reason: 'FieldValueTooLong'});
	const type = obj.type as string;
	if (old && old.type !== type) causes.push({field: 'type', message: `Invalid value: ${JSON.stringify(type)}: field is immutable`});
	switch (type) {
		case 'kubernetes.io/dockerconfigjson': {
			const field = 'data[.dockerconfigjson]';
			if (data['.dockerconfigjson'] === undefined) causes.push(required(field));
			else {
				try {
					const parsed: unknown = JSON.parse(Buffer.from(data['.dockerconfigjson'], 'base64').toString('utf8'));
					if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
				} catch {
					// Go's decoder names the offending character, never the content; neither may we.
					causes.push({field, message: 'Invalid value: "<secret contents redacted>": invalid character looking for beginning of value'});
				}
			}
			break;
		}
		case 'kubernetes.io/dockercfg':
			if (data['.dockercfg'] === undefined) causes.push(required('data[.dockercfg]'));
			break;
		case 'kubernetes.io/tls':
			if (data['tls.crt'] === undefined) causes.push(required('data[tls.crt]'));
			if (data['tls.key'] === undefined) causes.push(required('data[tls.key]'));
			break;
		case 'kubernetes.io/basic-auth':
			if (data.username === undefined && data.password === undefined) causes.push(required('data[username]'));
			break;
		case 'kubernetes.io/ssh-auth':
			if (data['ssh-privatekey'] === undefined) causes.push(required('data[ssh-privatekey]'));
			break;
		case 'kubernetes.io/service-account-token':
			if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
			break;
		default:
			break;
	}
	return causes;
}

type Port = {name?: unknown; port?: unknown; protocol?: unknown; targetPort?: unknown};
type ServiceSpec = {type?: string; clusterIP?: string; ports?: Port[]; selector?: unknown};

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

function serviceCauses(obj: KubeObject): FieldCause[] {
	const spec = (obj.spec ?? {}) as ServiceSpec;
	const causes: FieldCause[] = [];
	const type = spec.type ?? 'ClusterIP';
	if (!serviceTypes.includes(type)) {
		causes.push({field: 'spec.type', message: `Unsupported value: ${JSON.stringify(type)}: supported values: ${serviceTypes.map((t) => `"${t}"`).join(', ')}`, reason: 'FieldValueNotSupported'});
	}
	const ports = spec.ports ?? [];
	const headless = spec.clusterIP === 'None';
	if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required('spec.ports'));
	const names = new Set<string>();
	ports.forEach((p, i) => {
		const at = `spec.ports[${i}]`;
		if (ports.length > 1 && (p.name === undefined || p.name === '')) causes.push(required(`${at}.name`));
		if (typeof p.name === 'string' && p.name !== '') {
			if (!dns1123Label.test(p.name) || p.name.length > 63) {
				causes.push({field: `${at}.name`, message: `Invalid value: ${JSON.stringify(p.name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`});
			}
			if (names.has(p.name)) causes.push({field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(p.name)}`, reason: 'FieldValueDuplicate'});
			names.add(p.name);
		}
		if (p.protocol !== undefined && !protocols.includes(p.protocol as string)) {
			causes.push({field: `${at}.protocol`, message: `Unsupported value: ${JSON.stringify(p.protocol)}: supported values: ${protocols.map((x) => `"${x}"`).join(', ')}`, reason: 'FieldValueNotSupported'});
		}
		const target = p.targetPort;
		if (typeof target === 'number' && (!Number.isInteger(target) || target < 1 || target > 65535)) {
			causes.push({field: `${at}.targetPort`, message: `Invalid value: ${target}: must be between 1 and 65535, inclusive`});
		} else if (typeof target === 'string' && (target.length > 15 || !ianaServiceName.test(target) || !/[a-z]/.test(target))) {
			causes.push({field: `${at}.targetPort`, message: `Invalid value: ${JSON.stringify(target)}: must contain at least one letter (a-z), and contain only lowercase alphanumeric characters or '-' (a-z, 0-9, -), and be no more than 15 characters`});
		}
	});
	return causes;
}
