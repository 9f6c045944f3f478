// What the simulated operator publishes: one TigeraStatus per component (Available, Progressing,
// Degraded, with transition times kept while a condition holds), the ManagementClusterConnection's
// mirror of its TigeraStatus, and the Installation's status.
import {now, typeOf, writeStatus} from './operator-store.js';
import type {EnterpriseVersion} from './names.js';
import type {KubeObject, ObjectStore} from './types.js';

export const operatorApi = 'operator.tigera.io/v1';

export type WantedStatus = {available: boolean; progressing: boolean; degraded: boolean; reason: string; message: string};

type Condition = {type: string; status: string; lastTransitionTime?: string};

function conditions(existing: KubeObject | undefined, wanted: WantedStatus) {
	const old = ((existing?.status as {conditions?: Condition[]} | undefined)?.conditions) ?? [];
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

export class StatusPublisher {
	/** The last TigeraStatus written per component (forgotten when someone else changes or deletes it). */
	private readonly written = new Map<string, string>();

	constructor(private readonly store: ObjectStore) {}

	/** Someone else wrote or deleted the TigeraStatus: the next write must not be skipped. */
	forget(component: string): void {
		this.written.delete(component);
	}

	hasWritten(component: string): boolean {
		return this.written.has(component);
	}

	tigeraStatus(component: string, wanted: WantedStatus): void {
		const type = typeOf(this.store, operatorApi, 'TigeraStatus');
		if (!type) return;
		// Most passes change nothing: skip the read when this is what was last written.
		const key = JSON.stringify(wanted);
		if (this.written.get(component) === key) return;
		const current = this.store.get(type, undefined, component);
		const status = {conditions: conditions(current, wanted)};
		const stored = current
			? writeStatus(this.store, type, current, status)
			: this.store.create(type, {apiVersion: operatorApi, kind: 'TigeraStatus', metadata: {name: component}, spec: {}, status});
		this.written.set(component, key);
		if (component === 'management-cluster-connection') this.mirrorToConnection(stored);
	}

	/** The ManagementClusterConnection's status copies the TigeraStatus (Available renamed Ready). */
	private mirrorToConnection(tigeraStatus: KubeObject): void {
		const type = typeOf(this.store, operatorApi, 'ManagementClusterConnection');
		const mcc = type ? this.store.list(type)[0] : undefined;
		if (!type || !mcc) return;
		const conds = ((tigeraStatus.status as {conditions?: Array<Record<string, unknown>>} | undefined)?.conditions ?? [])
			.map((c) => ({...c, type: c.type === 'Available' ? 'Ready' : c.type}));
		writeStatus(this.store, type, mcc, {conditions: conds});
	}

	installation(installation: KubeObject | undefined, ready: boolean, version: EnterpriseVersion): void {
		const type = typeOf(this.store, operatorApi, 'Installation');
		if (!type || !installation) return;
		const variant = (installation.spec as {variant?: string} | undefined)?.variant ?? 'Calico';
		const old = installation.status as {conditions?: Condition[]} | undefined;
		const readyBefore = old?.conditions?.find((c) => c.type === 'Ready');
		const readyStatus = ready ? 'True' : 'False';
		writeStatus(this.store, type, installation, {
			variant,
			...(ready ? {calicoVersion: version.text, mtu: 1450, imageSet: ''} : {}),
			conditions: [{
				type: 'Ready', status: readyStatus, reason: ready ? 'AllObjectsAvailable' : 'ResourceNotReady',
				message: ready ? 'All objects available' : 'Waiting for calico to be available',
				lastTransitionTime: readyBefore?.status === readyStatus ? readyBefore.lastTransitionTime : now(),
			}],
		});
	}
}
