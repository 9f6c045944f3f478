import {describe, expect, it} from 'vitest';
import {readManagementSide} from '../../source/mcm/connection.js';
import {fingerprintAnnotation} from '../../source/mcm/managed-identity.js';
import type {RawClusterState, RawKind, RawObject} from '../../source/mcm/raw.js';
import {slimRaw} from '../../source/mcm/raw-slim.js';
import {detectRole} from '../../source/mcm/role.js';
import {flattenTigerStatuses} from '../../source/mcm/tigerstatus.js';
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
	const objects = {} as Record<RawKind, Map<string, RawObject>>;
	for (const [kind, map] of Object.entries(state.objects) as Array<[RawKind, ReadonlyMap<string, RawObject>]>) {
		objects[kind] = new Map([...map].map(([name, o]) => [name, slimRaw(kind, o)]));
	}
	return {...state, objects};
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
		expect(flattenTigerStatuses(slim.objects.tigerstatuses.values())).toEqual(flattenTigerStatuses(whole.objects.tigerstatuses.values()));
		expect(flattenTigerStatuses(slim.objects.tigerstatuses.values()).find(s => s.name === 'compliance')).toMatchObject({degraded: 'True', message: 'Error querying Elasticsearch'});
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
		const a = slimRaw('tigerstatuses', asServed(tigerStatus('apiserver'), 1));
		expect(a).toEqual({
			metadata: {name: 'apiserver', resourceVersion: '101', creationTimestamp: '2026-01-01T00:00:00Z'},
			status: {conditions: [
				{type: 'Available', status: 'True', reason: 'AllObjectsAvailable', lastTransitionTime: '2026-01-01T00:00:00Z'},
				{type: 'Progressing', status: 'False', reason: 'AllObjectsAvailable', lastTransitionTime: '2026-01-01T00:00:00Z'},
				{type: 'Degraded', status: 'False', reason: 'AllObjectsAvailable', lastTransitionTime: '2026-01-01T00:00:00Z'},
			]},
		});
		expect(slimRaw('managedclusters', asServed(withPrint, 3)).metadata.annotations).toEqual({[fingerprintAnnotation]: 'ab:cd'});
		expect(slimRaw('installations', asServed(installation(), 4)).spec).toBeUndefined();
	});

	it('leave an object without a name as it is (the watches ignore it)', () => {
		const nameless = {metadata: {}} as unknown as RawObject;
		expect(slimRaw('tigerstatuses', nameless)).toBe(nameless);
	});
});
