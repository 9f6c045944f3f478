import {generateKeyPairSync} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {buildFleet, FleetModel} from '../../source/mcm/fleet-model.js';
import {expiryState, type SecretRead} from '../../source/mcm/tunnel-cert.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';
import {cluster, components, fleetOf, installation, managed, managedCluster, managementClusterConnection, mgmt, tigerStatus} from './raw-builders.js';

// Rows' certificate, address drift and version skew flags, from raw objects and certificate reads.

const day = 24 * 60 * 60 * 1000;
const now = Date.parse('2026-06-01T00:00:00Z');

function ca(days: number) {
	const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const subject = distinguishedName('tigera-voltron', 'Tigera');
	const pem = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca',
		notBefore: new Date(now - day), notAfter: new Date(now + days * day)});
	const leaf = (name: string, leafDays: number) => issueCertificate({subject: distinguishedName(name, 'Tigera'), issuer: subject,
		publicKey: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'client',
		notBefore: new Date(now - day), notAfter: new Date(now + leafDays * day)});
	return {pem, leaf};
}

const ok = (secret: string, certificates: Record<string, string>): SecretRead => ({state: 'ok', secret, certificates});

describe('tunnel facts on fleet rows', () => {
	it('expiry thresholds: 30 days warning, 7 critical, then expired', () => {
		expect(expiryState(now + 31 * day, now)).toBe('ok');
		expect(expiryState(now + 29 * day, now)).toBe('warning');
		expect(expiryState(now + 6 * day, now)).toBe('critical');
		expect(expiryState(now, now)).toBe('expired');
	});

	it('takes the earliest notAfter of the managed certificate, the CA copy and the current CA; degrades at critical', () => {
		const authority = ca(5);
		const m = mgmt('mgmt', [managedCluster('managed-1', 'True')]);
		m.tunnelCerts = {readAt: now, managementCa: ok('tigera-operator/tigera-management-cluster-connection', {'tls.crt': authority.pem})};
		const c = managed('managed-1');
		c.tunnelCerts = {readAt: now, managedSide: ok('tigera-operator/tigera-managed-cluster-connection', {'managed-cluster.crt': authority.leaf('managed-1', 20), 'management-cluster.crt': authority.pem})};
		const model = new FleetModel({now: () => now});
		model.update(fleetOf(m, c), ['mgmt', 'managed-1']);
		const {clusters} = model.view();
		expect(clusters['managed-1']!.cert).toMatchObject({state: 'critical', chained: true, caDiffers: false, earliest: 'management-cluster.crt', notAfter: now + 5 * day});
		expect(clusters['managed-1']!.health).toBe('degraded');
		expect(clusters.mgmt!.cert).toMatchObject({state: 'critical'});
	});

	it('flags a certificate from another CA as untrusted, and a CA copy that is not the current CA', () => {
		const current = ca(3650);
		const old = ca(3650);
		const m = mgmt('mgmt', [managedCluster('a', 'True'), managedCluster('b', 'True')]);
		m.tunnelCerts = {readAt: now, managementCa: ok('s', {'tls.crt': current.pem})};
		const a = managed('a');
		a.tunnelCerts = {readAt: now, managedSide: ok('s', {'managed-cluster.crt': old.leaf('a', 400), 'management-cluster.crt': old.pem})};
		const b = managed('b');
		b.tunnelCerts = {readAt: now, managedSide: ok('s', {'managed-cluster.crt': current.leaf('b', 400), 'management-cluster.crt': old.pem})};
		const model = new FleetModel({now: () => now});
		model.update(fleetOf(m, a, b), ['mgmt', 'a', 'b']);
		const {clusters} = model.view();
		expect(clusters.a!.cert).toMatchObject({state: 'untrusted', chained: false, caDiffers: true});
		expect(clusters.a!.cert!.message).toMatch(/not signed by mgmt's current tunnel CA/);
		expect(clusters.b!.cert).toMatchObject({state: 'ok', chained: true, caDiffers: true});
	});

	it('flags address drift and version skew against the linked management cluster; newer is degraded', () => {
		const m = mgmt('mgmt', [managedCluster('a', 'True'), managedCluster('b', 'True'), managedCluster('c', 'True')], '10.0.0.99:30449');
		const a = managed('a', 'ok', '10.0.0.10:30449');
		const newer = cluster('b', {
			installations: [installation('v3.25.0')],
			tigerstatuses: [...components.map(n => tigerStatus(n)), tigerStatus('management-cluster-connection')],
			managementclusterconnections: [managementClusterConnection('10.0.0.99:30449')],
		});
		const older = cluster('c', {
			installations: [installation('v3.23.1')],
			tigerstatuses: [...components.map(n => tigerStatus(n)), tigerStatus('management-cluster-connection')],
			managementclusterconnections: [managementClusterConnection('https://10.0.0.99:30449/')],
		});
		const {clusters} = buildFleet(fleetOf(m, a, newer, older));
		expect(clusters.a!.addressDrift).toEqual({managed: '10.0.0.10:30449', management: '10.0.0.99:30449'});
		expect(clusters.b!.addressDrift).toBeUndefined();
		expect(clusters.c!.addressDrift).toBeUndefined();
		expect(clusters.b!.versionSkew).toEqual({managed: 'v3.25.0', management: 'v3.24.0', newer: true});
		expect(clusters.b!.health).toBe('degraded');
		expect(clusters.c!.versionSkew).toEqual({managed: 'v3.23.1', management: 'v3.24.0', newer: false});
		expect(clusters.c!.health).toBe('healthy');
		expect(clusters.a!.versionSkew).toBeUndefined();
	});

	it('a secret without the keys, a certificate that is not PEM, and a forbidden read each say so', () => {
		const m = mgmt('mgmt', [managedCluster('a', 'True'), managedCluster('b', 'True'), managedCluster('c', 'True')]);
		const a = managed('a');
		a.tunnelCerts = {readAt: now, managedSide: ok('ns/s', {'management-cluster.crt': ca(100).pem})};
		const b = managed('b');
		b.tunnelCerts = {readAt: now, managedSide: ok('ns/s', {'managed-cluster.crt': 'garbage', 'management-cluster.crt': 'garbage'})};
		const c = managed('c');
		c.tunnelCerts = {readAt: now, managedSide: {state: 'forbidden', secret: 'ns/s', verb: 'get', resource: 'secrets', message: 'forbidden to get secrets ns/s'}};
		const model = new FleetModel({now: () => now});
		model.update(fleetOf(m, a, b, c), ['mgmt', 'a', 'b', 'c']);
		const {clusters} = model.view();
		expect(clusters.a!.cert).toEqual({state: 'invalid', message: 'ns/s has no managed-cluster.crt: re-apply the installation manifest from the management cluster'});
		expect(clusters.b!.cert).toEqual({state: 'invalid', message: 'ns/s managed-cluster.crt is not a PEM certificate (no BEGIN/END CERTIFICATE block)'});
		expect(clusters.c!.cert).toEqual({state: 'forbidden', verb: 'get', resource: 'secrets', message: 'forbidden to get secrets ns/s'});
		expect(clusters.c!.health).toBe('healthy');
	});

	it('says when the clock alone changed what a row\'s certificates read as (the same certificates re-read need no recompute otherwise)', () => {
		const authority = ca(400);
		const m = mgmt('mgmt', [managedCluster('managed-1', 'True')]);
		m.tunnelCerts = {readAt: now, managementCa: ok('s', {'tls.crt': authority.pem})};
		const c = managed('managed-1');
		c.tunnelCerts = {readAt: now, managedSide: ok('s', {'managed-cluster.crt': authority.leaf('managed-1', 31), 'management-cluster.crt': authority.pem})};
		// Six hours before `now`: 31 days and 6 hours left, away from a day's boundary.
		let clock = now - 6 * 3_600_000;
		const model = new FleetModel({now: () => clock});
		model.update(fleetOf(m, c), ['mgmt', 'managed-1']);
		expect(model.view().clusters['managed-1']!.cert).toMatchObject({state: 'ok', message: expect.stringContaining('expires in 31d')});
		clock += 60_000;
		expect(model.certOutdated('managed-1')).toBe(false);
		expect(model.certOutdated('mgmt')).toBe(false);
		// Two days on: 29 days left, a warning now, though nothing was read again.
		clock += 2 * day;
		expect(model.certOutdated('managed-1')).toBe(true);
		model.update(fleetOf(m, c), ['managed-1']);
		expect(model.view().clusters['managed-1']!.cert).toMatchObject({state: 'warning', message: expect.stringContaining('expires in 29d')});
		expect(model.certOutdated('managed-1')).toBe(false);
	});
});
