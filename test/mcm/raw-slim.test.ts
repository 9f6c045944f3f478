import {describe, expect, it} from 'vitest';
import {readManagementSide} from '../../source/mcm/connection.js';
import {fingerprintAnnotation} from '../../source/mcm/managed-identity.js';
import type {RawClusterState, RawKind, RawObject} from '../../source/mcm/raw.js';
import {keepRaw, slimRaw} from '../../source/mcm/raw-slim.js';
import {detectRole} from '../../source/mcm/role.js';
import {compareTigerStatus, flattenTigerStatuses} from '../../source/mcm/tigerstatus.js';
import {cluster, installation, managedCluster, managementCluster, managementClusterConnection, tigerStatus} from './raw-builders.js';

// What the API server adds to every object, none of which the domain reads.
function asServed(object: RawObject, i: number): RawObject {
	const copy = structuredClone(object);
	copy.metadata = {
		...copy.metadata,
		uid: `0000-${i}`,
		generation: 3,
		resourceVersion: String(100 + i),
		creationTimestamp: copy.metadata.creationTimestamp ?? '2026-01-01T00:00:00Z',
		managedFields: [{manager: 'operator', operation: 'Update', fieldsV1: {'f:status': {}}}],
		labels: {app: 'x'},
	};
	const conditions = copy.status?.conditions;
	if (Array.isArray(conditions)) for (const c of conditions as unknown[]) if (c && typeof c === 'object') (c as Record<string, unknown>).observedGeneration = 3;
	return copy;
}

function slimmed(state: RawClusterState): RawClusterState {
	// The builders' cluster() keeps TigerStatuses as the watches do already; the rest is slimmed here.
	const objects = {...state.objects} as Record<RawKind, ReadonlyMap<string, unknown>>;
	for (const [kind, map] of Object.entries(state.objects) as Array<[RawKind, ReadonlyMap<string, RawObject>]>) {
		if (kind !== 'tigerstatuses') objects[kind] = new Map([...map].map(([name, o]) => [name, keepRaw(kind, o)]));
	}
	return {...state, objects} as RawClusterState;
}

const degraded = tigerStatus('compliance', 'degraded', 'Error querying Elasticsearch');
const mc = managementCluster('mgmt.example:30449');
mc.spec = {...mc.spec, tls: {secretName: 'my-tunnel-ca'}};
const withPrint = managedCluster('edge-1', 'False');
withPrint.metadata.annotations = {[fingerprintAnnotation]: 'ab:cd', other: 'dropped'};

const served = {
	installations: [asServed(installation('v3.21.4', '2026-02-01T00:00:00Z'), 1)],
	tigerstatuses: [tigerStatus('apiserver'), tigerStatus('tiers', 'progressing'), degraded, {metadata: {name: 'odd'}, status: {conditions: [{type: 'Available', status: 'maybe'}, 'junk', {status: 'True'}]}}].map(asServed),
	managementclusters: [asServed(mc, 7)],
	managementclusterconnections: [asServed(managementClusterConnection('mgmt.example:30449'), 8)],
	managedclusters: [asServed(withPrint, 9), asServed(managedCluster('edge-2', 'True'), 10), asServed(managedCluster('edge-3'), 11)],
};

describe('slim raw objects', () => {
	it('give the domain the same answers as the whole objects', () => {
		const whole = cluster('c', served);
		const slim = slimmed(whole);
		expect(detectRole(slim)).toEqual(detectRole(whole));
		expect(detectRole(slim)).toMatchObject({role: 'misconfigured', version: 'v3.21.4', variant: 'TigeraSecureEnterprise', managementTlsSecret: 'my-tunnel-ca', managementClusterAddr: 'mgmt.example:30449'});
		const kept = [...slim.objects.tigerstatuses.values()].sort(compareTigerStatus);
		expect(kept).toEqual(flattenTigerStatuses(served.tigerstatuses));
		expect(kept.find(s => s.name === 'compliance')).toMatchObject({degraded: 'True', reason: 'ResourceDegraded', message: 'Error querying Elasticsearch', since: Date.parse('2026-01-02T00:00:00Z')});
		expect(kept.find(s => s.name === 'odd')).toEqual({name: 'odd', available: 'Unknown', progressing: 'Unknown', degraded: 'Unknown'});
		for (const name of ['edge-1', 'edge-2', 'edge-3']) {
			const {source: _a, ...fromSlim} = readManagementSide(slim.objects.managedclusters.get(name)!);
			const {source: _b, ...fromWhole} = readManagementSide(whole.objects.managedclusters.get(name)!);
			expect(fromSlim).toEqual(fromWhole);
		}
		expect(readManagementSide(slim.objects.managedclusters.get('edge-1')!).fingerprint).toBe('ab:cd');
		// The identity reader keys on the connection's resourceVersion.
		expect(slim.objects.managementclusterconnections.get('tigera-secure')!.metadata.resourceVersion).toBe('108');
	});

	it('keep none of what the domain does not read', () => {
		// A TigerStatus is kept as its row: no metadata, conditions or resourceVersion.
		expect(keepRaw('tigerstatuses', asServed(tigerStatus('apiserver'), 1))).toEqual({
			name: 'apiserver', available: 'True', progressing: 'False', degraded: 'False', reason: 'AllObjectsAvailable', since: Date.parse('2026-01-01T00:00:00Z'),
		});
		expect(keepRaw('managedclusters', asServed(managedCluster('edge-9', 'True'), 2))).toEqual({
			metadata: {name: 'edge-9', resourceVersion: '102', creationTimestamp: '2026-01-03T00:00:00Z'},
			status: {conditions: [{type: 'ManagedClusterConnected', status: 'True', reason: 'Connected', message: undefined, lastTransitionTime: '2026-01-04T00:00:00Z'}]},
		});
		expect(slimRaw('managedclusters', asServed(withPrint, 3)).metadata.annotations).toEqual({[fingerprintAnnotation]: 'ab:cd'});
		expect(slimRaw('installations', asServed(installation(), 4)).spec).toBeUndefined();
	});

	it('leave an object without a name as it is (the watches ignore it)', () => {
		const nameless = {metadata: {}} as unknown as RawObject;
		expect(slimRaw('managedclusters', nameless)).toBe(nameless);
	});
});
