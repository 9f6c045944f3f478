// What the simulated Tigera operator runs and when: one entry per TigeraStatus component, in the order
// the real operator brings them up (calico, then the API server, then the licensed add-ons). Pure:
// `verdict()` decides from a snapshot of the cluster, the state machine lives in operator.ts.
import type {EnterpriseNames} from './names.js';
import type {KubeObject} from './types.js';

/** A snapshot of what the operator reads on one reconcile. */
export type World = {
	installation?: KubeObject;
	/** Custom resources present, by kind (operator.tigera.io/v1). */
	resources: Map<string, KubeObject>;
	/** A ManagementCluster exists: this is a management cluster. */
	management: boolean;
	/** A ManagementClusterConnection exists: this is (meant to be) a managed cluster. */
	managed: boolean;
	managementClusterAddr?: string;
	connectionSecret?: KubeObject;
	/** projectcalico.org/v3 LicenseKey is served (the Calico API server runs). */
	licenseApi: boolean;
	license: boolean;
	elasticsearchStorageClass: boolean;
	prometheusOperator: boolean;
	names: EnterpriseNames;
};

export type Verdict =
	| {state: 'absent'}
	| {state: 'waiting'; reason: string; message: string}
	| {state: 'degraded'; reason: string; message: string}
	/** Everything it needs is there: it becomes Available after its start-up delay. */
	| {state: 'ready'; message: string};

export type Workload = {namespace: string; deployment: string; labels: Record<string, string>; image: string};

export type ComponentSpec = {
	name: string;
	/** The custom resource that asks for it (operator.tigera.io/v1). */
	kind: string;
	/** Start-up time at --speed 1. */
	delayMs: number;
	verdict(world: World, available: (component: string) => boolean): Verdict;
	workloads?(names: EnterpriseNames): Workload[];
	/**
	 * Its controller refuses a cluster with both a ManagementCluster and a ManagementClusterConnection
	 * (Degraded, whatever else it runs): tigera/operator v1.43.0 pkg/controller/apiserver/apiserver_controller.go,
	 * compliance/compliance_controller.go, manager/manager_controller.go,
	 * policyrecommendation/policyrecommendation_controller.go.
	 */
	refusesBothRoles?: boolean;
};

/**
 * The operator's words for a cluster that is both: SetDegraded(ResourceValidationError, "", err) in
 * pkg/controller/status/status.go joins an empty message and the error as "%s: %s", hence the colon.
 */
export const bothRolesMessage = ': having both a ManagementCluster and a ManagementClusterConnection is not supported';

const enterpriseImage = (name: string) => `quay.io/tigera/${name}`;

function workload(namespace: string, deployment: string, labels?: Record<string, string>): Workload {
	return {namespace, deployment, labels: labels ?? {'k8s-app': deployment}, image: enterpriseImage(deployment)};
}

function base(world: World, kind: string): Verdict | undefined {
	if (!world.installation || !world.resources.has(kind)) return {state: 'absent'};
	return undefined;
}

const notReady = (message: string): Verdict => ({state: 'waiting', reason: 'ResourceNotReady', message});

function licensed(world: World, available: (c: string) => boolean, kind: string, extra?: (w: World, a: (c: string) => boolean) => Verdict | undefined): Verdict | undefined {
	const variant = (world.installation?.spec as {variant?: string} | undefined)?.variant ?? 'Calico';
	if (variant !== 'TigeraSecureEnterprise') {
		return {state: 'degraded', reason: 'InvalidConfigurationError', message: `${kind} requires Installation variant TigeraSecureEnterprise (the Installation says ${variant})`};
	}
	if (!available('apiserver')) return notReady('Waiting for Tigera API server to be ready');
	if (!world.licenseApi) return notReady('Waiting for LicenseKeyAPI to be ready');
	if (!world.license) {
		return notReady(world.managed
			? 'License not found: a managed cluster gets its license from the management cluster once connected'
			: 'License not found: create the LicenseKey "default" (projectcalico.org/v3)');
	}
	return extra?.(world, available);
}

function needsLogStorage(world: World, available: (c: string) => boolean): Verdict | undefined {
	// A managed cluster sends its logs to the management cluster's log storage through the tunnel.
	if (world.managed) return undefined;
	if (!world.resources.has('LogStorage')) return notReady('Waiting for LogStorage "tigera-secure" to be created');
	if (!available('log-storage')) return notReady('Waiting for LogStorage to be ready');
	return undefined;
}

function notOnManaged(world: World, kind: string): Verdict | undefined {
	if (!world.managed || world.management) return undefined;
	return {state: 'degraded', reason: 'InvalidConfigurationError',
		message: `${kind} is not supported on a managed cluster (this cluster has a ManagementClusterConnection): delete ${kind} "tigera-secure"`};
}

function addOn(name: string, kind: string, delayMs: number, options: {
	logStorage?: boolean;
	notOnManaged?: boolean;
	/** Its controller returns early on a managed cluster and publishes nothing. */
	absentOnManaged?: boolean;
	refusesBothRoles?: boolean;
	extra?: (w: World, a: (c: string) => boolean) => Verdict | undefined;
	workloads?: (names: EnterpriseNames) => Workload[];
	starting: (names: EnterpriseNames) => string;
}): ComponentSpec {
	return {
		name,
		kind,
		delayMs,
		verdict(world, available) {
			return base(world, kind)
				?? (options.absentOnManaged && world.managed ? {state: 'absent'} : undefined)
				?? (options.notOnManaged ? notOnManaged(world, kind) : undefined)
				?? licensed(world, available, kind, (w, a) => options.extra?.(w, a) ?? (options.logStorage ? needsLogStorage(w, a) : undefined))
				?? {state: 'ready', message: options.starting(world.names)};
		},
		workloads: options.workloads,
		refusesBothRoles: options.refusesBothRoles,
	};
}

const logStorageNamespace = 'tigera-elasticsearch';

/**
 * log-storage-elastic (tigera/operator v1.43.0 pkg/controller/logstorage/elastic/elastic_controller.go):
 * waits for the initializer's defaulting and the tiers, then refuses a managed cluster
 * (ResourceNotReady) and a missing storage class (ResourceNotFound).
 */
function elasticVerdict(world: World, available: (c: string) => boolean): Verdict | undefined {
	if (!available('log-storage')) return notReady('Waiting for LogStorage defaulting to occur');
	if (!available('tiers')) return notReady('Waiting for calico-system tier to be created, see the \'tiers\' TigeraStatus for more information');
	if (world.managed) return {state: 'degraded', reason: 'ResourceNotReady', message: 'LogStorage is not supported on a managed cluster'};
	if (!world.elasticsearchStorageClass) {
		return {state: 'degraded', reason: 'ResourceNotFound', message: 'Failed to get storage class: couldn\'t find storage class tigera-elasticsearch, this must be provided'};
	}
	return undefined;
}

const afterElastic = (w: World, a: (c: string) => boolean) => (a('log-storage-elastic') ? undefined : notReady('Waiting for Elasticsearch to be ready'));

/**
 * The LogStorage sub-controllers, one TigeraStatus each (pkg/controller/logstorage/initializer/initializing_controller.go
 * names them; conditions_controller.go expects these on a single-tenant cluster; log-storage-users runs
 * only multi-tenant, users/users_controller.go). On a managed cluster only the initializer and elastic publish.
 */
const logStorageComponents: ComponentSpec[] = [
	addOn('log-storage', 'LogStorage', 400, {starting: () => 'Initializing LogStorage "tigera-secure"'}),
	addOn('log-storage-secrets', 'LogStorage', 300, {absentOnManaged: true,
		extra: (w, a) => (a('log-storage') ? undefined : notReady('Waiting for LogStorage defaulting to occur')),
		starting: () => `Secret "${logStorageNamespace}/tigera-secure-es-http-certs-public" is not ready`}),
	addOn('log-storage-elastic', 'LogStorage', 1500, {extra: elasticVerdict, starting: () => `Elasticsearch "${logStorageNamespace}/tigera-secure" is not ready`}),
	addOn('log-storage-access', 'LogStorage', 400, {absentOnManaged: true, extra: afterElastic,
		starting: () => `Deployment "${logStorageNamespace}/tigera-linseed" is not available`,
		workloads: () => [workload(logStorageNamespace, 'tigera-linseed')]}),
	addOn('log-storage-esmetrics', 'LogStorage', 300, {absentOnManaged: true, extra: afterElastic,
		starting: () => `Deployment "${logStorageNamespace}/tigera-elasticsearch-metrics" is not available`}),
	addOn('log-storage-kubecontrollers', 'LogStorage', 300, {absentOnManaged: true, extra: afterElastic,
		starting: () => 'Deployment "calico-system/es-calico-kube-controllers" is not available'}),
	addOn('log-storage-dashboards', 'LogStorage', 300, {absentOnManaged: true, extra: afterElastic,
		starting: () => `Job "${logStorageNamespace}/dashboards-installer" is not complete`}),
];

function validAddress(addr: string | undefined): boolean {
	if (!addr) return false;
	const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr);
	if (!match) return false;
	const port = Number(match[2]);
	return port >= 1 && port <= 65535;
}

export const connectionSecretKeys = ['management-cluster.crt', 'managed-cluster.crt', 'managed-cluster.key'];

export const components: ComponentSpec[] = [
	{
		name: 'calico',
		kind: 'Installation',
		delayMs: 1500,
		verdict(world) {
			if (!world.installation) return {state: 'absent'};
			return {state: 'ready', message: 'DaemonSet "calico-system/calico-node" is not available (awaiting 3 nodes)'};
		},
		workloads: () => [workload('calico-system', 'calico-kube-controllers')],
	},
	{
		name: 'apiserver',
		kind: 'APIServer',
		delayMs: 1200,
		verdict(world, available) {
			const absent = base(world, 'APIServer');
			if (absent) return absent;
			if (!available('calico')) return notReady('Waiting for Installation to be ready');
			return {state: 'ready', message: `Deployment "${world.names.apiServerNamespace}/${world.names.apiServerDeployment}" is not available`};
		},
		workloads: (names) => [workload(names.apiServerNamespace, names.apiServerDeployment)],
		refusesBothRoles: true,
	},
	{
		name: 'tiers',
		kind: 'APIServer',
		delayMs: 300,
		verdict(world, available) {
			const absent = base(world, 'APIServer');
			if (absent) return absent;
			if (!available('apiserver')) return notReady('Waiting for Tigera API server to be ready');
			return {state: 'ready', message: 'Creating tier allow-tigera'};
		},
	},
	{
		name: 'management-cluster-connection',
		kind: 'ManagementClusterConnection',
		delayMs: 800,
		verdict(world, available) {
			const absent = base(world, 'ManagementClusterConnection');
			if (absent) return absent;
			// pkg/controller/clusterconnection/clusterconnection_controller.go (v1.43.0).
			if (world.management) return {state: 'degraded', reason: 'ResourceValidationError', message: bothRolesMessage};
			if (!validAddress(world.managementClusterAddr)) {
				return {state: 'degraded', reason: 'ResourceValidationError',
					message: `ManagementClusterConnection spec.managementClusterAddr "${world.managementClusterAddr ?? ''}" is not a valid host:port`};
			}
			const secret = world.connectionSecret;
			if (!secret) {
				return {state: 'degraded', reason: 'ResourceNotFound',
					message: 'Secret "tigera-operator/tigera-managed-cluster-connection" not found: apply the installation manifest from the management cluster'};
			}
			const data = (secret.data ?? {}) as Record<string, string>;
			const missing = connectionSecretKeys.filter((k) => !data[k]);
			if (missing.length > 0) {
				return {state: 'degraded', reason: 'ResourceValidationError',
					message: `Secret "tigera-operator/tigera-managed-cluster-connection" has no ${missing.join(', ')}`};
			}
			if (!available('calico')) return notReady('Waiting for Installation to be ready');
			return {state: 'ready', message: `Deployment "${world.names.guardianNamespace}/${world.names.guardianDeployment}" is not available`};
		},
		workloads: (names) => [workload(names.guardianNamespace, names.guardianDeployment)],
	},
	addOn('manager', 'Manager', 900, {
		notOnManaged: true,
		refusesBothRoles: true,
		starting: (names) => `Deployment "${names.managerNamespace}/${names.managerDeployment}" is not available`,
		workloads: (names) => [workload(names.managerNamespace, names.managerDeployment, names.managerSelector)],
	}),
	...logStorageComponents,
	addOn('monitor', 'Monitor', 700, {
		extra: (world) => world.prometheusOperator ? undefined
			: notReady('Waiting for the Prometheus operator: prometheuses.monitoring.coreos.com is not served'),
		starting: () => 'Prometheus "tigera-prometheus/calico-node-prometheus" is not ready',
	}),
	addOn('log-collector', 'LogCollector', 600, {logStorage: true, starting: () => 'DaemonSet "calico-system/fluentd-node" is not available'}),
	addOn('intrusion-detection', 'IntrusionDetection', 800, {logStorage: true, starting: () => 'Deployment "tigera-intrusion-detection/intrusion-detection-controller" is not available'}),
	addOn('compliance', 'Compliance', 1000, {logStorage: true, refusesBothRoles: true, starting: () => 'Deployment "tigera-compliance/compliance-controller" is not available'}),
	addOn('policy-recommendation', 'PolicyRecommendation', 500, {logStorage: true, refusesBothRoles: true, starting: () => 'Deployment "tigera-policy-recommendation/tigera-policy-recommendation" is not available'}),
	addOn('packet-capture-api', 'PacketCaptureAPI', 400, {starting: () => 'Deployment "tigera-packetcapture/tigera-packetcapture" is not available'}),
];

export const componentNames = components.map((c) => c.name);

/** The custom-resource kinds the operator watches. */
export const watchedKinds = [...new Set(components.map((c) => c.kind).filter((k) => k !== 'Installation'))];
