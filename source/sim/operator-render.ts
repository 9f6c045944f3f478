// What the simulated operator renders for a component once it may run: its Deployments, the
// manager's Service and the API server's user ClusterRoles; and removes them when its resource goes.
import type {ComponentSpec} from './operator-components.js';
import {deleteIfPresent, ensureNamespace, ensureObject, typeOf} from './operator-store.js';
import type {EnterpriseNames, EnterpriseVersion} from './names.js';
import type {ObjectStore} from './types.js';

const rbac = 'rbac.authorization.k8s.io/v1';
const calicoGroups = ['projectcalico.org', 'operator.tigera.io', 'crd.projectcalico.org'];
const readCore = {apiGroups: ['', 'apps'], resources: ['namespaces', 'pods', 'services', 'deployments', 'nodes'], verbs: ['get', 'list', 'watch']};

export class ComponentRenderer {
	constructor(private readonly store: ObjectStore, private readonly names: EnterpriseNames, private readonly version: EnterpriseVersion) {}

	render(spec: ComponentSpec): void {
		for (const w of spec.workloads?.(this.names) ?? []) {
			ensureNamespace(this.store, w.namespace);
			ensureObject(this.store, {
				apiVersion: 'apps/v1', kind: 'Deployment',
				metadata: {name: w.deployment, namespace: w.namespace, labels: w.labels},
				spec: {replicas: 1, selector: {matchLabels: w.labels}, template: {metadata: {labels: w.labels}, spec: {containers: [{name: w.deployment, image: `${w.image}:${this.version.text}`}]}}},
			});
		}
		if (spec.name === 'manager') {
			ensureObject(this.store, {
				apiVersion: 'v1', kind: 'Service',
				metadata: {name: this.names.managerService, namespace: this.names.managerNamespace, labels: this.names.managerSelector},
				spec: {type: 'ClusterIP', selector: this.names.managerSelector, ports: [{name: 'https', port: 9443, protocol: 'TCP', targetPort: 9443}]},
			});
		}
		if (spec.name === 'apiserver') this.userRoles();
	}

	remove(spec: ComponentSpec): void {
		const deployments = typeOf(this.store, 'apps/v1', 'Deployment');
		for (const w of spec.workloads?.(this.names) ?? []) deleteIfPresent(this.store, deployments, w.namespace, w.deployment);
		if (spec.name === 'manager') deleteIfPresent(this.store, typeOf(this.store, 'v1', 'Service'), this.names.managerNamespace, this.names.managerService);
	}

	/** The operator renders these two ClusterRoles with the API server; the how-to binds users to them. */
	private userRoles(): void {
		ensureObject(this.store, {
			apiVersion: rbac, kind: 'ClusterRole', metadata: {name: 'tigera-network-admin'},
			rules: [{apiGroups: calicoGroups, resources: ['*'], verbs: ['*']}, readCore],
		});
		ensureObject(this.store, {
			apiVersion: rbac, kind: 'ClusterRole', metadata: {name: 'tigera-ui-user'},
			rules: [{apiGroups: calicoGroups, resources: ['*'], verbs: ['get', 'list', 'watch']}, readCore],
		});
	}
}
