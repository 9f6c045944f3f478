// The fleet as the simulator's servers truly hold it, computed straight from their object stores
// (not over HTTP), to compare with what fleet-sync put in the store.
import type {Fleet} from '../../source/sim/fleet.js';
import {buildFleet, type FleetView} from '../../source/mcm/fleet-model.js';
import {emptyRawState, rawKinds, type RawClusterState, type RawKind, type RawObject} from '../../source/mcm/raw.js';
import {flattenTigerStatus} from '../../source/mcm/tigerstatus.js';
import type {ApiState, Cluster} from '../../source/mcm/types.js';

const gvr: Record<RawKind, [string, string, string]> = {
	installations: ['operator.tigera.io', 'v1', 'installations'],
	tigerstatuses: ['operator.tigera.io', 'v1', 'tigerastatuses'],
	managementclusters: ['operator.tigera.io', 'v1', 'managementclusters'],
	managementclusterconnections: ['operator.tigera.io', 'v1', 'managementclusterconnections'],
	managedclusters: ['projectcalico.org', 'v3', 'managedclusters'],
};

export function trueRaw(fleet: Fleet, context: string, state: ApiState = 'ok'): RawClusterState {
	const raw = emptyRawState(context, 0);
	const store = fleet.store(context);
	const objects = {...raw.objects};
	for (const kind of rawKinds) {
		const type = store.lookup(...gvr[kind]);
		const list = type ? (store.list(type) as unknown as RawObject[]) : [];
		// A TigerStatus as the domain reads it: its row.
		(objects as Record<RawKind, ReadonlyMap<string, unknown>>)[kind] = new Map(list.map(o => [o.metadata.name, kind === 'tigerstatuses' ? flattenTigerStatus(o) : o]));
	}
	return {...raw, api: {state, since: 0}, objects, listed: new Set(rawKinds)};
}

/** The true fleet; `states` overrides the API state of clusters under a fault. */
export function trueFleet(fleet: Fleet, contexts: string[], states: Record<string, ApiState> = {}): FleetView {
	return buildFleet(new Map(contexts.map(c => [c, trueRaw(fleet, c, states[c])])));
}

/** What must agree between the store and the truth: everything the user sees but times and error texts. */
export function project(clusters: Record<string, Cluster>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [id, c] of Object.entries(clusters)) {
		out[id] = {
			role: c.role,
			version: c.version,
			health: c.health,
			api: c.api.state,
			rollup: c.rollup,
			remoteOnly: c.remoteOnly,
			connection: c.connection && {
				management: c.connection.management,
				fromManagement: c.connection.fromManagement,
				fromManaged: c.connection.fromManaged,
				disagree: c.connection.disagree,
			},
		};
	}
	return out;
}
