// kube-controller-manager's root-ca-cert-publisher: every namespace holds a ConfigMap
// `kube-root-ca.crt` with the cluster's CA (pods mount it), recreated when deleted or changed.
import {simulatorTls} from './tls.js';
import type {KubeObject, ObjectStore, StoreEvent} from './types.js';

export const rootCaConfigMap = 'kube-root-ca.crt';

function rootCaData(): Record<string, string> {
	return {'ca.crt': simulatorTls().caCertificate};
}

function publish(store: ObjectStore, namespace: string): void {
	const nsType = store.lookup('', 'v1', 'namespaces');
	const cmType = store.lookup('', 'v1', 'configmaps');
	if (!nsType || !cmType || !store.get(nsType, undefined, namespace)) return;
	const existing = store.get(cmType, namespace, rootCaConfigMap);
	const data = rootCaData();
	if (existing && (existing.data as Record<string, string> | undefined)?.['ca.crt'] === data['ca.crt']) return;
	const wanted: KubeObject = {
		apiVersion: 'v1', kind: 'ConfigMap',
		metadata: {...existing?.metadata, name: rootCaConfigMap, namespace, annotations: {...existing?.metadata.annotations, 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.'}},
		data,
	};
	if (existing) store.update(cmType, wanted);
	else store.create(cmType, wanted);
}

export function installRootCaPublisher(store: ObjectStore): () => void {
	const nsType = store.lookup('', 'v1', 'namespaces');
	for (const ns of nsType ? store.list(nsType) : []) publish(store, ns.metadata.name);
	return store.subscribe((event: StoreEvent) => {
		const t = event.resourceType;
		if (t.group !== '' || (event.type === 'DELETED' && t.resource === 'namespaces')) return;
		const namespace = t.resource === 'namespaces' ? event.object.metadata.name
			: t.resource === 'configmaps' && event.object.metadata.name === rootCaConfigMap ? event.object.metadata.namespace : undefined;
		// After the write that told us: the store is still inside it.
		if (namespace) queueMicrotask(() => publish(store, namespace));
	});
}
