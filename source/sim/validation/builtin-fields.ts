// The top-level fields of the built-in kinds (k8s.io/api): what a strict decoder accepts. Kinds not
// listed here are not checked for unknown fields.
import type {ResourceType} from '../types.js';

const common = ['apiVersion', 'kind', 'metadata'];

const byResource: Record<string, string[]> = {
	'/configmaps': ['data', 'binaryData', 'immutable'],
	'/secrets': ['data', 'stringData', 'type', 'immutable'],
	'/serviceaccounts': ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
	'/namespaces': ['spec', 'status'],
	'/services': ['spec', 'status'],
	'/pods': ['spec', 'status'],
	'/nodes': ['spec', 'status'],
	'/events': ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
	'apps/deployments': ['spec', 'status'],
	'apps/daemonsets': ['spec', 'status'],
	'rbac.authorization.k8s.io/clusterroles': ['rules', 'aggregationRule'],
	'rbac.authorization.k8s.io/roles': ['rules'],
	'rbac.authorization.k8s.io/clusterrolebindings': ['subjects', 'roleRef'],
	'rbac.authorization.k8s.io/rolebindings': ['subjects', 'roleRef'],
	'storage.k8s.io/storageclasses': ['provisioner', 'parameters', 'reclaimPolicy', 'mountOptions', 'allowVolumeExpansion', 'volumeBindingMode', 'allowedTopologies'],
	'apiextensions.k8s.io/customresourcedefinitions': ['spec', 'status'],
};

const cache = new Map<string, Set<string>>();

export function knownFields(type: ResourceType): Set<string> | undefined {
	const key = `${type.group}/${type.resource}`;
	const fields = byResource[key];
	if (!fields) return undefined;
	let set = cache.get(key);
	if (!set) {
		set = new Set([...common, ...fields]);
		cache.set(key, set);
	}
	return set;
}
