import {certificateFacts, issuedBy, type CertificateFacts} from './certificate-facts.js';

// The tunnel's certificates and what they say about a managed cluster's future: when the earliest
// one expires (warning < 30 days, critical < 7 days, expired), whether the managed cluster's
// certificate chains to its management cluster's current tunnel CA, and whether the CA copy the
// managed cluster trusts is still that CA. Pure functions over certificate PEMs: reading them (and
// dropping the private key at once) is tunnel-cert-read.ts.

/** On a managed cluster: what its installation manifest brought. */
export const managedSecret = {namespace: 'tigera-operator', name: 'tigera-managed-cluster-connection'} as const;
export const managedCertKey = 'managed-cluster.crt';
export const managementCaCopyKey = 'management-cluster.crt';
/** On a management cluster: the tunnel CA (ManagementCluster spec.tls.secretName overrides the name). */
export const managementCaSecret = {namespace: 'tigera-operator', name: 'tigera-management-cluster-connection'} as const;
/** tls.crt since operator v1.30; older operators wrote management-cluster.crt or cert. */
export const managementCaKeys = ['tls.crt', 'management-cluster.crt', 'cert'] as const;

export const warningDays = 30;
export const criticalDays = 7;
const day = 24 * 60 * 60 * 1000;

/** One secret as read: only the certificate keys asked for, as PEM; never a key. */
export type SecretRead =
	| {state: 'ok'; secret: string; certificates: Record<string, string>}
	| {state: 'missing'; secret: string; message: string}
	| {state: 'invalid'; secret: string; message: string}
	| {state: 'forbidden'; secret: string; verb: string; resource: string; message: string}
	| {state: 'error'; secret: string; message: string};

/** What one context's certificate reads found (plain data, replaced as a whole on every read). */
export type TunnelCertFacts = {
	/** A managed cluster's tigera-managed-cluster-connection. */
	managedSide?: SecretRead;
	/** A management cluster's tunnel CA secret. */
	managementCa?: SecretRead;
	readAt: number;
};

export type CertState = 'ok' | 'warning' | 'critical' | 'expired' | 'untrusted' | 'invalid' | 'missing' | 'forbidden' | 'unknown';

/** What the CERT column, `status --json` and exit codes show for one row. */
export type TunnelCertStatus = {
	state: CertState;
	/** Epoch ms of the earliest notAfter among the certificates the tunnel depends on. */
	notAfter?: number;
	/** Which certificate expires first. */
	earliest?: string;
	/** Managed rows: the managed certificate is signed by the management cluster's current CA (undefined: not checked). */
	chained?: boolean;
	/** Managed rows: the CA the managed cluster trusts is not the management cluster's current one. */
	caDiffers?: boolean;
	message: string;
	/** For forbidden: what was refused. */
	verb?: string;
	resource?: string;
};

/** Cert states that are a health problem (exit code 1). */
export function isCertProblem(state: CertState | undefined): boolean {
	return state === 'warning' || state === 'critical' || state === 'expired' || state === 'untrusted' || state === 'invalid';
}

/** ok / warning / critical / expired for a notAfter. */
export function expiryState(notAfter: number, now: number): 'ok' | 'warning' | 'critical' | 'expired' {
	const left = notAfter - now;
	if (left <= 0) return 'expired';
	if (left < criticalDays * day) return 'critical';
	if (left < warningDays * day) return 'warning';
	return 'ok';
}

/** The first PEM certificate of a text (parsed once per distinct text); throws a message naming what is wrong. */
export function parseCertificate(pem: string, what: string): CertificateFacts {
	if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) throw new Error(`${what} is not a PEM certificate (no BEGIN/END CERTIFICATE block)`);
	try {
		return certificateFacts(pem);
	} catch (error) {
		throw new Error(`${what} is not a valid X.509 certificate: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/** "in 12d", "in 5h", "expired 3d ago". */
export function describeExpiry(notAfter: number, now: number): string {
	const left = notAfter - now;
	const span = (ms: number) => (ms >= day ? `${Math.floor(ms / day)}d` : ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)}h` : `${Math.max(1, Math.floor(ms / 60_000))}m`);
	return left > 0 ? `in ${span(left)}` : `${span(-left)} ago`;
}

function unreadable(read: Exclude<SecretRead, {state: 'ok'}>): TunnelCertStatus {
	const status: TunnelCertStatus = {state: read.state === 'error' ? 'unknown' : read.state, message: read.message};
	if (read.state === 'forbidden') {
		status.verb = read.verb;
		status.resource = read.resource;
	}
	return status;
}

type Dated = {what: string; certificate: CertificateFacts};

function earliest(certs: Dated[], now: number): Pick<TunnelCertStatus, 'state' | 'notAfter' | 'earliest' | 'message'> {
	let first: Dated | undefined;
	for (const c of certs) if (!first || c.certificate.notAfter < first.certificate.notAfter) first = c;
	if (!first) return {state: 'unknown', message: 'no certificate'};
	const notAfter = first.certificate.notAfter;
	const state = expiryState(notAfter, now);
	const when = describeExpiry(notAfter, now);
	return {
		state,
		notAfter,
		earliest: first.what,
		message: state === 'expired' ? `${first.what} expired ${when} (${new Date(notAfter).toISOString()})` : `${first.what} expires ${when} (${new Date(notAfter).toISOString()})`,
	};
}

/** A management cluster's tunnel CA. */
export function assessManagementCa(read: SecretRead | undefined, now: number): TunnelCertStatus | undefined {
	if (!read) return undefined;
	if (read.state !== 'ok') return unreadable(read);
	const [key, pem] = Object.entries(read.certificates)[0] ?? [];
	if (!key || !pem) return {state: 'invalid', message: `${read.secret} has none of ${managementCaKeys.join(', ')}`};
	try {
		return earliest([{what: `tunnel CA (${read.secret} ${key})`, certificate: parseCertificate(pem, `${read.secret} ${key}`)}], now);
	} catch (error) {
		return {state: 'invalid', message: (error as Error).message};
	}
}

/**
 * A managed cluster: the earliest of its certificate, the CA copy it trusts and (when readable) the
 * management cluster's current CA; its certificate must chain to that CA.
 */
export function assessManaged(managedSide: SecretRead | undefined, managementCa: SecretRead | undefined, management: string | undefined, now: number): TunnelCertStatus | undefined {
	if (!managedSide) return undefined;
	if (managedSide.state !== 'ok') return unreadable(managedSide);
	const where = managedSide.secret;
	let leaf: CertificateFacts;
	let copy: CertificateFacts;
	let leafPem: string;
	let copyPem: string;
	try {
		leafPem = managedSide.certificates[managedCertKey] ?? '';
		copyPem = managedSide.certificates[managementCaCopyKey] ?? '';
		const missing = [managedCertKey, managementCaCopyKey].filter((k) => !managedSide.certificates[k]);
		if (missing.length > 0 || !leafPem || !copyPem) return {state: 'invalid', message: `${where} has no ${missing.join(', ')}: re-apply the installation manifest from the management cluster`};
		leaf = parseCertificate(leafPem, `${where} ${managedCertKey}`);
		copy = parseCertificate(copyPem, `${where} ${managementCaCopyKey}`);
	} catch (error) {
		return {state: 'invalid', message: (error as Error).message};
	}
	const dated: Dated[] = [{what: managedCertKey, certificate: leaf}, {what: managementCaCopyKey, certificate: copy}];
	let current: CertificateFacts | undefined;
	let currentPem: string | undefined;
	if (managementCa?.state === 'ok') {
		const pem = Object.values(managementCa.certificates)[0];
		try {
			if (pem) {
				current = parseCertificate(pem, managementCa.secret);
				currentPem = pem;
			}
		} catch {
			current = undefined; // the management row says what is wrong with it
		}
	}
	if (current) dated.push({what: `${management ?? 'management'} tunnel CA`, certificate: current});
	const status: TunnelCertStatus = earliest(dated, now);
	status.chained = issuedBy(leafPem, currentPem ?? copyPem);
	if (current) status.caDiffers = current.sha256 !== copy.sha256;
	if (!status.chained) {
		status.state = 'untrusted';
		status.message = `${managedCertKey} is not signed by ${current ? `${management ?? 'the management cluster'}'s current tunnel CA` : `the CA in ${managementCaCopyKey}`}: re-create the ManagedCluster and apply its new installation manifest`;
	} else if (status.caDiffers && status.state === 'ok') {
		status.message = `trusts an older tunnel CA than ${management ?? 'the management cluster'}'s current one (${status.message})`;
	}
	return status;
}

/** The CERT column: "ok 2y", "warn 12d", "crit 5h", "expired", "untrusted", "forbidden"... */
export function certLabel(status: TunnelCertStatus | undefined, now: number): string {
	if (!status) return '-';
	const left = status.notAfter === undefined ? '' : describeExpiry(status.notAfter, now).replace(/^in /, '');
	switch (status.state) {
		case 'ok':
			return status.notAfter !== undefined && status.notAfter - now > 365 * day ? `ok ${Math.floor((status.notAfter - now) / (365 * day))}y` : `ok ${left}`;
		case 'warning':
			return `warn ${left}`;
		case 'critical':
			return `crit ${left}`;
		case 'expired':
			return 'expired';
		default:
			return status.state;
	}
}
