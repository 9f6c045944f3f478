import {createPublicKey, generateKeyPairSync, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {effectiveConnected, makeConnection, readManagementSide, sidesDisagree} from '../../source/mcm/connection.js';
import {FleetMatch, matchManagedClusters, type MatchInput} from '../../source/mcm/fleet-match.js';
import {identityFromSecret, parseManagedClusterNames} from '../../source/mcm/managed-identity.js';
import {distinguishedName, issueCertificate} from '../../source/sim/tls.js';
import {issueManagedCertificate} from '../../source/sim/tunnel-certs.js';
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
		expect(result.byContext.get('x')).toEqual({management: 'mgmt-b', managedName: 'x', by: 'name'});
		expect(result.byContext.get('y')).toEqual({management: 'mgmt-a', managedName: 'y', by: 'name'});
		// mgmt-a's "x" is claimed by nobody: a remote-only row.
		expect(result.remoteOnly).toEqual([{management: 'mgmt-a', managedName: 'x'}]);
	});

	it('falls back to the name alone when it is unambiguous', () => {
		const result = matchManagedClusters([m('mgmt', 'lb.example.com:443', ['x']), c('x', '10.9.9.9:30449')]);
		expect(result.byContext.get('x')).toEqual({management: 'mgmt', managedName: 'x', by: 'name'});
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
		expect(result.byContext.get('standalone-2')).toEqual({management: 'mgmt', managedName: 'standalone-2', by: 'name'});
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

	describe('by identity: contexts named unlike their ManagedCluster', () => {
		const mgmt = (fingerprints: Record<string, string>) => ({...m('mgmt', 'a:1', Object.keys(fingerprints)), managedClusterFingerprints: new Map(Object.entries(fingerprints))});
		const identity = (commonName: string, fingerprint: string) => ({commonName, fingerprint});

		it('matches the ManagedCluster whose fingerprint annotation is that of the context\'s tunnel certificate', () => {
			const result = matchManagedClusters([mgmt({'managed-1': 'f1', 'managed-2': 'f2'}), {...c('pm1', 'a:1'), identity: identity('managed-1', 'f1')}]);
			expect(result.byContext.get('pm1')).toEqual({management: 'mgmt', managedName: 'managed-1', by: 'certificate'});
			expect(result.remoteOnly).toEqual([{management: 'mgmt', managedName: 'managed-2'}]);
		});

		it('the certificate wins over a context named like another ManagedCluster, and over a mapping', () => {
			const result = matchManagedClusters([mgmt({'managed-1': 'f1', 'managed-2': 'f2'}), {...c('managed-2', 'a:1'), identity: identity('managed-1', 'f1'), mappedName: 'managed-2'}]);
			expect(result.byContext.get('managed-2')).toEqual({management: 'mgmt', managedName: 'managed-1', by: 'certificate'});
		});

		it('without a matching fingerprint, the certificate\'s subject CN names the ManagedCluster', () => {
			const result = matchManagedClusters([mgmt({'managed-1': 'other'}), {...c('pm1', 'a:1'), identity: identity('managed-1', 'f1')}]);
			expect(result.byContext.get('pm1')).toEqual({management: 'mgmt', managedName: 'managed-1', by: 'certificate'});
		});

		it('falls back to the user\'s mapping when the certificate cannot be read, then to the name', () => {
			const result = matchManagedClusters([mgmt({'managed-1': 'f1', pm2: 'f2'}), {...c('pm1', 'a:1'), mappedName: 'managed-1'}, c('pm2', 'a:1')]);
			expect(result.byContext.get('pm1')).toEqual({management: 'mgmt', managedName: 'managed-1', by: 'mapping'});
			expect(result.byContext.get('pm2')).toEqual({management: 'mgmt', managedName: 'pm2', by: 'name'});
			expect(result.remoteOnly).toEqual([]);
		});

		it('a context not read yet claims its mapped ManagedCluster, so no second remote-only row appears', () => {
			const result = matchManagedClusters([mgmt({'managed-1': 'f1'}), {context: 'pm1', managed: 'maybe' as const, managedClusterNames: [], mappedName: 'managed-1'}]);
			expect(result.byContext.get('pm1')).toEqual({management: 'mgmt', managedName: 'managed-1', by: 'mapping'});
			expect(result.remoteOnly).toEqual([]);
		});
	});
});

describe('FleetMatch.reclaim: one context matched again', () => {
	const mgmt = {context: 'mgmt', managementAddress: 'a:1', managed: false, managedClusterNames: ['managed-1', 'managed-2'], managedClusterFingerprints: new Map([['managed-1', 'f1'], ['managed-2', 'f2']])};
	const fresh = (inputs: MatchInput[]) => {
		const result = matchManagedClusters(inputs);
		return {byContext: result.byContext, unmatched: result.unmatched, remoteOnly: result.remoteOnly};
	};
	const current = (match: FleetMatch) => ({byContext: match.byContext, unmatched: match.unmatched, remoteOnly: match.remoteOnly});

	it('moves the claim when an identity read names another ManagedCluster, and says which rows come and go', () => {
		// Not read yet: it claims the ManagedCluster named like it, managed-1 is a remote-only row.
		const before: MatchInput = {context: 'managed-2', managed: 'maybe', managedClusterNames: []};
		const match = new FleetMatch([mgmt, before]);
		expect(match.byContext.get('managed-2')).toEqual({management: 'mgmt', managedName: 'managed-2', by: 'name'});
		expect(match.remoteOnly).toEqual([{management: 'mgmt', managedName: 'managed-1'}]);
		// Its certificate says it is managed-1.
		const read: MatchInput = {...before, managed: true, managementClusterAddr: 'a:1', identity: {commonName: 'managed-1', fingerprint: 'f1'}};
		expect(match.reclaim(read)).toEqual([{management: 'mgmt', managedName: 'managed-2', claimed: false}, {management: 'mgmt', managedName: 'managed-1', claimed: true}]);
		expect(current(match)).toEqual(fresh([mgmt, read]));
		// Read again the same: nothing comes or goes.
		expect(match.reclaim({...read})).toEqual([]);
		// Its certificate unreadable again, and its address pointing nowhere known: back to the name.
		const lost: MatchInput = {context: 'managed-2', managed: true, managementClusterAddr: 'z:1', managedClusterNames: []};
		expect(match.reclaim(lost)).toEqual([{management: 'mgmt', managedName: 'managed-1', claimed: false}, {management: 'mgmt', managedName: 'managed-2', claimed: true}]);
		expect(current(match)).toEqual(fresh([mgmt, lost]));
	});

	it('keeps a ManagedCluster claimed while another context still claims it', () => {
		const a: MatchInput = {context: 'a', managed: true, managementClusterAddr: 'a:1', managedClusterNames: [], identity: {commonName: 'managed-1', fingerprint: 'f1'}};
		const b: MatchInput = {context: 'b', managed: true, managementClusterAddr: 'a:1', managedClusterNames: [], identity: {commonName: 'managed-1', fingerprint: 'f1'}};
		const match = new FleetMatch([mgmt, a, b]);
		const moved: MatchInput = {...b, identity: {commonName: 'managed-2', fingerprint: 'f2'}};
		expect(match.reclaim(moved)).toEqual([{management: 'mgmt', managedName: 'managed-2', claimed: true}]);
		expect(current(match)).toEqual(fresh([mgmt, a, moved]));
		// a's certificate cannot be read any more, and no ManagedCluster is named "a": managed-1 is nobody's.
		const gone: MatchInput = {...a, identity: undefined};
		expect(match.reclaim(gone)).toEqual([{management: 'mgmt', managedName: 'managed-1', claimed: false}]);
		expect(current(match)).toEqual(fresh([mgmt, gone, moved]));
	});
});

describe('identityFromSecret and --managed-cluster-name', () => {
	it('reads the subject CN and SHA-256 fingerprint of managed-cluster.crt, never the key', () => {
		// A tunnel CA and a managed cluster's certificate, issued as the simulator (and Calico Enterprise) does.
		const keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
		const subject = distinguishedName('tigera-voltron', 'Tigera');
		const certificate = issueCertificate({subject, issuer: subject, publicKey: keys.publicKey, signingKey: keys.privateKey, issuerPublicKey: keys.publicKey, usage: 'ca', notAfter: new Date(Date.now() + 86_400_000)});
		const issued = issueManagedCertificate({certificate, key: keys.privateKey, publicKey: createPublicKey(keys.privateKey), x509: new X509Certificate(certificate)}, 'managed-1');
		const secret = {data: {'managed-cluster.crt': Buffer.from(issued.certificate).toString('base64'), 'managed-cluster.key': Buffer.from(issued.key).toString('base64')}};
		expect(identityFromSecret(secret)).toEqual({commonName: 'managed-1', fingerprint: issued.fingerprint});
		expect(JSON.stringify(identityFromSecret(secret))).not.toContain('PRIVATE');
		expect(identityFromSecret({data: {'managed-cluster.crt': Buffer.from('not a certificate').toString('base64')}})).toBeUndefined();
		expect(identityFromSecret(undefined)).toBeUndefined();
	});

	it('parses CONTEXT=NAME, and refuses a value without a valid ManagedCluster name', () => {
		expect(parseManagedClusterNames(['pm1=managed-1', 'arn:aws:eks:eu-west-1:1:cluster/x=x'])).toEqual({pm1: 'managed-1', 'arn:aws:eks:eu-west-1:1:cluster/x': 'x'});
		expect(() => parseManagedClusterNames(['pm1'])).toThrow(/invalid --managed-cluster-name "pm1": expected CONTEXT=MANAGEDCLUSTER.*; no "=" in it/);
		expect(() => parseManagedClusterNames(['pm1=Managed_1'])).toThrow(/lowercase DNS name/);
		// What kube-apiserver refuses in a ManagedCluster's name is refused here, with its reason.
		expect(() => parseManagedClusterNames(['pm1=a..b'])).toThrow(/the name must consist of lower case alphanumeric characters/);
		expect(() => parseManagedClusterNames([`pm1=${'a'.repeat(254)}`])).toThrow(/no more than 253 characters/);
		expect(() => parseManagedClusterNames(['=managed-1'])).toThrow(/no context before "="/);
	});
});
