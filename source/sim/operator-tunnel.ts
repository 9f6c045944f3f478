// The management↔managed tunnel across the fleet. A managed cluster's guardian runs once its
// operator says `management-cluster-connection` is Available; it reaches the management cluster whose
// ManagementCluster address equals managementClusterAddr (and whose manager is exposed on that port);
// the management side then sets the ManagedCluster's ManagedClusterConnected condition, whose
// certificate fingerprint must match the Secret's. The managed side never learns about a drop: its
// TigeraStatus stays Available while the management side says False, as on real clusters.
import {scaled, createTimers, type SimClock} from './operator-clock.js';
import {connectionSecretName, fingerprintAnnotation, licenseKey} from './operator-calico-api.js';
import {ensureTunnelCa, parseManagedCertificate, caPublicKey, signedBy, tunnelCaSecretName, type CertificateIdentity} from './tunnel-certs.js';
import {ensureObject, getObject, listObjects, now, typeOf, writeStatus} from './operator-store.js';
import type {Operator} from './operator.js';
import type {KubeObject, ObjectStore, StoreEvent} from './types.js';
import {X509Certificate, type KeyObject} from 'node:crypto';

/**
 * Public keys of the management-cluster.crt copies guardians hold, by their text: the 1,000 managed
 * clusters of one management cluster hold the same CA, which was parsed once per guardian (~0.3 ms).
 * Bounded: a `cert-expire` on a management cluster adds a CA text each time.
 */
const trustedKeys = new Map<string, KeyObject | undefined>();
const trustedKeysLimit = 64;

function publicKeyOf(pem: string): KeyObject | undefined {
	if (trustedKeys.has(pem)) return trustedKeys.get(pem);
	let key: KeyObject | undefined;
	try {
		key = new X509Certificate(pem).publicKey;
	} catch {
		key = undefined;
	}
	if (trustedKeys.size >= trustedKeysLimit) trustedKeys.delete(trustedKeys.keys().next().value as string);
	trustedKeys.set(pem, key);
	return key;
}

export type TunnelCluster = {name: string; store: ObjectStore; operator: Operator};

export type TunnelBroker = {
	add(cluster: TunnelCluster): void;
	/** `tunnel-down C`: the managed cluster C's tunnel drops (its management cluster sees False). */
	setDown(cluster: string, down: boolean): void;
	isDown(cluster: string): boolean;
	/** The management cluster and ManagedCluster name a managed cluster is linked to, if any. */
	linkOf(cluster: string): {management: string; managedCluster: string; connected: boolean} | undefined;
	/** Recomputes every link now, ignoring delays. */
	settle(): void;
	stop(): void;
};

const connectDelayMs = 1500;

/** A ManagedCluster the simulator made without a cluster behind it (fleet remoteManaged): no tunnel to compute. */
export const remoteOnlyAnnotation = 'sim.calico-mcm.io/remote-only';
const conditionType = 'ManagedClusterConnected';

/** trusted: the management-cluster.crt the guardian holds (PEM), and its key. */
type Guardian = {addr: string; name: string; fingerprint: string; identity: CertificateIdentity; trusted: string; trustedKey?: KeyObject; trustedBy?: {ca: X509Certificate; trusted: boolean}};

type Condition = {type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string};

function guardianOf(c: TunnelCluster): Guardian | undefined {
	if (c.operator.componentState('management-cluster-connection') !== 'available') return undefined;
	const mcc = listObjects(c.store, 'operator.tigera.io/v1', 'ManagementClusterConnection')[0];
	const secret = getObject(c.store, 'v1', 'Secret', 'tigera-operator', connectionSecretName);
	const addr = (mcc?.spec as {managementClusterAddr?: string} | undefined)?.managementClusterAddr;
	const identity = parseManagedCertificate((secret?.data as Record<string, string> | undefined)?.['managed-cluster.crt']);
	if (!addr || !identity) return undefined;
	const trusted = Buffer.from(((secret?.data ?? {}) as Record<string, string>)['management-cluster.crt'] ?? '', 'base64').toString('utf8');
	return {addr, name: identity.name, fingerprint: identity.fingerprint, identity, trusted, trustedKey: publicKeyOf(trusted)};
}

/** The address a management cluster answers on, if its manager runs and a service exposes the tunnel port there. */
function endpointOf(c: TunnelCluster): {address: string; reachable: boolean} | undefined {
	const mc = listObjects(c.store, 'operator.tigera.io/v1', 'ManagementCluster')[0];
	if (!mc) return undefined;
	const address = (mc.spec as {address?: string} | undefined)?.address ?? '';
	const port = Number(/:(\d+)$/.exec(address)?.[1]);
	if (c.operator.componentState('manager') !== 'available') return {address, reachable: false};
	const names = c.operator.names;
	const exposed = listObjects(c.store, 'v1', 'Service', names.managerNamespace).some((svc) => {
		const spec = (svc.spec ?? {}) as {type?: string; selector?: Record<string, string>; ports?: Array<{port?: number; nodePort?: number; targetPort?: unknown}>};
		const selects = Object.entries(names.managerSelector).every(([k, v]) => spec.selector?.[k] === v);
		if (!selects) return false;
		return (spec.ports ?? []).some((p) => (p.targetPort === 9449 || p.targetPort === '9449' || (p.targetPort === undefined && p.port === 9449))
			&& ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === port || spec.type === 'LoadBalancer' && p.port === port));
	});
	return {address, reachable: exposed};
}

function setCondition(c: TunnelCluster, mc: KubeObject, wanted: {status: string; reason: string; message: string}): void {
	const type = typeOf(c.store, 'projectcalico.org/v3', 'ManagedCluster');
	if (!type) return;
	const status = (mc.status ?? {}) as {conditions?: Condition[]};
	const current = status.conditions?.find((x) => x.type === conditionType);
	if (current && current.status === wanted.status && (current.reason ?? '') === wanted.reason && (current.message ?? '') === wanted.message) return;
	const condition: Condition = {
		type: conditionType, status: wanted.status, reason: wanted.reason, message: wanted.message,
		lastTransitionTime: current?.status === wanted.status ? current.lastTransitionTime : now(),
	};
	const others = (status.conditions ?? []).filter((x) => x.type !== conditionType);
	writeStatus(c.store, type, mc, {...status, conditions: [...others, condition]});
}

function copyLicense(from: TunnelCluster, to: TunnelCluster): void {
	const license = licenseKey(from.store);
	if (!license || licenseKey(to.store) || !typeOf(to.store, 'projectcalico.org/v3', 'LicenseKey')) return;
	ensureObject(to.store, {apiVersion: 'projectcalico.org/v3', kind: 'LicenseKey', metadata: {name: 'default'}, spec: license.spec});
	to.operator.log('INFO', 'controller_license', `LicenseKey "default" received from the management cluster ${from.name}`);
}

/**
 * What the TLS handshake between guardian and voltron refuses, as Go's crypto/x509 words it: an
 * expired certificate on either side, a client certificate not signed by the current tunnel CA, or a
 * CA the guardian does not trust.
 */
function handshakeError(management: TunnelCluster, guardian: Guardian): string | undefined {
	const ca = ensureTunnelCa(management.store);
	if (!ca) return 'the management cluster has no tunnel CA';
	const t = Date.now();
	const caNotAfter = Date.parse(ca.x509.validTo);
	if (caNotAfter <= t) return `x509: certificate has expired or is not yet valid: the tunnel CA expired ${new Date(caNotAfter).toISOString()}`;
	if (guardian.identity.notAfter <= t) return `x509: certificate has expired or is not yet valid: ${guardian.name}'s certificate expired ${new Date(guardian.identity.notAfter).toISOString()}`;
	if (!signedBy(guardian.identity.certificate, ca.x509)) return 'x509: certificate signed by unknown authority (the managed cluster\'s certificate is not signed by the current tunnel CA)';
	if (!trusts(guardian, ca.x509)) return 'x509: certificate signed by unknown authority (the managed cluster does not trust the current tunnel CA)';
	return undefined;
}

/** Whether the guardian's management-cluster.crt has the CA's key; remembered per guardian and CA certificate. */
function trusts(guardian: Guardian, ca: X509Certificate): boolean {
	if (!guardian.trustedKey) return false;
	if (guardian.trustedBy?.ca === ca) return guardian.trustedBy.trusted;
	const trusted = guardian.trustedKey.equals(caPublicKey(ca));
	guardian.trustedBy = {ca, trusted};
	return trusted;
}


type Endpoint = {address: string; reachable: boolean};
type Link = {management: string; managedCluster: string; connected: boolean};

/** The condition a link that is not connected shows, as the management side words it. */
function disconnectedCondition(endpoint: Endpoint | undefined, tlsError: string | undefined, tunnelDown: boolean, current: Condition | undefined): {status: string; reason: string; message: string} {
	if (!endpoint) return {status: 'False', reason: 'NotManagementCluster', message: 'This cluster is no longer a management cluster: ManagementCluster not found'};
	if (tlsError) return {status: 'False', reason: 'Disconnected', message: `The tunnel cannot be established: ${tlsError}`};
	if (tunnelDown) return {status: 'False', reason: 'Disconnected', message: 'The tunnel to the managed cluster is down'};
	if (current && current.status !== 'Unknown') return {status: 'False', reason: 'Disconnected', message: 'The managed cluster is not connected'};
	return {status: 'Unknown', reason: '', message: ''};
}

/** Which store events can change a link: ManagedClusters (their fingerprint), licenses, the MCM objects, services and the tunnel secrets. */
function relevant(event: StoreEvent): boolean {
	const t = event.resourceType;
	if (t.group === 'projectcalico.org') {
		if (t.kind === 'LicenseKey') return true;
		if (t.kind !== 'ManagedCluster') return false;
		return event.type !== 'MODIFIED' || event.old?.metadata.annotations?.[fingerprintAnnotation] !== event.object.metadata.annotations?.[fingerprintAnnotation];
	}
	if (t.group === 'operator.tigera.io') return t.kind === 'ManagementCluster' || t.kind === 'ManagementClusterConnection';
	if (t.group === '') return t.resource === 'services' || (t.resource === 'secrets' && (event.object.metadata.name === connectionSecretName || event.object.metadata.name === tunnelCaSecretName));
	return false;
}

/**
 * Recomputes links when something relevant changes, batched per turn of the event loop: a change on
 * a managed cluster (its guardian) recomputes every management cluster that has ManagedClusters; a
 * change on a management cluster recomputes its own links.
 */
class SimTunnelBroker implements TunnelBroker {
	private readonly clusters = new Map<string, TunnelCluster & {unsubscribe: () => void}>();
	private readonly guardians = new Map<string, Guardian>();
	private readonly guardianByKey = new Map<string, string>();
	private readonly withManagedClusters = new Set<string>();
	private readonly down = new Set<string>();
	/** Links whose connect delay has passed: `${management}/${managedCluster}`. */
	private readonly warm = new Set<string>();
	private readonly pendingLinks = new Map<string, () => void>();
	private readonly links = new Map<string, Link>();
	private readonly refusedLogged = new Map<string, string>();
	private readonly dirty = new Set<string>();
	private readonly timers = createTimers();
	private flushScheduled = false;
	private stopped = false;

	constructor(private readonly clock: SimClock) {}

	add(cluster: TunnelCluster): void {
		const unsubscribeStore = cluster.store.subscribe((event) => {
			if (relevant(event)) this.markDirty(cluster.name);
		});
		const unsubscribeOperator = cluster.operator.onChange(() => this.markDirty(cluster.name));
		this.clusters.set(cluster.name, {...cluster, unsubscribe: () => {
			unsubscribeStore();
			unsubscribeOperator();
		}});
		this.markDirty(cluster.name);
	}

	setDown(cluster: string, isDown: boolean): void {
		if (isDown) this.down.add(cluster);
		else this.down.delete(cluster);
		const link = this.links.get(cluster);
		// The management side notices at once: the acknowledgement means the condition is written.
		const management = link ? this.clusters.get(link.management) : undefined;
		if (management) {
			this.dirty.add(cluster);
			this.flush();
			this.recomputeManagement(management, link?.managedCluster);
		} else {
			this.markDirty(cluster);
		}
	}

	isDown(cluster: string): boolean {
		return this.down.has(cluster);
	}

	linkOf(cluster: string): Link | undefined {
		return this.links.get(cluster);
	}

	settle(): void {
		const instant = this.clock.instant;
		this.clock.instant = true;
		try {
			for (const name of this.clusters.keys()) this.dirty.add(name);
			this.flush();
		} finally {
			this.clock.instant = instant;
		}
	}

	stop(): void {
		this.stopped = true;
		this.timers.clear();
		for (const c of this.clusters.values()) c.unsubscribe();
	}

	private markDirty(name: string): void {
		this.dirty.add(name);
		if (this.flushScheduled || this.stopped) return;
		this.flushScheduled = true;
		setImmediate(() => {
			this.flushScheduled = false;
			if (!this.stopped) this.flush();
		});
	}

	private flush(): void {
		const changedGuardians = new Set<string>();
		const names = [...this.dirty];
		this.dirty.clear();
		for (const name of names) if (this.refreshGuardian(name)) changedGuardians.add(name);
		const managementSide = new Set(names);
		if (changedGuardians.size > 0) for (const name of this.withManagedClusters) managementSide.add(name);
		for (const name of managementSide) {
			const c = this.clusters.get(name);
			if (c) this.recomputeManagement(c);
		}
	}

	/** Reads cluster `name`'s guardian again; true when it changed. */
	private refreshGuardian(name: string): boolean {
		const c = this.clusters.get(name);
		if (!c) return false;
		const before = this.guardians.get(name);
		const after = guardianOf(c);
		if (before?.addr === after?.addr && before?.name === after?.name && before?.fingerprint === after?.fingerprint && before?.trusted === after?.trusted) return false;
		if (before) this.guardianByKey.delete(`${before.name}/${before.fingerprint}`);
		if (after) {
			this.guardians.set(name, after);
			this.guardianByKey.set(`${after.name}/${after.fingerprint}`, name);
		} else {
			this.guardians.delete(name);
			this.links.delete(name);
		}
		this.refusedLogged.delete(name);
		return true;
	}

	/**
	 * Every ManagedCluster's condition on management cluster `c`, or only the one named `only` (a tunnel
	 * flip changes that link alone: a storm of flips must not cost one pass over the fleet each).
	 */
	private recomputeManagement(c: TunnelCluster, only?: string): void {
		const mcType = typeOf(c.store, 'projectcalico.org/v3', 'ManagedCluster');
		const one = only !== undefined && mcType ? c.store.get(mcType, undefined, only) : undefined;
		if (only !== undefined && !one) {
			this.recomputeManagement(c);
			return;
		}
		const managedClusters = one ? [one] : mcType ? c.store.list(mcType) : [];
		if (!one) {
			if (managedClusters.length > 0) this.withManagedClusters.add(c.name);
			else this.withManagedClusters.delete(c.name);
		}
		const endpoint = endpointOf(c);
		// The operator makes the tunnel CA as soon as the cluster is a management cluster.
		if (endpoint) ensureTunnelCa(c.store);
		const seen = new Set<string>();
		for (const mc of managedClusters) {
			if (mc.metadata.annotations?.[remoteOnlyAnnotation]) continue;
			seen.add(this.recomputeLink(c, mc, endpoint));
		}
		if (!one) for (const key of [...this.warm]) if (key.startsWith(`${c.name}/`) && !seen.has(key)) this.warm.delete(key);
	}

	/** One ManagedCluster of management cluster `c`: its guardian, whether it reaches `endpoint`, its condition. Returns the link's key. */
	private recomputeLink(c: TunnelCluster, mc: KubeObject, endpoint: Endpoint | undefined): string {
		const link = `${c.name}/${mc.metadata.name}`;
		const fingerprint = mc.metadata.annotations?.[fingerprintAnnotation] ?? '';
		const managedName = this.guardianByKey.get(`${mc.metadata.name}/${fingerprint}`);
		const guardian = managedName ? this.guardians.get(managedName) : undefined;
		const reaches = guardian !== undefined && endpoint !== undefined && endpoint.reachable && guardian.addr === endpoint.address;
		const managed = managedName ? this.clusters.get(managedName) : undefined;
		if (managedName && guardian && !reaches) this.logRefused(managedName, guardian, endpoint);
		const tlsError = reaches && guardian ? handshakeError(c, guardian) : undefined;
		if (managedName && tlsError) this.logLine(managedName, `guardian: tls handshake with ${guardian?.addr}: ${tlsError}`);
		const tunnelDown = this.down.has(managedName as string);
		const connected = reaches && !tlsError && !tunnelDown;
		const current = ((mc.status ?? {}) as {conditions?: Condition[]}).conditions?.find((x) => x.type === conditionType);
		if (managedName) this.links.set(managedName, {management: c.name, managedCluster: mc.metadata.name, connected: false});
		if (!connected) {
			this.warm.delete(link);
			this.pendingLinks.get(link)?.();
			this.pendingLinks.delete(link);
			setCondition(c, mc, disconnectedCondition(endpoint, tlsError, reaches && tunnelDown, current));
			return link;
		}
		if (!this.warm.has(link)) this.warmUp(link, c.name);
		if (this.warm.has(link)) {
			setCondition(c, mc, {status: 'True', reason: 'Connected', message: 'Connected to the managed cluster'});
			this.links.set(managedName as string, {management: c.name, managedCluster: mc.metadata.name, connected: true});
			if (managed) copyLicense(c, managed);
		} else if (!current) {
			setCondition(c, mc, {status: 'Unknown', reason: '', message: ''});
		}
		return link;
	}

	/** A link that can connect does so after the connect delay (at once when the clock is instant). */
	private warmUp(link: string, management: string): void {
		const ms = scaled(this.clock, connectDelayMs);
		if (ms === 0) this.warm.add(link);
		else if (!this.pendingLinks.has(link)) {
			this.pendingLinks.set(link, this.timers.after(ms, () => {
				this.pendingLinks.delete(link);
				this.warm.add(link);
				this.markDirty(management);
			}));
		}
	}

	private logLine(managedName: string, line: string): void {
		if (this.refusedLogged.get(managedName) === line) return;
		this.refusedLogged.set(managedName, line);
		this.clusters.get(managedName)?.operator.log('ERROR', 'guardian', line);
	}

	private logRefused(managedName: string, guardian: Guardian, endpoint: Endpoint | undefined): void {
		const why = !endpoint || guardian.addr !== endpoint.address ? 'no management cluster answers there'
			: 'the management cluster does not expose its manager on that port';
		this.logLine(managedName, `guardian: dial tcp ${guardian.addr}: connect: connection refused (${why})`);
	}
}

export function startTunnelBroker(options: {clock: SimClock}): TunnelBroker {
	return new SimTunnelBroker(options.clock);
}
