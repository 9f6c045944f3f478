import {describe, expect, it} from 'vitest';
import {effectiveConnected, makeConnection, matchManagedClusters, readManagementSide, sidesDisagree} from '../../source/mcm/connection.js';
import {managedCluster} from './raw-builders.js';

describe('connection from both sides', () => {
	it('reads ManagedClusterConnected on the management side, Unknown when absent', () => {
		expect(readManagementSide(managedCluster('m1', 'True')).status).toBe('True');
		expect(readManagementSide(managedCluster('m1', 'False')).message).toBe('tunnel down');
		expect(readManagementSide(managedCluster('m1')).status).toBe('Unknown');
	});

	it('disagrees only when both sides are known and differ', () => {
		expect(sidesDisagree('False', 'True')).toBe(true);
		expect(sidesDisagree('True', 'False')).toBe(true);
		expect(sidesDisagree('True', 'True')).toBe(false);
		expect(sidesDisagree('Unknown', 'True')).toBe(false);
		expect(sidesDisagree(undefined, 'False')).toBe(false);
		expect(makeConnection({fromManagement: 'False', fromManaged: 'True'}).disagree).toBe(true);
	});

	it('shows the management side when known, else the managed side', () => {
		expect(effectiveConnected(makeConnection({fromManagement: 'False', fromManaged: 'True'}))).toBe('False');
		expect(effectiveConnected(makeConnection({fromManaged: 'True'}))).toBe('True');
		expect(effectiveConnected(undefined)).toBe('Unknown');
	});
});

describe('matchManagedClusters', () => {
	const m = (context: string, address: string | undefined, names: string[]) => ({context, managementAddress: address, managed: false, managedClusterNames: names});
	const c = (context: string, addr?: string) => ({context, managed: true, managementClusterAddr: addr, managedClusterNames: []});

	it('matches by management address and name', () => {
		const result = matchManagedClusters([m('mgmt-a', 'a:1', ['x', 'y']), m('mgmt-b', 'b:1', ['x']), c('x', 'b:1'), c('y', 'a:1')]);
		expect(result.byContext.get('x')).toEqual({management: 'mgmt-b', managedName: 'x'});
		expect(result.byContext.get('y')).toEqual({management: 'mgmt-a', managedName: 'y'});
		// mgmt-a's "x" is claimed by nobody: a remote-only row.
		expect(result.remoteOnly).toEqual([{management: 'mgmt-a', managedName: 'x'}]);
	});

	it('falls back to the name alone when it is unambiguous', () => {
		const result = matchManagedClusters([m('mgmt', 'lb.example.com:443', ['x']), c('x', '10.9.9.9:30449')]);
		expect(result.byContext.get('x')).toEqual({management: 'mgmt', managedName: 'x'});
		expect(result.remoteOnly).toEqual([]);
	});

	it('leaves an ambiguous name unmatched, and remembers where the address points', () => {
		const result = matchManagedClusters([m('mgmt-a', 'a:1', ['x']), m('mgmt-b', 'b:1', ['x']), c('x', 'z:1'), c('w', 'a:1')]);
		expect(result.byContext.has('x')).toBe(false);
		expect(result.unmatched.get('x')).toBeUndefined();
		expect(result.unmatched.has('x')).toBe(true);
		expect(result.unmatched.get('w')).toBe('mgmt-a');
		expect(result.remoteOnly).toHaveLength(2);
	});

	it('shows a cluster being joined on its own row, not as a second remote-only row', () => {
		// standalone-2 is being joined: its ManagedCluster exists on mgmt before it applies the manifest.
		const standalone = {context: 'standalone-2', managed: false, managedClusterNames: []};
		const result = matchManagedClusters([m('mgmt', 'a:1', ['standalone-2']), standalone]);
		expect(result.byContext.get('standalone-2')).toEqual({management: 'mgmt', managedName: 'standalone-2'});
		expect(result.remoteOnly).toEqual([]);
	});

	it('never lets a management cluster claim a ManagedCluster by its name', () => {
		const result = matchManagedClusters([m('mgmt-a', 'a:1', ['mgmt-b']), m('mgmt-b', 'b:1', [])]);
		expect(result.byContext.has('mgmt-b')).toBe(false);
		expect(result.remoteOnly).toEqual([{management: 'mgmt-a', managedName: 'mgmt-b'}]);
	});

	it('makes every unclaimed ManagedCluster a remote-only row', () => {
		const result = matchManagedClusters([m('mgmt', 'a:1', ['p', 'q', 'r']), c('q', 'a:1')]);
		expect(result.remoteOnly.map(r => r.managedName).sort()).toEqual(['p', 'r']);
	});
});
