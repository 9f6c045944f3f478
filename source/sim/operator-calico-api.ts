// The Calico Enterprise API server's part of the simulation: the aggregated projectcalico.org/v3
// types it serves once `apiserver` is Available, and ManagedCluster's special behaviour (refused
// without a ManagementCluster; the installation manifest in the create response only).
import yaml from 'js-yaml';
import {standardVerbs} from './builtin-types.js';
import {getObject, listObjects} from './operator-store.js';
import {connectionSecretData, ensureTunnelCa, issueManagedCertificate, rememberIssued, takeIssued} from './tunnel-certs.js';
import {ApiError, type Admission, type KubeObject, type ObjectStore, type PrinterColumn, type ResourceType} from './types.js';

const age: PrinterColumn = {name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp'};

function v3(kind: string, resource: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType {
	return {
		group: 'projectcalico.org', version: 'v3', resource, singular: kind.toLowerCase(), kind, listKind: `${kind}List`,
		namespaced, verbs: standardVerbs, statusSubresource: false, ...extra,
	};
}

export const calicoApiTypes: ResourceType[] = [
	v3('ManagedCluster', 'managedclusters', false, {
		statusSubresource: true,
		columns: [
			{name: 'Connected', type: 'string', jsonPath: `.status.conditions[?(@.type=='ManagedClusterConnected')].status`,
				description: 'Whether the managed cluster is currently connected to the management cluster'},
			age,
		],
	}),
	v3('LicenseKey', 'licensekeys', false, {statusSubresource: true}),
	v3('Tier', 'tiers', false, {columns: [{name: 'Order', type: 'string', jsonPath: '.spec.order'}, age]}),
	v3('NetworkPolicy', 'networkpolicies', true, {shortNames: ['cnp', 'caliconetworkpolicy', 'caliconetworkpolicies']}),
	v3('GlobalNetworkPolicy', 'globalnetworkpolicies', false, {shortNames: ['gnp', 'cgnp', 'calicoglobalnetworkpolicies']}),
	v3('StagedNetworkPolicy', 'stagednetworkpolicies', true),
	v3('StagedGlobalNetworkPolicy', 'stagedglobalnetworkpolicies', false),
	v3('NetworkSet', 'networksets', true, {shortNames: ['netsets']}),
	v3('GlobalNetworkSet', 'globalnetworksets', false),
	v3('HostEndpoint', 'hostendpoints', false, {shortNames: ['hep', 'heps']}),
	v3('IPPool', 'ippools', false),
	v3('FelixConfiguration', 'felixconfigurations', false, {shortNames: ['felixconfig', 'felixconfigs']}),
	v3('BGPConfiguration', 'bgpconfigurations', false, {shortNames: ['bgpconfig', 'bgpconfigs']}),
];

export function registerCalicoApi(store: ObjectStore): boolean {
	if (store.lookup('projectcalico.org', 'v3', 'managedclusters')) return false;
	for (const t of calicoApiTypes) store.registerType(t);
	return true;
}

export function unregisterCalicoApi(store: ObjectStore): boolean {
	if (!store.lookup('projectcalico.org', 'v3', 'managedclusters')) return false;
	for (const t of calicoApiTypes) store.unregisterType(t.group, t.version, t.resource);
	return true;
}

/** The annotation the Enterprise API server puts on a ManagedCluster: the fingerprint of its certificate. */
export const fingerprintAnnotation = 'certs.tigera.io/active-fingerprint';

export const connectionSecretName = 'tigera-managed-cluster-connection';

const isManagedCluster = (type: ResourceType) => type.group === 'projectcalico.org' && type.kind === 'ManagedCluster';

function managementCluster(store: ObjectStore): KubeObject | undefined {
	return listObjects(store, 'operator.tigera.io/v1', 'ManagementCluster')[0];
}

type ManifestOptions = {clusterName: string; managed: KubeObject; address: string; operatorNamespace: string; store: ObjectStore};

/** The installation manifest of a ManagedCluster: apply it on the managed cluster to connect it. */
export function installationManifest(options: ManifestOptions): string {
	const [mcc, secret] = installationObjects(options);
	return [
		'# Once applied to your managed cluster, a deployment is created to establish a secure tcp connection',
		'# with the management cluster.',
		'',
		yaml.dump(mcc, {lineWidth: -1}).trimEnd(),
		'',
		'---',
		'',
		yaml.dump(secret, {lineWidth: -1}).trimEnd(),
		'',
	].join('\n');
}

/** The two objects of the installation manifest: ManagementClusterConnection and its Secret. */
export function installationObjects(options: ManifestOptions): KubeObject[] {
	const name = options.managed.metadata.name;
	const fingerprint = options.managed.metadata.annotations?.[fingerprintAnnotation] ?? '';
	const ca = ensureTunnelCa(options.store);
	const issued = takeIssued(options.store, fingerprint);
	if (!ca || !issued) throw new ApiError(500, 'InternalError', `no certificate was issued for ManagedCluster "${name}" (fingerprint ${fingerprint || 'missing'})`);
	const mcc = {
		apiVersion: 'operator.tigera.io/v1',
		kind: 'ManagementClusterConnection',
		metadata: {name: 'tigera-secure'},
		spec: {managementClusterAddr: options.address, tls: {ca: 'Tigera'}},
	};
	const secret = {
		apiVersion: 'v1',
		kind: 'Secret',
		metadata: {name: connectionSecretName, namespace: options.operatorNamespace},
		type: 'Opaque',
		data: connectionSecretData(ca, issued),
	};
	return [mcc, secret];
}

/** Admission for ManagedCluster (installed on every cluster; only fires while the v3 type is served). */
export function managedClusterAdmission(clusterName: string): (store: ObjectStore) => Admission {
	return (store) => ({
		validate(op, type, obj, old) {
			if (!isManagedCluster(type) || op === 'delete') return undefined;
			const next = structuredClone(obj);
			const spec = {...((next.spec ?? {}) as Record<string, unknown>)};
			// The manifest is never stored: it exists only in the create response.
			delete spec.installationManifest;
			next.spec = spec;
			if (op === 'create') {
				if (!managementCluster(store)) {
					throw new ApiError(400, 'BadRequest',
						'ManagementCluster resource not found: this cluster is not a management cluster; create the ManagementCluster "tigera-secure" (operator.tigera.io/v1) first',
						{name: obj.metadata.name, group: 'projectcalico.org', kind: 'managedclusters'});
				}
				// The API server issues the managed cluster's certificate from the tunnel CA at create.
				const ca = ensureTunnelCa(store);
				if (!ca) throw new ApiError(500, 'InternalError', 'the management cluster\'s tunnel CA could not be created');
				const certificate = issueManagedCertificate(ca, obj.metadata.name);
				rememberIssued(store, certificate);
				next.metadata.annotations = {...next.metadata.annotations, [fingerprintAnnotation]: certificate.fingerprint};
			} else if (old?.metadata.annotations?.[fingerprintAnnotation] && !next.metadata.annotations?.[fingerprintAnnotation]) {
				next.metadata.annotations = {...next.metadata.annotations, [fingerprintAnnotation]: old.metadata.annotations[fingerprintAnnotation]};
			}
			return next;
		},
		createResponse(type, stored) {
			if (!isManagedCluster(type)) return stored;
			const mc = managementCluster(store);
			const address = ((mc?.spec ?? {}) as {address?: string}).address ?? '';
			const operatorNamespace = ((stored.spec ?? {}) as {operatorNamespace?: string}).operatorNamespace || 'tigera-operator';
			const response = structuredClone(stored);
			response.spec = {...((response.spec ?? {}) as object), installationManifest: installationManifest({clusterName, managed: stored, address, operatorNamespace, store})};
			return response;
		},
	});
}

export function licenseKey(store: ObjectStore): KubeObject | undefined {
	return getObject(store, 'projectcalico.org/v3', 'LicenseKey', undefined, 'default');
}
