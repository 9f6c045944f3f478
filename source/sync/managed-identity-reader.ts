import type {ClusterClient} from '../kube/client.js';
import {connectionSecretRef, identityFromSecret, type ManagedIdentity} from '../mcm/managed-identity.js';

// Reads a managed cluster's identity (its tunnel certificate) once per change of its
// ManagementClusterConnection, instead of watching the Secret: the certificate only changes when
// the installation manifest is applied again, which also updates that object. At most one read per
// cluster is in flight; a change while it runs triggers one more read after it.

export type IdentityReader = {
	/** The ManagementClusterConnection objects changed (key: their resourceVersions; '' = none). */
	changed(key: string): void;
	/** Reads under way (the one-shot status waits for them). */
	readonly pending: boolean;
	stop(): void;
};

export function createIdentityReader(client: ClusterClient, onIdentity: (identity: ManagedIdentity | undefined) => void): IdentityReader {
	let wanted = '';
	let read = '';
	let running = false;
	let stopped = false;
	const abort = new AbortController();
	const path = `/api/v1/namespaces/${connectionSecretRef.namespace}/secrets/${connectionSecretRef.name}`;
	const run = async () => {
		running = true;
		while (!stopped && read !== wanted) {
			const key = wanted;
			let identity: ManagedIdentity | undefined;
			if (key !== '') {
				try {
					identity = identityFromSecret(await client.request({path, signal: abort.signal}));
				} catch {
					// Not found, forbidden (no get on Secrets) or unreachable: match by mapping or name instead.
					identity = undefined;
				}
			}
			read = key;
			if (!stopped) onIdentity(identity);
		}
		running = false;
	};
	return {
		changed(key) {
			wanted = key;
			if (!running && read !== wanted && !stopped) void run();
		},
		get pending() {
			return running;
		},
		stop() {
			stopped = true;
			abort.abort();
		},
	};
}
