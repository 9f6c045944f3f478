// The simulated Tigera operator of one cluster. It sleeps until the tigera-operator Deployment exists,
// then reconciles like the real one: the custom resources present decide the components, each
// component's TigeraStatus goes Progressing → Available after a delay × speed, in dependency order;
// license-gated ones wait for a LicenseKey; misconfigurations are Degraded with the operator's reasons.
import {bothRolesMessage, componentNames, components, type ComponentSpec, type Verdict, type World, watchedKinds} from './operator-components.js';
import {createTimers, scaled, type SimClock} from './operator-clock.js';
import {connectionSecretName, licenseKey, managedClusterAdmission, registerCalicoApi, unregisterCalicoApi} from './operator-calico-api.js';
import {deleteIfPresent, ensureNamespace, ensureObject, getObject, listObjects, now, typeOf, writeStatus} from './operator-store.js';
import {podName} from './operator-workloads.js';
import {enterpriseNames, parseEnterpriseVersion, type EnterpriseNames, type EnterpriseVersion} from './naming.js';
import type {KubeObject, ObjectStore, StoreEvent} from './types.js';

export type ComponentState = 'absent' | 'waiting' | 'progressing' | 'available' | 'degraded';

export type OperatorOptions = {
	store: ObjectStore;
	clusterName: string;
	clock: SimClock;
	/** Calico Enterprise version, e.g. `3.24` or `v3.22.1`: Installation status and the names. */
	version: string;
};

export interface Operator {
	readonly clusterName: string;
	readonly version: EnterpriseVersion;
	readonly names: EnterpriseNames;
	/** The operator's pod (its log is at pods/<podName>/log in tigera-operator). */
	readonly podName: string;
	/** The real state of a component, whatever a simulated fault shows. */
	componentState(component: string): ComponentState;
	/** `degrade`: force the component's TigeraStatus Degraded (reason SimulatedFault). Throws on an unknown component. */
	degrade(component: string, message?: string): void;
	recover(component: string): void;
	/** Reconciles now with every delay at 0, until nothing changes (fleet start-up). */
	settle(): void;
	/** Called after every reconcile that changed a component. */
	onChange(listener: () => void): () => void;
	log(level: 'INFO' | 'ERROR', logger: string, message: string): void;
	stop(): void;
}

export const operatorNamespace = 'tigera-operator';
const operatorApi = 'operator.tigera.io/v1';

/** `announced`: availability already logged and acted on (a timer may set `available` between passes). */
type Internal = {available: boolean; announced: boolean; cancel?: () => void; verdictKey?: string};

export function unknownComponentError(component: string): Error {
	return new Error(`unknown component "${component}" (known: ${componentNames.join(', ')})`);
}

export function startOperator(options: OperatorOptions): Operator {
	const {store, clusterName, clock} = options;
	const version = parseEnterpriseVersion(options.version);
	const names = enterpriseNames(version);
	const pod = podName(clusterName, operatorNamespace, 'tigera-operator', 0);
	const timers = createTimers();
	const state = new Map<string, Internal>(components.map((c) => [c.name, {available: false, announced: false}]));
	const faults = new Map<string, string>();
	/** The last TigeraStatus written per component (forgotten when someone else changes or deletes it). */
	const written = new Map<string, string>();
	const listeners = new Set<() => void>();
	let running = false;
	let scheduled = false;
	let stopped = false;
	let reconciling = false;

	const log = (level: 'INFO' | 'ERROR', logger: string, message: string) => {
		if (!running) return;
		store.logs.append(operatorNamespace, pod, `${new Date().toISOString()}\t${level}\t${logger}\t${message}`);
	};

	const removeAdmission = store.addAdmission(managedClusterAdmission(clusterName)(store));

	function readWorld(): World {
		const resources = new Map<string, KubeObject>();
		for (const kind of watchedKinds) {
			const found = listObjects(store, operatorApi, kind)[0];
			if (found) resources.set(kind, found);
		}
		const mcc = resources.get('ManagementClusterConnection');
		return {
			installation: getObject(store, operatorApi, 'Installation', undefined, 'default'),
			resources,
			management: listObjects(store, operatorApi, 'ManagementCluster').length > 0,
			managed: mcc !== undefined,
			managementClusterAddr: (mcc?.spec as {managementClusterAddr?: string} | undefined)?.managementClusterAddr,
			connectionSecret: getObject(store, 'v1', 'Secret', operatorNamespace, connectionSecretName),
			licenseApi: typeOf(store, 'projectcalico.org/v3', 'LicenseKey') !== undefined,
			license: licenseKey(store) !== undefined,
			elasticsearchStorageClass: getObject(store, 'storage.k8s.io/v1', 'StorageClass', undefined, 'tigera-elasticsearch') !== undefined,
			prometheusOperator: store.lookup('monitoring.coreos.com', 'v1', 'prometheuses') !== undefined,
			names,
		};
	}

	// Known from events after the first look: reconcile asks on every pass.
	let deployed: boolean | undefined;
	function operatorDeployed(): boolean {
		deployed ??= getObject(store, 'apps/v1', 'Deployment', operatorNamespace, 'tigera-operator') !== undefined;
		return deployed;
	}

	function conditions(existing: KubeObject | undefined, wanted: {available: boolean; progressing: boolean; degraded: boolean; reason: string; message: string}) {
		const old = ((existing?.status as {conditions?: Array<{type: string; status: string; lastTransitionTime?: string}>} | undefined)?.conditions) ?? [];
		const at = now();
		const cond = (type: string, on: boolean, reason: string, message: string) => {
			const status = on ? 'True' : 'False';
			const before = old.find((c) => c.type === type);
			return {type, status, reason, message, lastTransitionTime: before?.status === status ? before.lastTransitionTime : at, observedGeneration: 1};
		};
		const ok = {reason: 'AllObjectsAvailable', message: 'All objects available'};
		return [
			cond('Available', wanted.available, wanted.available ? ok.reason : wanted.reason, wanted.available ? ok.message : wanted.message),
			cond('Progressing', wanted.progressing, wanted.progressing ? wanted.reason : ok.reason, wanted.progressing ? wanted.message : 'All Objects Available'),
			cond('Degraded', wanted.degraded, wanted.degraded ? wanted.reason : ok.reason, wanted.degraded ? wanted.message : ''),
		];
	}

	function writeTigeraStatus(component: string, wanted: {available: boolean; progressing: boolean; degraded: boolean; reason: string; message: string}): void {
		const type = typeOf(store, operatorApi, 'TigeraStatus');
		if (!type) return;
		// Most passes change nothing: skip the read when this is what was last written.
		const key = JSON.stringify(wanted);
		if (written.get(component) === key) return;
		const current = store.get(type, undefined, component);
		const status = {conditions: conditions(current, wanted)};
		const stored = current
			? writeStatus(store, type, current, status)
			: store.create(type, {apiVersion: operatorApi, kind: 'TigeraStatus', metadata: {name: component}, spec: {}, status});
		written.set(component, key);
		if (component === 'management-cluster-connection') mirrorToConnection(stored);
	}

	// The ManagementClusterConnection's status copies the TigeraStatus (Available renamed Ready).
	function mirrorToConnection(tigeraStatus: KubeObject): void {
		const type = typeOf(store, operatorApi, 'ManagementClusterConnection');
		const mcc = type ? store.list(type)[0] : undefined;
		if (!type || !mcc) return;
		const conds = ((tigeraStatus.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
			.map((c) => ({...c, type: c.type === 'Available' ? 'Ready' : c.type}));
		writeStatus(store, type, mcc, {conditions: conds});
	}

	function ensureWorkloads(spec: ComponentSpec): void {
		for (const w of spec.workloads?.(names) ?? []) {
			ensureNamespace(store, w.namespace);
			ensureObject(store, {
				apiVersion: 'apps/v1', kind: 'Deployment',
				metadata: {name: w.deployment, namespace: w.namespace, labels: w.labels},
				spec: {replicas: 1, selector: {matchLabels: w.labels}, template: {metadata: {labels: w.labels}, spec: {containers: [{name: w.deployment, image: `${w.image}:${version.text}`}]}}},
			});
		}
		if (spec.name === 'manager') {
			ensureObject(store, {
				apiVersion: 'v1', kind: 'Service',
				metadata: {name: names.managerService, namespace: names.managerNamespace, labels: names.managerSelector},
				spec: {type: 'ClusterIP', selector: names.managerSelector, ports: [{name: 'https', port: 9443, protocol: 'TCP', targetPort: 9443}]},
			});
		}
		if (spec.name === 'apiserver') ensureUserRoles();
	}

	function removeWorkloads(spec: ComponentSpec): void {
		const deployments = typeOf(store, 'apps/v1', 'Deployment');
		for (const w of spec.workloads?.(names) ?? []) deleteIfPresent(store, deployments, w.namespace, w.deployment);
		if (spec.name === 'manager') deleteIfPresent(store, typeOf(store, 'v1', 'Service'), names.managerNamespace, names.managerService);
	}

	// The operator renders these two ClusterRoles with the API server; the how-to binds users to them.
	function ensureUserRoles(): void {
		const rbac = 'rbac.authorization.k8s.io/v1';
		const calicoGroups = ['projectcalico.org', 'operator.tigera.io', 'crd.projectcalico.org'];
		ensureObject(store, {
			apiVersion: rbac, kind: 'ClusterRole', metadata: {name: 'tigera-network-admin'},
			rules: [
				{apiGroups: calicoGroups, resources: ['*'], verbs: ['*']},
				{apiGroups: ['', 'apps'], resources: ['namespaces', 'pods', 'services', 'deployments', 'nodes'], verbs: ['get', 'list', 'watch']},
			],
		});
		ensureObject(store, {
			apiVersion: rbac, kind: 'ClusterRole', metadata: {name: 'tigera-ui-user'},
			rules: [
				{apiGroups: calicoGroups, resources: ['*'], verbs: ['get', 'list', 'watch']},
				{apiGroups: ['', 'apps'], resources: ['namespaces', 'pods', 'services', 'deployments', 'nodes'], verbs: ['get', 'list', 'watch']},
			],
		});
	}

	function writeInstallationStatus(world: World): void {
		const type = typeOf(store, operatorApi, 'Installation');
		const installation = world.installation;
		if (!type || !installation) return;
		const variant = (installation.spec as {variant?: string} | undefined)?.variant ?? 'Calico';
		const ready = state.get('calico')?.available ?? false;
		const old = installation.status as {conditions?: Array<{type: string; status: string; lastTransitionTime?: string}>} | undefined;
		const readyBefore = old?.conditions?.find((c) => c.type === 'Ready');
		const readyStatus = ready ? 'True' : 'False';
		writeStatus(store, type, installation, {
			variant,
			...(ready ? {calicoVersion: version.text, mtu: 1450, imageSet: ''} : {}),
			conditions: [{
				type: 'Ready', status: readyStatus, reason: ready ? 'AllObjectsAvailable' : 'ResourceNotReady',
				message: ready ? 'All objects available' : 'Waiting for calico to be available',
				lastTransitionTime: readyBefore?.status === readyStatus ? readyBefore.lastTransitionTime : now(),
			}],
		});
	}

	/**
	 * One pass in dependency order; returns whether any component changed state. TigeraStatus is
	 * written once per reconcile, after the last pass (`verdicts`), not for every intermediate state.
	 */
	function pass(world: World, verdicts: Map<string, Verdict>): boolean {
		let changed = false;
		for (const spec of components) {
			const internal = state.get(spec.name) as Internal;
			const verdict: Verdict = spec.verdict(world, (c) => state.get(c)?.available ?? false);
			const key = verdict.state === 'ready' ? 'ready' : `${verdict.state}:${'reason' in verdict ? verdict.reason : ''}:${'message' in verdict ? verdict.message : ''}`;
			if (verdict.state !== 'ready') {
				internal.cancel?.();
				internal.cancel = undefined;
				internal.available = false;
			}
			if (verdict.state === 'absent') {
				if (internal.verdictKey !== undefined && internal.verdictKey !== key) {
					log('INFO', `controller_${spec.name}`, `${spec.kind} not found: removing ${spec.name}`);
					removeWorkloads(spec);
					if (spec.name === 'apiserver' && unregisterCalicoApi(store)) log('INFO', 'controller_apiserver', 'projectcalico.org/v3 is no longer served');
				}
				if (internal.verdictKey !== 'absent::' || written.has(spec.name)) {
					deleteIfPresent(store, typeOf(store, operatorApi, 'TigeraStatus'), undefined, spec.name);
					written.delete(spec.name);
				}
			} else if (verdict.state === 'ready') {
				if (internal.verdictKey !== key) {
					log('INFO', `controller_${spec.name}`, `Reconciling ${spec.kind}: rendering ${spec.name}`);
					ensureWorkloads(spec);
				}
				if (!internal.available && (!internal.cancel || clock.instant)) {
					internal.cancel?.();
					internal.cancel = undefined;
					let fired = false;
					const cancel = timers.after(scaled(clock, spec.delayMs), () => {
						fired = true;
						internal.cancel = undefined;
						internal.available = true;
						if (!reconciling) scheduleReconcile();
					});
					if (!fired) internal.cancel = cancel;
				}
			} else if (internal.verdictKey !== key) {
				log(verdict.state === 'degraded' ? 'ERROR' : 'INFO', `controller_${spec.name}`,
					`${verdict.state === 'degraded' ? 'Degraded' : 'Waiting'}: ${verdict.reason}: ${verdict.message}`);
			}
			if (internal.available !== internal.announced) {
				changed = true;
				internal.announced = internal.available;
				if (internal.available) {
					log('INFO', 'status_manager', `${spec.name} is Available`);
					if (spec.name === 'apiserver' && registerCalicoApi(store)) log('INFO', 'controller_apiserver', 'projectcalico.org/v3 is served');
				}
			}
			if (internal.verdictKey !== key) changed = true;
			internal.verdictKey = key;
			verdicts.set(spec.name, verdict);
		}
		return changed;
	}

	function writeComponentStatus(spec: ComponentSpec, world: World, verdict: Verdict, available: boolean): void {
		const component = spec.name;
		const fault = faults.get(component);
		if (fault !== undefined) {
			writeTigeraStatus(component, {available: false, progressing: false, degraded: true, reason: 'SimulatedFault', message: fault});
		} else if (spec.refusesBothRoles && world.management && world.managed) {
			// The controller returns before anything else: what it runs keeps running, its status is Degraded.
			writeTigeraStatus(component, {available: false, progressing: false, degraded: true, reason: 'ResourceValidationError', message: bothRolesMessage});
		} else if (verdict.state === 'degraded') {
			writeTigeraStatus(component, {available: false, progressing: false, degraded: true, reason: verdict.reason, message: verdict.message});
		} else if (available) {
			writeTigeraStatus(component, {available: true, progressing: false, degraded: false, reason: 'AllObjectsAvailable', message: 'All objects available'});
		} else if (verdict.state === 'waiting' || verdict.state === 'ready') {
			writeTigeraStatus(component, {available: false, progressing: true, degraded: false, reason: 'ResourceNotReady', message: verdict.message});
		}
	}

	function reconcile(): void {
		if (stopped) return;
		if (!operatorDeployed()) {
			if (running) running = false;
			return;
		}
		if (!running) {
			running = true;
			log('INFO', 'setup', `Starting the Tigera operator (Calico Enterprise ${version.text}) on ${clusterName}`);
		}
		reconciling = true;
		dirty = false;
		let changed = false;
		try {
			const verdicts = new Map<string, Verdict>();
			let world = readWorld();
			for (let i = 0; i < 20; i++) {
				if (!pass(world, verdicts)) break;
				changed = true;
				world = readWorld();
			}
			for (const spec of components) {
				const verdict = verdicts.get(spec.name);
				if (verdict && verdict.state !== 'absent') writeComponentStatus(spec, world, verdict, state.get(spec.name)?.available ?? false);
			}
			writeInstallationStatus(world);
		} finally {
			reconciling = false;
		}
		if (changed) for (const listener of [...listeners]) listener();
	}

	/** Something changed since the last reconcile (a settle() may have done the work before the microtask runs). */
	let dirty = true;
	function scheduleReconcile(): void {
		dirty = true;
		if (scheduled || stopped) return;
		scheduled = true;
		queueMicrotask(() => {
			scheduled = false;
			if (dirty) reconcile();
		});
	}

	const relevant = (event: StoreEvent) => {
		const t = event.resourceType;
		if (t.group === 'operator.tigera.io') return t.kind !== 'TigeraStatus' || event.type === 'DELETED';
		if (t.group === '') return t.resource === 'secrets' || t.resource === 'namespaces';
		if (t.group === 'apps') {
			if (event.object.metadata.name !== 'tigera-operator' || event.object.metadata.namespace !== operatorNamespace) return false;
			deployed = event.type !== 'DELETED';
			return true;
		}
		return t.group === 'projectcalico.org' || t.group === 'storage.k8s.io' || t.group === 'apiextensions.k8s.io';
	};
	const unsubscribe = store.subscribe((event) => {
		if (event.resourceType.kind === 'TigeraStatus' && event.resourceType.group === 'operator.tigera.io' && !reconciling) {
			written.delete(event.object.metadata.name);
		}
		// Our own writes during a reconcile need no second one: it runs to a fixed point.
		if (relevant(event) && !reconciling) scheduleReconcile();
	});
	scheduleReconcile();

	const checkComponent = (component: string) => {
		if (!componentNames.includes(component)) throw unknownComponentError(component);
	};

	return {
		clusterName,
		version,
		names,
		podName: pod,
		componentState(component) {
			const internal = state.get(component);
			if (!internal || internal.verdictKey === undefined || internal.verdictKey.startsWith('absent')) return 'absent';
			if (internal.available) return 'available';
			if (internal.verdictKey.startsWith('degraded')) return 'degraded';
			if (internal.verdictKey.startsWith('waiting')) return 'waiting';
			return 'progressing';
		},
		degrade(component, message) {
			checkComponent(component);
			faults.set(component, message || `Simulated fault on ${component}`);
			log('ERROR', `controller_${component}`, `Degraded: SimulatedFault: ${faults.get(component)}`);
			reconcileOrSchedule();
		},
		recover(component) {
			checkComponent(component);
			if (faults.delete(component)) log('INFO', `controller_${component}`, 'Recovered from SimulatedFault');
			reconcileOrSchedule();
		},
		settle() {
			const instant = clock.instant;
			clock.instant = true;
			try {
				reconcile();
			} finally {
				clock.instant = instant;
			}
		},
		onChange(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		log,
		stop() {
			stopped = true;
			unsubscribe();
			removeAdmission();
			timers.clear();
		},
	};

	function reconcileOrSchedule(): void {
		// A fault shows at once: the control's acknowledgement means the status is already written.
		const world = readWorld();
		if (!running) return;
		for (const spec of components) {
			const internal = state.get(spec.name) as Internal;
			if (internal.verdictKey === undefined || internal.verdictKey.startsWith('absent')) continue;
			writeComponentStatus(spec, world, spec.verdict(world, (c) => state.get(c)?.available ?? false), internal.available);
		}
	}
}
