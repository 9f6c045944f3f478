import {describe, expect, it} from 'vitest';
import {buildFleet, FleetModel} from '../../source/mcm/fleet-model.js';
import type {RawClusterState} from '../../source/mcm/raw.js';
import {emptyRawState, type Kept, type RawKind} from '../../source/mcm/raw.js';
import {keepRaw} from '../../source/mcm/raw-slim.js';
import {cluster, fleetOf, installation, managed, managedCluster, managementClusterConnection, mgmt, tigerStatus} from './raw-builders.js';

describe('buildFleet', () => {
	it('builds one row per context, with role, version, roll-up, connection and health', () => {
		const fleet = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'True'), managedCluster('managed-2', 'False')]), managed('managed-1'), managed('managed-2'), cluster('bare', {})));
		expect(Object.keys(fleet.clusters).sort()).toEqual(['bare', 'managed-1', 'managed-2', 'mgmt']);
		expect(fleet.clusters.mgmt).toMatchObject({role: 'management', version: 'v3.24.0', remoteOnly: false, health: 'healthy', rollup: {available: 16, total: 16}});
		expect(fleet.clusters.mgmt.connection).toBeUndefined();
		expect(fleet.clusters['managed-1']).toMatchObject({role: 'managed', health: 'healthy', connection: {management: 'mgmt', managedName: 'managed-1', fromManagement: 'True', fromManaged: 'True', disagree: false}});
		// The guardian runs (managed side True) but the management cluster sees no tunnel.
		expect(fleet.clusters['managed-2']).toMatchObject({health: 'disconnected', connection: {fromManagement: 'False', fromManaged: 'True', disagree: true, message: 'tunnel down'}});
		expect(fleet.clusters.bare).toMatchObject({role: 'not-installed', health: 'healthy', rollup: {available: 0, total: 0}});
		expect(fleet.statuses['managed-1'].map(s => s.name)).toContain('management-cluster-connection');
	});

	it('adds a remote-only row for a ManagedCluster no context claims, with the management API state', () => {
		const fleet = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('far-away', 'True', '2026-03-01T00:00:00Z')])));
		expect(fleet.clusters['mgmt/far-away']).toMatchObject({
			id: 'mgmt/far-away',
			name: 'far-away',
			remoteOnly: true,
			role: 'managed',
			health: 'healthy',
			api: {state: 'ok'},
			connection: {management: 'mgmt', managedName: 'far-away', fromManagement: 'True'},
			createdAt: Date.parse('2026-03-01T00:00:00Z'),
		});
		expect(fleet.clusters['mgmt/far-away'].context).toBeUndefined();
		expect(fleet.statuses['mgmt/far-away']).toEqual([]);
	});

	it('marks a managed context whose management cluster has no ManagedCluster for it as disconnected', () => {
		const fleet = buildFleet(fleetOf(mgmt('mgmt', []), managed('orphan')));
		expect(fleet.clusters.orphan).toMatchObject({health: 'disconnected', connection: {management: 'mgmt', fromManagement: 'False', message: 'no ManagedCluster named "orphan" on mgmt'}});
	});

	it('uses the managed side when the management cluster is unreachable, and makes remote-only rows unreachable', () => {
		const down: RawClusterState = {...mgmt('mgmt', [managedCluster('managed-1', 'True'), managedCluster('far', 'True')]), api: {state: 'unreachable', since: 5, error: 'connect ECONNREFUSED 127.0.0.1:1'}};
		const fleet = buildFleet(fleetOf(down, managed('managed-1')));
		expect(fleet.clusters.mgmt).toMatchObject({health: 'unreachable', role: 'management', api: {error: 'connect ECONNREFUSED 127.0.0.1:1'}});
		expect(fleet.clusters['managed-1'].connection).toMatchObject({management: 'mgmt', fromManaged: 'True', message: 'management cluster mgmt is unreachable'});
		expect(fleet.clusters['managed-1'].connection?.fromManagement).toBeUndefined();
		expect(fleet.clusters['managed-1'].health).toBe('healthy');
		expect(fleet.clusters['mgmt/far'].health).toBe('unreachable');
	});

	it('flags a cluster that is management and managed at once as misconfigured and degraded', () => {
		const both = mgmt('weird', []);
		both.objects.managementclusterconnections = managed('x').objects.managementclusterconnections;
		expect(buildFleet(fleetOf(both)).clusters.weird).toMatchObject({role: 'misconfigured', health: 'degraded'});
	});
});

describe('FleetModel (incremental)', () => {
	it('reports only the rows that changed, and the rows linked to a changed management cluster', () => {
		const model = new FleetModel();
		const m = mgmt('mgmt', [managedCluster('managed-1', 'True'), managedCluster('managed-2', 'True')]);
		const fleet = fleetOf(m, managed('managed-1'), managed('managed-2'), cluster('solo', {installations: [installation()]}));
		const first = model.update(fleet, fleet.keys());
		expect(Object.keys(first.clusters).sort()).toEqual(['managed-1', 'managed-2', 'mgmt', 'solo']);

		// The tunnel of managed-2 drops: only the management cluster's objects change.
		const objects = {...m.objects, managedclusters: new Map(m.objects.managedclusters)};
		objects.managedclusters.set('managed-2', managedCluster('managed-2', 'False'));
		fleet.set('mgmt', {...m, objects});
		const second = model.update(fleet, ['mgmt']);
		expect(Object.keys(second.clusters)).toEqual(['managed-2']);
		expect(second.clusters['managed-2']).toMatchObject({health: 'disconnected'});
		expect(Object.keys(second.statuses)).toEqual([]);

		// A no-op update reports nothing.
		const third = model.update(fleet, ['mgmt', 'solo']);
		expect(third).toEqual({clusters: {}, statuses: {}});
	});

	it('reports TigerStatus changes and removes rows that are gone', () => {
		const model = new FleetModel();
		const m = mgmt('mgmt', [managedCluster('far', 'True')]);
		const fleet = fleetOf(m);
		model.update(fleet, fleet.keys());
		const objects = {...m.objects, managedclusters: new Map(), tigerstatuses: new Map(m.objects.tigerstatuses)};
		objects.tigerstatuses.set('compliance', keepRaw('tigerstatuses', tigerStatus('compliance', 'degraded', 'boom')));
		fleet.set('mgmt', {...m, objects});
		const changes = model.update(fleet, ['mgmt']);
		expect(changes.clusters['mgmt/far']).toBeNull();
		expect(changes.statuses['mgmt/far']).toBeNull();
		expect(changes.clusters.mgmt).toMatchObject({health: 'degraded', rollup: {degraded: ['compliance']}});
		expect(changes.statuses.mgmt?.[0]).toMatchObject({name: 'compliance', degraded: 'True', message: 'boom'});
		expect(model.view().clusters['mgmt/far']).toBeUndefined();
	});

	it('counts a tunnel that goes Unknown after being known as disconnected', () => {
		const model = new FleetModel();
		const fleet = fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'True')]), managed('managed-1'));
		model.update(fleet, fleet.keys());
		fleet.set('mgmt', mgmt('mgmt', [managedCluster('managed-1', 'Unknown')]));
		expect(model.update(fleet, ['mgmt']).clusters['managed-1']).toMatchObject({health: 'disconnected'});
		// A fresh model (no history) sees a new join that is not connected yet.
		expect(buildFleet(fleet).clusters['managed-1'].health).toBe('pending');
	});
});

describe('unreachable managed clusters', () => {
	it('keep their own row (no remote-only twin) and show the management side of their tunnel', async () => {
		const {emptyRawState} = await import('../../source/mcm/raw.js');
		const never = {...emptyRawState('managed-1', 0), api: {state: 'unreachable' as const, since: 0, error: 'no answer within 10s'}};
		const fleet = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'True'), managedCluster('other', 'True')]), never));
		expect(Object.keys(fleet.clusters).sort()).toEqual(['managed-1', 'mgmt', 'mgmt/other']);
		expect(fleet.clusters['managed-1']).toMatchObject({role: 'unknown', health: 'unreachable', connection: {management: 'mgmt', fromManagement: 'True'}});
	});
});

describe('FleetModel: an update looks only at what changed, and sees all of it', () => {
	// A seeded sequence of the changes a fleet goes through (tunnel flips, joins and removals of
	// ManagedClusters, certificates rotated, guardians degraded, API servers going away, contexts added
	// and removed, a managed cluster pointed at the other management cluster, a managed cluster's identity
	// read or changed, a context not read yet and then read, as a loading fleet has them), each fed to one model with
	// only the changed contexts dirty, and to another with every context dirty (a full pass): both must
	// show the same fleet after every step.
	it('ends every step where a full recompute of the fleet ends', () => {
		let seed = 42;
		const random = (n: number) => {
			seed = (seed * 1103515245 + 12345) % 2 ** 31;
			return seed % n;
		};
		const pick = <T,>(list: readonly T[]): T => list[random(list.length)];
		const addresses = {m1: '10.0.0.10:30449', m2: '10.0.0.20:30449'};
		const fleet = fleetOf(mgmt('m1', [managedCluster('c1', 'True'), managedCluster('c2', 'True'), managedCluster('far', 'False')], addresses.m1), mgmt('m2', [managedCluster('c3', 'True')], addresses.m2));
		for (const c of ['c1', 'c2', 'c3', 'c4']) fleet.set(c, managed(c, 'ok', c === 'c3' ? addresses.m2 : addresses.m1));
		// c4 is mapped to "far" by the user: matched by mapping when nothing else claims it.
		const incremental = new FleetModel({managedClusterNames: {c4: 'far'}});
		const full = new FleetModel({managedClusterNames: {c4: 'far'}});
		incremental.update(fleet, fleet.keys());
		full.update(fleet, fleet.keys());
		const withObjects = <K extends RawKind>(context: string, kind: K, edit: (objects: Map<string, Kept<K>>) => void) => {
			const raw = fleet.get(context)!;
			const objects = new Map(raw.objects[kind] as ReadonlyMap<string, Kept<K>>);
			edit(objects);
			fleet.set(context, {...raw, objects: {...raw.objects, [kind]: objects}});
		};
		const steps: string[] = [];
		for (let step = 0; step < 400; step++) {
			const m = pick(['m1', 'm2'] as const);
			const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'far', 'near'];
			const dirty: string[] = [];
			const op = random(11);
			if (op <= 2 && fleet.has(m)) {
				// Most changes are tunnel flips.
				const name = pick([...fleet.get(m)!.objects.managedclusters.keys(), 'x']);
				withObjects(m, 'managedclusters', objects => objects.has(name) && objects.set(name, managedCluster(name, pick(['True', 'False'] as const))));
				dirty.push(m);
				steps.push(`flip ${m}/${name}`);
			} else if (op === 3 && fleet.has(m)) {
				const name = pick(names);
				withObjects(m, 'managedclusters', objects => (objects.has(name) ? objects.delete(name) : objects.set(name, managedCluster(name, pick(['True', 'False'] as const)))));
				dirty.push(m);
				steps.push(`join/leave ${m}/${name}`);
			} else if (op === 4 && fleet.has(m)) {
				const name = pick([...fleet.get(m)!.objects.managedclusters.keys(), 'x']);
				withObjects(m, 'managedclusters', objects => {
					const old = objects.get(name);
					if (old) objects.set(name, {...old, metadata: {...old.metadata, annotations: {'certs.tigera.io/active-fingerprint': `sha256:${random(3)}`}}});
				});
				dirty.push(m);
				steps.push(`fingerprint ${m}/${name}`);
			} else if (op === 5) {
				const c = pick(['c1', 'c2', 'c3', 'c4', 'c5']);
				if (fleet.has(c)) withObjects(c, 'tigerstatuses', objects => objects.set('management-cluster-connection', keepRaw('tigerstatuses', tigerStatus('management-cluster-connection', pick(['ok', 'degraded'] as const)))));
				dirty.push(c);
				steps.push(`guardian ${c}`);
			} else if (op === 6) {
				const c = pick([...fleet.keys()]);
				const raw = fleet.get(c)!;
				fleet.set(c, {...raw, api: raw.api.state === 'ok' ? {state: 'unreachable', since: step, error: 'no answer within 10s'} : {state: 'ok', since: step}});
				dirty.push(c);
				steps.push(`api ${c}`);
			} else if (op === 7) {
				const c = pick(['c1', 'c2', 'c3', 'c4', 'c5', 'm2']);
				if (fleet.has(c)) fleet.delete(c);
				else fleet.set(c, c === 'm2' ? mgmt('m2', [managedCluster('c3', 'True')], addresses.m2) : managed(c, 'ok', pick([addresses.m1, addresses.m2])));
				dirty.push(c);
				steps.push(`context ${c}`);
			} else if (op === 9) {
				// The identity Secret read (or read again after a rotation): its CN and fingerprint may name any
				// ManagedCluster, or none.
				const c = pick(['c1', 'c2', 'c3', 'c4', 'c5']);
				const raw = fleet.get(c);
				if (raw) fleet.set(c, {...raw, identity: random(4) === 0 ? undefined : {commonName: pick(names), fingerprint: `sha256:${random(3)}`}});
				dirty.push(c);
				steps.push(`identity ${c}`);
			} else if (op === 10) {
				// A context not read yet (its lists under way: it may be managed), then read.
				const c = pick(['c1', 'c2', 'c3', 'c4', 'c5']);
				const raw = fleet.get(c);
				if (raw) fleet.set(c, raw.listed.size === 0 ? {...managed(c, 'ok', pick([addresses.m1, addresses.m2])), identity: raw.identity} : {...emptyRawState(c, step), identity: raw.identity});
				dirty.push(c);
				steps.push(`read ${c}`);
			} else {
				const c = pick(['c1', 'c2', 'c3', 'c4', 'c5']);
				if (fleet.has(c)) withObjects(c, 'managementclusterconnections', objects => objects.set('tigera-secure', managementClusterConnection(pick([addresses.m1, addresses.m2]))));
				dirty.push(c);
				steps.push(`address ${c}`);
			}
			incremental.update(fleet, dirty);
			full.update(fleet, fleet.keys());
			expect(incremental.view(), steps.slice(-5).join(' → ')).toEqual(full.view());
		}
		// The sequence went through every kind of change, and the fleet changed shape along the way.
		expect(new Set(steps.map(s => s.split(' ')[0]))).toEqual(new Set(['flip', 'join/leave', 'fingerprint', 'guardian', 'api', 'context', 'address', 'identity', 'read']));
	});
});
