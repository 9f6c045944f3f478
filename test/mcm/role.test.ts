import {describe, expect, it} from 'vitest';
import {emptyRawState} from '../../source/mcm/raw.js';
import {detectRole, normalizeAddress} from '../../source/mcm/role.js';
import {cluster, installation, managementCluster, managementClusterConnection} from './raw-builders.js';

describe('detectRole', () => {
	it('is unknown until the Installation, ManagementCluster and ManagementClusterConnection lists answered', () => {
		const raw = emptyRawState('c', 0);
		expect(detectRole(raw).role).toBe('unknown');
		const partly = {...raw, listed: new Set(['installations', 'managementclusters'] as const)};
		expect(detectRole(partly).role).toBe('unknown');
	});

	it('tells not-installed, standalone, management, managed and misconfigured apart', () => {
		expect(detectRole(cluster('c', {})).role).toBe('not-installed');
		expect(detectRole(cluster('c', {installations: [installation()]})).role).toBe('standalone');
		expect(detectRole(cluster('c', {installations: [installation()], managementclusters: [managementCluster()]})).role).toBe('management');
		expect(detectRole(cluster('c', {installations: [installation()], managementclusterconnections: [managementClusterConnection()]})).role).toBe('managed');
		expect(
			detectRole(cluster('c', {installations: [installation()], managementclusters: [managementCluster()], managementclusterconnections: [managementClusterConnection()]})).role,
		).toBe('misconfigured');
	});

	it('reads the version and the addresses both sides know', () => {
		const facts = detectRole(cluster('c', {installations: [installation('v3.22.1', '2026-02-03T04:05:06Z')], managementclusters: [managementCluster('mgmt.example.com:30449')]}));
		expect(facts.version).toBe('v3.22.1');
		expect(facts.installedAt).toBe(Date.parse('2026-02-03T04:05:06Z'));
		expect(facts.managementAddress).toBe('mgmt.example.com:30449');
		const managed = detectRole(cluster('m', {installations: [installation()], managementclusterconnections: [managementClusterConnection('10.1.2.3:31000')]}));
		expect(managed.managementClusterAddr).toBe('10.1.2.3:31000');
	});

	it('keeps the last known role while the cluster is unreachable', () => {
		const raw = cluster('c', {installations: [installation()], managementclusters: [managementCluster()]}, {state: 'unreachable', error: 'connect ECONNREFUSED'});
		expect(detectRole(raw).role).toBe('management');
	});
});

describe('normalizeAddress', () => {
	it('compares addresses without scheme, case or trailing slash', () => {
		expect(normalizeAddress('https://Mgmt.Example.com:30449/')).toBe('mgmt.example.com:30449');
		expect(normalizeAddress(' 10.0.0.10:30449')).toBe('10.0.0.10:30449');
		expect(normalizeAddress(undefined)).toBeUndefined();
	});
});
