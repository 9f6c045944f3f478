import type {ClusterClient} from '../kube/client.js';
import {Cut} from '../kube/cut.js';
import {connectionSecretRef, identityFromCertificate, type ManagedIdentity} from '../mcm/managed-identity.js';
import {managedCertKey, managementCaCopyKey, type SecretRead} from '../mcm/tunnel-cert.js';
import {askCertificateSecret, readCertificateSecret} from '../mcm/tunnel-cert-read.js';

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
	/**
	 * Asks the Secret now, before the ManagementClusterConnection list said whether there is one (the
	 * one-shot status, for a cluster managed at its last run: managed-hint-file.ts): the first read takes
	 * this answer; if the first listing finds no connection, it is dropped.
	 */
	askAhead(): void;
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
	/** The Secret asked ahead (askAhead), until the first read takes it or it is dropped. */
	let ahead: {answer: Promise<{data?: unknown}>; cut(): void} | undefined;
	const run = async () => {
		running = true;
		while (!cut.stopped && read !== wanted) {
			const key = wanted;
			const result: IdentityRead = {};
			if (key !== '') {
				// Not found, forbidden (no get on Secrets) or unreachable: no identity (match by mapping or name
				// instead), and the CERT column says why.
				const taken = ahead;
				ahead = undefined;
				if (taken) cut.hold(() => taken.cut());
				result.managedSide = await readCertificateSecret(client, connectionSecretRef.namespace, connectionSecretRef.name, [managedCertKey, managementCaCopyKey], {onCut: hold, answer: taken?.answer});
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
			// No connection: the Secret asked ahead is not this cluster's to read. Its answer is read and
			// dropped, not cut: it is next on the connection, and cutting the answer under way closes the
			// connection that a management cluster's CA read goes on to use.
			if (key === '') ahead = undefined;
			if (!running && read !== wanted && !cut.stopped) void run();
		},
		get pending() {
			return running;
		},
		askAhead() {
			if (ahead || running || cut.stopped) return;
			// Its cut, once the request has one: a drop before then ends it as soon as it does.
			let end: (() => void) | undefined;
			let dropped = false;
			const answer = askCertificateSecret(client, connectionSecretRef.namespace, connectionSecretRef.name, (c) => (dropped ? c() : (end = c)));
			ahead = {
				answer,
				cut: () => {
					dropped = true;
					end?.();
				},
			};
		},
		stop() {
			ahead?.cut();
			ahead = undefined;
			cut.stop();
		},
	};
}
