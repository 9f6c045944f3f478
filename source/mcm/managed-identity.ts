import {dns1123SubdomainError} from '../kube/object-identity.js';
import {certificateFacts, type CertificateFacts} from './certificate-facts.js';

// Which ManagedCluster a kubeconfig context is. Context names rarely equal ManagedCluster names
// (EKS/GKE contexts are ARNs and gke_project_zone_name strings), so a context is matched by the
// managed cluster's own identity: the tunnel certificate in its tigera-managed-cluster-connection
// Secret (key managed-cluster.crt). Calico Enterprise issues that certificate when the
// ManagedCluster is created: subject CN = the ManagedCluster's name, and the hex SHA-256 of its DER
// stored on the ManagedCluster as the annotation certs.tigera.io/active-fingerprint; voltron accepts
// the tunnel only from a certificate with that fingerprint. So:
//   1. certificate: the fingerprint equals a ManagedCluster's annotation (or, without one, its name
//      equals the certificate's CN);
//   2. mapping: the user's explicit `managedClusterNames: {context: managedClusterName}` (config file
//      section, or --managed-cluster-name context=name), for when the Secret cannot be read;
//   3. name: the ManagedCluster is named like the context.

export const fingerprintAnnotation = 'certs.tigera.io/active-fingerprint';

/** The Secret the installation manifest creates on the managed cluster (its operator namespace). */
export const connectionSecretRef = {namespace: 'tigera-operator', name: 'tigera-managed-cluster-connection', certificateKey: 'managed-cluster.crt'} as const;

/** Context name → ManagedCluster name, given by the user (config file `managedClusterNames`, or flags). */
export type ManagedClusterNames = Readonly<Record<string, string>>;

/** What a managed cluster's tunnel certificate says about it. */
export type ManagedIdentity = {
	/** Subject CN: the name of the ManagedCluster it was issued for. */
	commonName: string;
	/** Hex SHA-256 of the certificate's DER. */
	fingerprint: string;
};

export type MatchedBy = 'certificate' | 'mapping' | 'name';

/** How a match is described on a row. */
export const matchedByText: Record<MatchedBy, string> = {
	certificate: "matched by its tunnel certificate",
	mapping: 'matched by managedClusterNames',
	name: 'matched by name',
};

/**
 * The identity in a tigera-managed-cluster-connection Secret. Only the certificate is read; the
 * Secret's private key is never kept. Undefined when the Secret has no parsable certificate.
 */
export function identityFromSecret(secret: unknown): ManagedIdentity | undefined {
	const data = (secret as {data?: Record<string, unknown>} | null | undefined)?.data;
	const value = data?.[connectionSecretRef.certificateKey];
	if (typeof value !== 'string' || value === '') return undefined;
	const decoded = Buffer.from(value, 'base64');
	const pem = decoded.toString('utf8');
	return pem.startsWith('-----BEGIN') ? identityFromCertificate(pem) : identityOf(() => certificateFacts(value, () => decoded));
}

/**
 * The identity in the PEM text of a managed-cluster.crt (as the CERT column reads it: the certificate
 * is parsed once for both). Undefined when it does not parse or has no CN.
 */
export function identityFromCertificate(pem: string): ManagedIdentity | undefined {
	return identityOf(() => certificateFacts(pem));
}

function identityOf(read: () => CertificateFacts): ManagedIdentity | undefined {
	try {
		const {commonName, sha256} = read();
		return commonName ? {commonName, fingerprint: sha256} : undefined;
	} catch {
		return undefined;
	}
}

/** `--managed-cluster-name context=name` values → the mapping; throws a message naming the bad value. */
export function parseManagedClusterNames(values: readonly string[]): ManagedClusterNames {
	const out: Record<string, string> = {};
	for (const value of values) {
		const at = value.lastIndexOf('=');
		const context = at > 0 ? value.slice(0, at) : '';
		const name = at > 0 ? value.slice(at + 1) : '';
		// The same rule kube-apiserver applies to a ManagedCluster's name (a DNS-1123 subdomain).
		const why = at < 0 ? 'no "=" in it' : context ? dns1123SubdomainError(name) : 'no context before "="';
		if (why) {
			throw new Error(`invalid --managed-cluster-name "${value}": expected CONTEXT=MANAGEDCLUSTER, the ManagedCluster name a lowercase DNS name (e.g. pm1=managed-1); ${context ? `the name ${why}` : why}`);
		}
		out[context] = name;
	}
	return out;
}
