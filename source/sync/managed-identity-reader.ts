import type {ClusterClient} from '../kube/client.js';
import {Cut} from '../kube/cut.js';
import {connectionSecretRef, identityFromCertificate, type ManagedIdentity} from '../mcm/managed-identity.js';
import {managedCertKey, managementCaCopyKey, type SecretRead} from '../mcm/tunnel-cert.js';
import {readCertificateSecret} from '../mcm/tunnel-cert-read.js';

// Reads a managed cluster's identity (its tunnel certificate) once per change of its
// ManagementClusterConnection, instead of watching the Secret: the certificate only changes when
// the installation manifest is applied again, which also updates that object. At most one read per
// cluster is in flight; a change while it runs triggers one more read after it.
//
// The same GET gives the CERT column its managed side (tunnel-cert-sync.ts reads that Secret too, on
// its refresh): one request per managed cluster at start instead of two, and no second round of
// reads after the rows are complete.

export type IdentityRead = {
	identity?: ManagedIdentity;
	/** The Secret as tunnel-cert-sync reads it (certificates only); undefined when there is no ManagementClusterConnection. */
	managedSide?: SecretRead;
};

export type IdentityReader = {
	/** The ManagementClusterConnection objects changed (key: their resourceVersions; '' = none). */
	changed(key: string): void;
	/** Reads under way (the one-shot status waits for them). */
	readonly pending: boolean;
	stop(): void;
};

/** `onIdle`: called when the reads under way are over (pending turned false). */
export function createIdentityReader(client: ClusterClient, onIdentity: (read: IdentityRead) => void, onIdle?: () => void): IdentityReader {
	let wanted = '';
	let read = '';
	let running = false;
	// The read under way's cut (client.ts onCut): a cluster's reader lives as long as the console, and
	// an AbortController kept for each of a fleet's clusters was heap and a listener per read.
	const cut = new Cut();
	const hold = (end: () => void) => cut.hold(end);
	const run = async () => {
		running = true;
		while (!cut.stopped && read !== wanted) {
			const key = wanted;
			const result: IdentityRead = {};
			if (key !== '') {
				// Not found, forbidden (no get on Secrets) or unreachable: no identity (match by mapping or name
				// instead), and the CERT column says why.
				result.managedSide = await readCertificateSecret(client, connectionSecretRef.namespace, connectionSecretRef.name, [managedCertKey, managementCaCopyKey], {onCut: hold});
				cut.hold(undefined);
				const pem = result.managedSide.state === 'ok' ? result.managedSide.certificates[managedCertKey] : undefined;
				if (pem) result.identity = identityFromCertificate(pem);
			}
			read = key;
			if (!cut.stopped) onIdentity(result);
		}
		running = false;
		if (!cut.stopped) onIdle?.();
	};
	return {
		changed(key) {
			wanted = key;
			if (!running && read !== wanted && !cut.stopped) void run();
		},
		get pending() {
			return running;
		},
		stop() {
			cut.stop();
		},
	};
}
