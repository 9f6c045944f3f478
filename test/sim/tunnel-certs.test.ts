// The tunnel's certificates are real X.509, chained to the management cluster's tunnel CA, and
// `cert-expire` drives every state a console must show; an expired or foreign certificate drops the
// tunnel, as voltron's TLS handshake would.
import {createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {distinguishedName, generateP256KeyPair, issueCertificate} from '../../source/sim/tls.js';
import {kubeClients, startTestFleet, waitFor, type TestFleet} from '../helpers/fleet.js';

const day = 24 * 60 * 60 * 1000;
const pem = (data: Record<string, string> | undefined, key: string) => new X509Certificate(Buffer.from(data?.[key] ?? '', 'base64').toString('utf8'));

describe('tunnel certificates', () => {
	let fleet: TestFleet;
	beforeAll(async () => {
		fleet = await startTestFleet({managed: 2, standalone: 0, bare: 0});
	});
	afterAll(async () => fleet?.stop());

	const secrets = async () => {
		const managed = await kubeClients(fleet, 'managed-1').core.readNamespacedSecret({name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'});
		const ca = await kubeClients(fleet, 'mgmt').core.readNamespacedSecret({name: 'tigera-management-cluster-connection', namespace: 'tigera-operator'});
		return {managed: managed.data, ca: ca.data};
	};

	it('issues each managed cluster a certificate signed by the management cluster\'s tunnel CA', async () => {
		const {managed, ca} = await secrets();
		const leaf = pem(managed, 'managed-cluster.crt');
		const caCert = pem(ca, 'tls.crt');
		expect(leaf.subject).toContain('CN=managed-1');
		expect(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey)).toBe(true);
		expect(pem(managed, 'management-cluster.crt').fingerprint256).toBe(caCert.fingerprint256);
		expect(Date.parse(leaf.validTo) - Date.now()).toBeGreaterThan(800 * day);
		const annotation = fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', 'managed-1')?.metadata.annotations?.['certs.tigera.io/active-fingerprint'];
		expect(annotation).toBe(leaf.fingerprint256.replace(/:/g, '').toLowerCase());
	});

	it('hands each managed cluster the private key of its certificate, as the PKCS#8 PEM OpenSSL writes', async () => {
		const {managed} = await secrets();
		const keyPem = Buffer.from(managed?.['managed-cluster.key'] ?? '', 'base64').toString('utf8');
		const key = createPrivateKey(keyPem);
		expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
		expect(key.export({type: 'pkcs8', format: 'pem'})).toBe(keyPem);
		const spki = (k: ReturnType<typeof createPublicKey>) => k.export({type: 'spki', format: 'der'}).toString('hex');
		expect(spki(createPublicKey(key))).toBe(spki(pem(managed, 'managed-cluster.crt').publicKey));
		const other = Buffer.from((await kubeClients(fleet, 'managed-2').core.readNamespacedSecret({name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'})).data?.['managed-cluster.key'] ?? '', 'base64').toString('utf8');
		expect(other).not.toBe(keyPem);
	});

	it('every generated key pair is one OpenSSL reads back byte for byte, a private scalar with leading zero bytes too', () => {
		// 1 in 256 scalars starts with a zero byte, which ECDH's getPrivateKey leaves out: 2,000 pairs
		// include one with near certainty (1 - (255/256)^2000 > 0.9996).
		let short = 0;
		for (let i = 0; i < 2000; i++) {
			const {spki, pkcs8Pem} = generateP256KeyPair();
			const key = createPrivateKey(pkcs8Pem);
			expect(key.export({type: 'pkcs8', format: 'pem'})).toBe(pkcs8Pem);
			expect(createPublicKey(key).export({type: 'spki', format: 'der'}).equals(spki)).toBe(true);
			const d = Buffer.from(key.export({format: 'jwk'}).d as string, 'base64url');
			if (d[0] === 0) short++;
		}
		expect(short).toBeGreaterThan(0);
	});

	it('cert-expire C DAYS re-issues the certificate; an expired one drops the tunnel, a renewed one restores it', async () => {
		expect(await fleet.control('cert-expire managed-1 12')).toMatch(/^ok cert-expire managed-1 12: certificate of managed-1 now expires /);
		const {managed} = await secrets();
		const days = (Date.parse(pem(managed, 'managed-cluster.crt').validTo) - Date.now()) / day;
		expect(days).toBeGreaterThan(11.9);
		expect(days).toBeLessThanOrEqual(12);
		await waitFor(() => fleet.connected('managed-1') === 'True');

		expect(await fleet.control('cert-expire managed-1 -1')).toMatch(/^ok /);
		await waitFor(() => fleet.connected('managed-1') === 'False', {message: 'expired certificate should drop the tunnel'});
		const condition = (fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', 'managed-1')?.status as {conditions: Array<{type: string; message: string}>}).conditions
			.find((c) => c.type === 'ManagedClusterConnected');
		expect(condition?.message).toMatch(/x509: certificate has expired/);
		expect(fleet.connected('managed-2')).toBe('True');

		await fleet.certExpire('managed-1', 400);
		await waitFor(() => fleet.connected('managed-1') === 'True', {message: 'a renewed certificate should restore the tunnel'});
	});

	it('cert-expire on the management cluster re-issues its CA with the same key, and every managed copy follows', async () => {
		expect(await fleet.control('cert-expire mgmt 5')).toMatch(/tunnel CA of mgmt now expires .* \(2 managed clusters updated\)/);
		const {managed, ca} = await secrets();
		const caCert = pem(ca, 'tls.crt');
		expect((Date.parse(caCert.validTo) - Date.now()) / day).toBeCloseTo(5, 1);
		expect(pem(managed, 'management-cluster.crt').fingerprint256).toBe(caCert.fingerprint256);
		expect(pem(managed, 'managed-cluster.crt').verify(caCert.publicKey)).toBe(true);
		await waitFor(() => fleet.connected('managed-1') === 'True' && fleet.connected('managed-2') === 'True');
	});

	it('a managed certificate signed by another CA does not connect', async () => {
		const {core} = kubeClients(fleet, 'managed-2');
		const secret = await core.readNamespacedSecret({name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator'});
		const other = generateKeyPairSync('ec', {namedCurve: 'P-256'});
		const leaf = issueCertificate({subject: distinguishedName('managed-2', 'Tigera'), issuer: distinguishedName('tigera-voltron', 'Tigera'),
			publicKey: other.publicKey, signingKey: other.privateKey, issuerPublicKey: other.publicKey, usage: 'client'});
		secret.data = {...secret.data, 'managed-cluster.crt': Buffer.from(leaf).toString('base64')};
		delete secret.metadata?.resourceVersion;
		await core.replaceNamespacedSecret({name: 'tigera-managed-cluster-connection', namespace: 'tigera-operator', body: secret});
		await waitFor(() => fleet.connected('managed-2') === 'False');
	});

	it('a tunnel flip re-checks only its own cluster, and a foreign certificate stays refused across flips', async () => {
		const condition = (name: string) => (fleet.get('mgmt', 'projectcalico.org/v3', 'ManagedCluster', name)?.status as {conditions: Array<{type: string; status: string; message: string}>}).conditions
			.find((c) => c.type === 'ManagedClusterConnected');
		// managed-2 holds the certificate signed by another CA (the test above).
		const refused = condition('managed-2');
		expect(refused?.status).toBe('False');
		expect(await fleet.control('tunnel-down managed-2')).toBe('ok tunnel-down managed-2');
		expect(await fleet.control('tunnel-up managed-2')).toBe('ok tunnel-up managed-2');
		expect(condition('managed-2')).toMatchObject({status: 'False', message: refused?.message});
		expect(condition('managed-1')?.status).toBe('True');
		// The flip of managed-1 is answered with its condition written, the other cluster's untouched.
		const before = JSON.stringify(condition('managed-2'));
		expect(await fleet.control('tunnel-down managed-1')).toBe('ok tunnel-down managed-1');
		expect(condition('managed-1')).toMatchObject({status: 'False', message: 'The tunnel to the managed cluster is down'});
		expect(JSON.stringify(condition('managed-2'))).toBe(before);
		expect(await fleet.control('tunnel-up managed-1')).toBe('ok tunnel-up managed-1');
		expect(condition('managed-1')?.status).toBe('True');
	});

	it('refuses a malformed control and an unknown cluster, naming the fix', async () => {
		expect(await fleet.control('cert-expire managed-1')).toMatch(/^error: cert-expire needs a number of days/);
		expect(await fleet.control('cert-expire managed-1 soon')).toMatch(/^error: cert-expire needs a number of days/);
		expect(await fleet.control('cert-expire nope 3')).toMatch(/^error: unknown cluster "nope"/);
	});
});
