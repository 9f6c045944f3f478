// Builders for the raw objects the domain reads, shaped as the API server returns them.
import {emptyRawState, type RawClusterState, type RawKind, type RawObject} from '../../source/mcm/raw.js';
import {keepRaw} from '../../source/mcm/raw-slim.js';
import type {ApiConnection} from '../../source/mcm/types.js';

type Cond = {type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastTransitionTime?: string};

export function installation(version = 'v3.24.0', created = '2026-01-01T00:00:00Z'): RawObject {
	return {
		apiVersion: 'operator.tigera.io/v1',
		kind: 'Installation',
		metadata: {name: 'default', creationTimestamp: created},
		spec: {variant: 'TigeraSecureEnterprise'},
		status: {calicoVersion: version, variant: 'TigeraSecureEnterprise'},
	};
}

export function tigerStatus(name: string, state: 'ok' | 'degraded' | 'progressing' | 'unavailable' = 'ok', message?: string): RawObject {
	const t = '2026-01-01T00:00:00Z';
	const conditions: Cond[] = [
		{type: 'Available', status: state === 'ok' || state === 'progressing' ? 'True' : 'False', reason: 'AllObjectsAvailable', lastTransitionTime: t},
		{type: 'Progressing', status: state === 'progressing' ? 'True' : 'False', reason: state === 'progressing' ? 'ResourceNotReady' : 'AllObjectsAvailable', lastTransitionTime: t},
		{type: 'Degraded', status: state === 'degraded' ? 'True' : 'False', reason: state === 'degraded' ? 'ResourceDegraded' : 'AllObjectsAvailable', message, lastTransitionTime: state === 'degraded' ? '2026-01-02T00:00:00Z' : t},
	];
	return {apiVersion: 'operator.tigera.io/v1', kind: 'TigerStatus', metadata: {name}, status: {conditions}};
}

export function managementCluster(address = '10.0.0.10:30449'): RawObject {
	return {apiVersion: 'operator.tigera.io/v1', kind: 'ManagementCluster', metadata: {name: 'tigera-secure'}, spec: {address}};
}

export function managementClusterConnection(address = '10.0.0.10:30449'): RawObject {
	return {apiVersion: 'operator.tigera.io/v1', kind: 'ManagementClusterConnection', metadata: {name: 'tigera-secure'}, spec: {managementClusterAddr: address}};
}

export function managedCluster(name: string, connected?: 'True' | 'False' | 'Unknown', created = '2026-01-03T00:00:00Z'): RawObject {
	const conditions = connected
		? [{type: 'ManagedClusterConnected', status: connected, reason: connected === 'True' ? 'Connected' : 'NotConnected', message: connected === 'False' ? 'tunnel down' : undefined, lastTransitionTime: '2026-01-04T00:00:00Z'}]
		: [];
	return {apiVersion: 'projectcalico.org/v3', kind: 'ManagedCluster', metadata: {name, creationTimestamp: created}, spec: {operatorNamespace: 'tigera-operator'}, status: {conditions}};
}

export const components = ['apiserver', 'calico', 'compliance', 'intrusion-detection', 'log-collector', 'monitor', 'policy-recommendation', 'tiers'];

/** What tigera/operator v1.43.0 publishes for a LogStorage on a single-tenant, non-managed cluster. */
export const logStorageStatuses = ['log-storage', 'log-storage-access', 'log-storage-dashboards', 'log-storage-elastic', 'log-storage-esmetrics', 'log-storage-kubecontrollers', 'log-storage-secrets'];

/** A reachable, fully listed cluster with these objects. */
export function cluster(context: string, objects: Partial<Record<RawKind, RawObject[]>>, api: Partial<ApiConnection> = {}): RawClusterState {
	const raw = emptyRawState(context, 0);
	const out: RawClusterState = {
		...raw,
		api: {state: 'ok', since: 0, ...api},
		objects: {...raw.objects},
		listed: new Set(['installations', 'tigerstatuses', 'managementclusters', 'managementclusterconnections', 'managedclusters']),
	};
	for (const [kind, list] of Object.entries(objects) as Array<[RawKind, RawObject[]]>) {
		// TigerStatuses as the watches keep them (their rows); the other kinds whole.
		(out.objects as Record<RawKind, ReadonlyMap<string, unknown>>)[kind] = new Map(list.map(o => [o.metadata.name, kind === 'tigerstatuses' ? keepRaw(kind, o) : o]));
	}
	return out;
}

export function mgmt(context: string, managed: RawObject[], address = '10.0.0.10:30449', extraStatuses: RawObject[] = []): RawClusterState {
	return cluster(context, {
		installations: [installation()],
		tigerstatuses: [...[...components, 'manager', ...logStorageStatuses].map(n => tigerStatus(n)), ...extraStatuses],
		managementclusters: [managementCluster(address)],
		managedclusters: managed,
	});
}

export function managed(context: string, guardian: 'ok' | 'degraded' | 'progressing' = 'ok', address = '10.0.0.10:30449'): RawClusterState {
	return cluster(context, {
		installations: [installation()],
		tigerstatuses: [...components.map(n => tigerStatus(n)), tigerStatus('management-cluster-connection', guardian)],
		managementclusterconnections: [managementClusterConnection(address)],
	});
}

export function fleetOf(...states: RawClusterState[]): Map<string, RawClusterState> {
	return new Map(states.map(s => [s.context, s]));
}
