// What kube-apiserver asks of an object's identity before anything else: a name of the right shape
// for its kind (DNS-1123 subdomain, label, or a path segment for RBAC), and no namespace on a kind that
// is cluster-scoped. Checked while a manifest set is loaded, so a broken set never reaches a cluster.

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Null when `name` fits: not empty, at most `max` characters, matching `pattern` (`rule` says how). */
function dnsNameError(name: string, max: number, pattern: RegExp, rule: string): string | null {
	if (name.length === 0) return 'must not be empty';
	if (name.length > max) return `must be no more than ${max} characters (it has ${name.length})`;
	return pattern.test(name) ? null : rule;
}

/** Null when `name` is a valid DNS-1123 subdomain (what most object names must be), else why not. */
export function dns1123SubdomainError(name: string): string | null {
	return dnsNameError(name, 253, dns1123Subdomain, "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')");
}

/** Null when `name` is a valid DNS-1123 label (namespaces, services), else why not. */
export function dns1123LabelError(name: string): string | null {
	return dnsNameError(name, 63, dns1123Label, "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')");
}

// RBAC objects are validated as path segments only (so `system:aggregate-to-admin` is fine).
const pathSegmentKinds = new Set(['rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding']);
const labelKinds = new Set(['/Namespace', '/Service']);

export function groupOf(apiVersion: string): string {
	const slash = apiVersion.indexOf('/');
	return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function nameError(apiVersion: string, kind: string, name: string): string | null {
	const key = `${groupOf(apiVersion)}/${kind}`;
	if (pathSegmentKinds.has(key)) {
		if (name === '') return 'must not be empty';
		if (name === '.' || name === '..') return `may not be "${name}"`;
		if (/[/%]/.test(name)) return "may not contain '/' or '%'";
		return null;
	}
	if (labelKinds.has(key)) return dns1123LabelError(name);
	return dns1123SubdomainError(name);
}

// Kinds that are cluster-scoped on every cluster (`group/Kind`): a namespace on them is a mistake
// kubectl would only report half-way through an apply. Kinds defined by CRDs in the same set are
// judged by their CRD's scope; unknown kinds are left to the server.
export const clusterScopedKinds: ReadonlySet<string> = new Set([
	...['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'].map(k => `/${k}`),
	'rbac.authorization.k8s.io/ClusterRole',
	'rbac.authorization.k8s.io/ClusterRoleBinding',
	'apiextensions.k8s.io/CustomResourceDefinition',
	'apiregistration.k8s.io/APIService',
	'storage.k8s.io/StorageClass',
	'storage.k8s.io/CSIDriver',
	'storage.k8s.io/CSINode',
	'storage.k8s.io/VolumeAttachment',
	'admissionregistration.k8s.io/MutatingWebhookConfiguration',
	'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
	'scheduling.k8s.io/PriorityClass',
	'networking.k8s.io/IngressClass',
	'node.k8s.io/RuntimeClass',
	'certificates.k8s.io/CertificateSigningRequest',
	...[
		'Installation', 'APIServer', 'TigeraStatus', 'ManagementCluster', 'ManagementClusterConnection', 'Manager',
		'LogStorage', 'LogCollector', 'Monitor', 'Compliance', 'IntrusionDetection', 'PolicyRecommendation',
		'PacketCaptureAPI', 'Goldmane', 'Whisker', 'ImageSet', 'ApplicationLayer', 'Authentication',
		'AmazonCloudIntegration', 'PolicyRecommendationScope',
	].map(k => `operator.tigera.io/${k}`),
	...[
		'ManagedCluster', 'LicenseKey', 'Tier', 'GlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'GlobalNetworkSet',
		'GlobalThreatFeed', 'GlobalAlert', 'GlobalAlertTemplate', 'GlobalReport', 'GlobalReportType', 'HostEndpoint',
		'IPPool', 'IPReservation', 'BGPConfiguration', 'BGPPeer', 'BGPFilter', 'FelixConfiguration',
		'KubeControllersConfiguration', 'ClusterInformation', 'RemoteClusterConfiguration', 'UISettingsGroup',
		'BlockAffinity', 'IPAMBlock', 'IPAMHandle', 'IPAMConfig', 'CalicoNodeStatus', 'BFDConfiguration',
		'ExternalNetwork', 'EgressGatewayPolicy', 'SecurityEventWebhook', 'PolicyRecommendationScope',
	].flatMap(k => [`projectcalico.org/${k}`, `crd.projectcalico.org/${k}`]),
]);
