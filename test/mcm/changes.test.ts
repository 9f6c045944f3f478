import {describe, expect, it} from 'vitest';
import {describeChanges} from '../../source/mcm/changes.js';
import {buildFleet} from '../../source/mcm/fleet-model.js';
import type {RawClusterState} from '../../source/mcm/raw.js';
import {fleetOf, managed, managedCluster, mgmt, tigerStatus} from './raw-builders.js';

describe('describeChanges', () => {
	const before = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'True')]), managed('managed-1')));

	it('says when a tunnel drops, with the reason', () => {
		const after = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'False')]), managed('managed-1')));
		const texts = describeChanges(before.clusters['managed-1'], after.clusters['managed-1'], before.statuses['managed-1'], after.statuses['managed-1'], {health: true}).map(c => c.text);
		expect(texts).toEqual(['connection True -> False: tunnel down', 'connection sides disagree: management says False, managed says True', 'health healthy -> disconnected']);
	});

	it('says when a component degrades and recovers', () => {
		// The extra status replaces the healthy `compliance` (objects are keyed by name).
		const m = mgmt('mgmt', [managedCluster('managed-1', 'True')], undefined, [tigerStatus('compliance', 'degraded', 'disk full')]);
		const after = buildFleet(fleetOf(m));
		const down = describeChanges(before.clusters.mgmt, after.clusters.mgmt, before.statuses.mgmt, after.statuses.mgmt);
		expect(down).toEqual([{level: 'warn', text: 'tigerstatus compliance degraded: disk full'}]);
		const up = describeChanges(after.clusters.mgmt, before.clusters.mgmt, after.statuses.mgmt, before.statuses.mgmt);
		expect(up).toEqual([{level: 'info', text: 'tigerstatus compliance recovered'}]);
	});

	it('says when the API becomes unreachable, with the error, and when it is back', () => {
		const down: RawClusterState = {...mgmt('mgmt', [managedCluster('managed-1', 'True')]), api: {state: 'unreachable', since: 1, error: 'connect ECONNREFUSED 127.0.0.1:9'}};
		const after = buildFleet(fleetOf(down));
		expect(describeChanges(before.clusters.mgmt, after.clusters.mgmt, undefined, undefined)).toEqual([{level: 'error', text: 'api ok -> unreachable: connect ECONNREFUSED 127.0.0.1:9'}]);
		expect(describeChanges(after.clusters.mgmt, before.clusters.mgmt, undefined, undefined)).toEqual([{level: 'info', text: 'api unreachable -> ok'}]);
		const refused: RawClusterState = {...down, api: {state: 'unreachable', since: 2, error: 'connect ECONNREFUSED 127.0.0.1:10'}};
		const later = buildFleet(fleetOf(refused));
		expect(describeChanges(after.clusters.mgmt, later.clusters.mgmt, undefined, undefined)).toEqual([{level: 'error', text: 'api still unreachable: connect ECONNREFUSED 127.0.0.1:10'}]);
	});

	it('logs the first sight of a tunnel as a state with its time, never as a change (issue 13)', () => {
		const since = Date.parse('2026-11-30T09:00:05Z');
		// The managed side (its guardian) is read before the management cluster's ManagedCluster.
		const managedFirst = buildFleet(fleetOf(managed('managed-1'))).clusters['managed-1']!;
		expect(managedFirst.connection?.fromManagement).toBeUndefined();
		const both = buildFleet(fleetOf(mgmt('mgmt', [managedCluster('managed-1', 'False')]), managed('managed-1'))).clusters['managed-1']!;
		const down = {...both, connection: {...both.connection!, since}};
		const texts = describeChanges(managedFirst, down, undefined, undefined).map(c => c.text);
		expect(texts.filter(t => t.startsWith('connection'))).toEqual(['connection sides disagree: management says False, managed says True']);
		expect(texts).toContain(`tunnel down since 2026-11-30T09:00:05Z${down.connection.message ? `: ${down.connection.message}` : ''}`);
		// From then on the same signal changing is a change.
		const up = {...down, connection: {...down.connection, fromManagement: 'True' as const, disagree: false}};
		expect(describeChanges(down, up, undefined, undefined).map(c => c.text)).toContain('connection False -> True');
	});

	it('says when a row appears, changes role, or goes', () => {
		const row = before.clusters['managed-1'];
		expect(describeChanges(undefined, row, undefined, undefined).map(c => c.text)).toEqual(['added', 'api connecting -> ok', 'role unknown -> managed', 'version - -> v3.24.0']);
		expect(describeChanges(row, {...row, role: 'misconfigured'}, undefined, undefined)).toEqual([{level: 'error', text: 'role managed -> misconfigured'}]);
		expect(describeChanges(row, undefined, undefined, undefined)).toEqual([{level: 'info', text: 'removed'}]);
	});
});
