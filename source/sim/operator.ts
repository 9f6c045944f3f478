// The simulated Tigera operator of one cluster. It sleeps until the tigera-operator Deployment exists,
// then reconciles like the real one: the custom resources present decide the components, each
// component's TigeraStatus goes Progressing → Available after a delay × speed, in dependency order;
// license-gated ones wait for a LicenseKey; misconfigurations are Degraded with the operator's reasons.
// What it reads is World (operator-components.ts), what it writes StatusPublisher and ComponentRenderer.
import {bothRolesMessage, componentNames, components, type ComponentSpec, type Verdict, type World, watchedKinds} from './operator-components.js';
import {createTimers, scaled, type SimClock} from './operator-clock.js';
import {connectionSecretName, licenseKey, managedClusterAdmission, registerCalicoApi, unregisterCalicoApi} from './operator-calico-api.js';
import {ComponentRenderer} from './operator-render.js';
import {operatorApi, StatusPublisher} from './operator-status.js';
import {deleteIfPresent, getObject, listObjects, typeOf} from './operator-store.js';
import {podName} from './operator-workloads.js';
import {enterpriseNames, parseEnterpriseVersion, type EnterpriseNames, type EnterpriseVersion} from './names.js';
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

/** `announced`: availability already logged and acted on (a timer may set `available` between passes). */
type Internal = {available: boolean; announced: boolean; cancel?: () => void; verdictKey?: string};

export function unknownComponentError(component: string): Error {
	return new Error(`unknown component "${component}" (known: ${componentNames.join(', ')})`);
}

const verdictKeyOf = (v: Verdict) => (v.state === 'ready' ? 'ready' : `${v.state}:${'reason' in v ? v.reason : ''}:${'message' in v ? v.message : ''}`);

class SimOperator implements Operator {
	readonly clusterName: string;
	readonly version: EnterpriseVersion;
	readonly names: EnterpriseNames;
	readonly podName: string;
	private readonly store: ObjectStore;
	private readonly clock: SimClock;
	private readonly timers = createTimers();
	private readonly state = new Map<string, Internal>(components.map((c) => [c.name, {available: false, announced: false}]));
	private readonly faults = new Map<string, string>();
	private readonly listeners = new Set<() => void>();
	private readonly publish: StatusPublisher;
	private readonly renderer: ComponentRenderer;
	private running = false;
	private scheduled = false;
	private stopped = false;
	private reconciling = false;
	/** Something changed since the last reconcile (a settle() may have done the work before the microtask runs). */
	private dirty = true;
	/** Known from events after the first look. */
	private deployed: boolean | undefined;
	private readonly unsubscribe: () => void;
	private readonly removeAdmission: () => void;

	constructor(options: OperatorOptions) {
		this.store = options.store;
		this.clusterName = options.clusterName;
		this.clock = options.clock;
		this.version = parseEnterpriseVersion(options.version);
		this.names = enterpriseNames(this.version);
		this.podName = podName(this.clusterName, operatorNamespace, 'tigera-operator', 0);
		this.publish = new StatusPublisher(this.store);
		this.renderer = new ComponentRenderer(this.store, this.names, this.version);
		this.removeAdmission = this.store.addAdmission(managedClusterAdmission(this.clusterName)(this.store));
		this.unsubscribe = this.store.subscribe((event) => this.onEvent(event));
		this.scheduleReconcile();
	}

	componentState(component: string): ComponentState {
		const internal = this.state.get(component);
		if (!internal || internal.verdictKey === undefined || internal.verdictKey.startsWith('absent')) return 'absent';
		if (internal.available) return 'available';
		if (internal.verdictKey.startsWith('degraded')) return 'degraded';
		if (internal.verdictKey.startsWith('waiting')) return 'waiting';
		return 'progressing';
	}

	degrade(component: string, message?: string): void {
		this.checkComponent(component);
		this.faults.set(component, message || `Simulated fault on ${component}`);
		this.log('ERROR', `controller_${component}`, `Degraded: SimulatedFault: ${this.faults.get(component)}`);
		this.publishNow();
	}

	recover(component: string): void {
		this.checkComponent(component);
		if (this.faults.delete(component)) this.log('INFO', `controller_${component}`, 'Recovered from SimulatedFault');
		this.publishNow();
	}

	settle(): void {
		const instant = this.clock.instant;
		this.clock.instant = true;
		try {
			this.reconcile();
		} finally {
			this.clock.instant = instant;
		}
	}

	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	log(level: 'INFO' | 'ERROR', logger: string, message: string): void {
		if (!this.running) return;
		this.store.logs.append(operatorNamespace, this.podName, `${new Date().toISOString()}\t${level}\t${logger}\t${message}`);
	}

	stop(): void {
		this.stopped = true;
		this.unsubscribe();
		this.removeAdmission();
		this.timers.clear();
	}

	private checkComponent(component: string): void {
		if (!componentNames.includes(component)) throw unknownComponentError(component);
	}

	private readWorld(): World {
		const resources = new Map<string, KubeObject>();
		for (const kind of watchedKinds) {
			const found = listObjects(this.store, operatorApi, kind)[0];
			if (found) resources.set(kind, found);
		}
		const mcc = resources.get('ManagementClusterConnection');
		return {
			installation: getObject(this.store, operatorApi, 'Installation', undefined, 'default'),
			resources,
			management: listObjects(this.store, operatorApi, 'ManagementCluster').length > 0,
			managed: mcc !== undefined,
			managementClusterAddr: (mcc?.spec as {managementClusterAddr?: string} | undefined)?.managementClusterAddr,
			connectionSecret: getObject(this.store, 'v1', 'Secret', operatorNamespace, connectionSecretName),
			licenseApi: typeOf(this.store, 'projectcalico.org/v3', 'LicenseKey') !== undefined,
			license: licenseKey(this.store) !== undefined,
			elasticsearchStorageClass: getObject(this.store, 'storage.k8s.io/v1', 'StorageClass', undefined, 'tigera-elasticsearch') !== undefined,
			prometheusOperator: this.store.lookup('monitoring.coreos.com', 'v1', 'prometheuses') !== undefined,
			names: this.names,
		};
	}

	private operatorDeployed(): boolean {
		this.deployed ??= getObject(this.store, 'apps/v1', 'Deployment', operatorNamespace, 'tigera-operator') !== undefined;
		return this.deployed;
	}

	private isAvailable = (component: string) => this.state.get(component)?.available ?? false;

	/**
	 * One pass in dependency order; returns whether any component changed state. TigeraStatus is
	 * written once per reconcile, after the last pass (`verdicts`), not for every intermediate state.
	 */
	private pass(world: World, verdicts: Map<string, Verdict>): boolean {
		let changed = false;
		for (const spec of components) {
			const internal = this.state.get(spec.name) as Internal;
			const verdict = spec.verdict(world, this.isAvailable);
			const key = verdictKeyOf(verdict);
			if (verdict.state !== 'ready') this.cancelStart(internal);
			if (verdict.state === 'absent') this.whenAbsent(spec, internal, key);
			else if (verdict.state === 'ready') this.whenReady(spec, internal, key);
			else if (internal.verdictKey !== key) {
				this.log(verdict.state === 'degraded' ? 'ERROR' : 'INFO', `controller_${spec.name}`,
					`${verdict.state === 'degraded' ? 'Degraded' : 'Waiting'}: ${verdict.reason}: ${verdict.message}`);
			}
			if (internal.available !== internal.announced) {
				changed = true;
				this.announce(spec, internal);
			}
			if (internal.verdictKey !== key) changed = true;
			internal.verdictKey = key;
			verdicts.set(spec.name, verdict);
		}
		return changed;
	}

	private cancelStart(internal: Internal): void {
		internal.cancel?.();
		internal.cancel = undefined;
		internal.available = false;
	}

	private whenAbsent(spec: ComponentSpec, internal: Internal, key: string): void {
		if (internal.verdictKey !== undefined && internal.verdictKey !== key) {
			this.log('INFO', `controller_${spec.name}`, `${spec.kind} not found: removing ${spec.name}`);
			this.renderer.remove(spec);
			if (spec.name === 'apiserver' && unregisterCalicoApi(this.store)) this.log('INFO', 'controller_apiserver', 'projectcalico.org/v3 is no longer served');
		}
		if (internal.verdictKey !== 'absent::' || this.publish.hasWritten(spec.name)) {
			deleteIfPresent(this.store, typeOf(this.store, operatorApi, 'TigeraStatus'), undefined, spec.name);
			this.publish.forget(spec.name);
		}
	}

	/** Everything it needs is there: render it, and it turns Available after its start-up delay. */
	private whenReady(spec: ComponentSpec, internal: Internal, key: string): void {
		if (internal.verdictKey !== key) {
			this.log('INFO', `controller_${spec.name}`, `Reconciling ${spec.kind}: rendering ${spec.name}`);
			this.renderer.render(spec);
		}
		if (internal.available || (internal.cancel && !this.clock.instant)) return;
		internal.cancel?.();
		internal.cancel = undefined;
		let fired = false;
		const cancel = this.timers.after(scaled(this.clock, spec.delayMs), () => {
			fired = true;
			internal.cancel = undefined;
			internal.available = true;
			if (!this.reconciling) this.scheduleReconcile();
		});
		if (!fired) internal.cancel = cancel;
	}

	private announce(spec: ComponentSpec, internal: Internal): void {
		internal.announced = internal.available;
		if (!internal.available) return;
		this.log('INFO', 'status_manager', `${spec.name} is Available`);
		if (spec.name === 'apiserver' && registerCalicoApi(this.store)) this.log('INFO', 'controller_apiserver', 'projectcalico.org/v3 is served');
	}

	private writeComponentStatus(spec: ComponentSpec, world: World, verdict: Verdict, available: boolean): void {
		const fault = this.faults.get(spec.name);
		if (fault !== undefined) {
			this.publish.tigeraStatus(spec.name, {available: false, progressing: false, degraded: true, reason: 'SimulatedFault', message: fault});
		} else if (spec.refusesBothRoles && world.management && world.managed) {
			// The controller returns before anything else: what it runs keeps running, its status is Degraded.
			this.publish.tigeraStatus(spec.name, {available: false, progressing: false, degraded: true, reason: 'ResourceValidationError', message: bothRolesMessage});
		} else if (verdict.state === 'degraded') {
			this.publish.tigeraStatus(spec.name, {available: false, progressing: false, degraded: true, reason: verdict.reason, message: verdict.message});
		} else if (available) {
			this.publish.tigeraStatus(spec.name, {available: true, progressing: false, degraded: false, reason: 'AllObjectsAvailable', message: 'All objects available'});
		} else if (verdict.state === 'waiting' || verdict.state === 'ready') {
			this.publish.tigeraStatus(spec.name, {available: false, progressing: true, degraded: false, reason: 'ResourceNotReady', message: verdict.message});
		}
	}

	private reconcile(): void {
		if (this.stopped) return;
		if (!this.operatorDeployed()) {
			this.running = false;
			return;
		}
		if (!this.running) {
			this.running = true;
			this.log('INFO', 'setup', `Starting the Tigera operator (Calico Enterprise ${this.version.text}) on ${this.clusterName}`);
		}
		this.reconciling = true;
		this.dirty = false;
		let changed = false;
		try {
			const verdicts = new Map<string, Verdict>();
			let world = this.readWorld();
			for (let i = 0; i < 20; i++) {
				if (!this.pass(world, verdicts)) break;
				changed = true;
				world = this.readWorld();
			}
			for (const spec of components) {
				const verdict = verdicts.get(spec.name);
				if (verdict && verdict.state !== 'absent') this.writeComponentStatus(spec, world, verdict, this.isAvailable(spec.name));
			}
			this.publish.installation(world.installation, this.isAvailable('calico'), this.version);
		} finally {
			this.reconciling = false;
		}
		if (changed) for (const listener of [...this.listeners]) listener();
	}

	private scheduleReconcile(): void {
		this.dirty = true;
		if (this.scheduled || this.stopped) return;
		this.scheduled = true;
		queueMicrotask(() => {
			this.scheduled = false;
			if (this.dirty) this.reconcile();
		});
	}

	/** A fault shows at once: the control's acknowledgement means the status is already written. */
	private publishNow(): void {
		const world = this.readWorld();
		if (!this.running) return;
		for (const spec of components) {
			const internal = this.state.get(spec.name) as Internal;
			if (internal.verdictKey === undefined || internal.verdictKey.startsWith('absent')) continue;
			this.writeComponentStatus(spec, world, spec.verdict(world, this.isAvailable), internal.available);
		}
	}

	private relevant(event: StoreEvent): boolean {
		const t = event.resourceType;
		if (t.group === 'operator.tigera.io') return t.kind !== 'TigeraStatus' || event.type === 'DELETED';
		if (t.group === '') return t.resource === 'secrets' || t.resource === 'namespaces';
		if (t.group === 'apps') {
			if (event.object.metadata.name !== 'tigera-operator' || event.object.metadata.namespace !== operatorNamespace) return false;
			this.deployed = event.type !== 'DELETED';
			return true;
		}
		return t.group === 'projectcalico.org' || t.group === 'storage.k8s.io' || t.group === 'apiextensions.k8s.io';
	}

	private onEvent(event: StoreEvent): void {
		if (event.resourceType.kind === 'TigeraStatus' && event.resourceType.group === 'operator.tigera.io' && !this.reconciling) {
			this.publish.forget(event.object.metadata.name);
		}
		// Our own writes during a reconcile need no second one: it runs to a fixed point.
		if (this.relevant(event) && !this.reconciling) this.scheduleReconcile();
	}
}

export function startOperator(options: OperatorOptions): Operator {
	return new SimOperator(options);
}
