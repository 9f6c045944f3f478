// `cert-expire C DAYS`: re-issue a tunnel certificate so that it expires DAYS from now (negative:
// already expired), so that every certificate state can be shown in the demo and tested.
//   C a management cluster: its tunnel CA, same key (existing certificates still chain), and the copy
//     of it every linked managed cluster holds (as re-applying their manifests would).
//   C a managed cluster joined to one: its client certificate, signed by the management cluster's CA;
//     the ManagedCluster's fingerprint annotation follows, as the API server's would.
import {connectionSecretName, fingerprintAnnotation} from './operator-calico-api.js';
import {getObject, listObjects, typeOf} from './operator-store.js';
import {ensureTunnelCa, issueManagedCertificate, reissueTunnelCa, tunnelNamespace, type TunnelCa} from './tunnel-certs.js';
import type {KubeObject, ObjectStore} from './types.js';

export type CertCluster = {name: string; store: ObjectStore};
export type CertLinks = (cluster: string) => {management: string; managedCluster: string} | undefined;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function updateSecretData(store: ObjectStore, secret: KubeObject, data: Record<string, string>): void {
	const type = typeOf(store, 'v1', 'Secret');
	if (!type) return;
	const next = {...secret, data: {...(secret.data as Record<string, string>), ...data}, metadata: {...secret.metadata}};
	delete next.metadata.resourceVersion;
	store.update(type, next);
}

function connectionSecret(store: ObjectStore): KubeObject | undefined {
	return getObject(store, 'v1', 'Secret', tunnelNamespace, connectionSecretName);
}

/** Returns what was re-issued (for the control's acknowledgement); throws with the reason otherwise. */
export function expireCertificate(target: CertCluster, days: number, clusters: readonly CertCluster[], linkOf: CertLinks): string {
	const byName = new Map(clusters.map((c) => [c.name, c]));
	const until = new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString();
	if (listObjects(target.store, 'operator.tigera.io/v1', 'ManagementCluster').length > 0) {
		const ca = reissueTunnelCa(target.store, days) as TunnelCa;
		let copies = 0;
		for (const c of clusters) {
			if (linkOf(c.name)?.management !== target.name) continue;
			const secret = connectionSecret(c.store);
			if (!secret) continue;
			updateSecretData(c.store, secret, {'management-cluster.crt': b64(ca.certificate)});
			copies++;
		}
		return `tunnel CA of ${target.name} now expires ${until} (${copies} managed cluster${copies === 1 ? '' : 's'} updated)`;
	}
	const link = linkOf(target.name);
	const secret = connectionSecret(target.store);
	if (!link || !secret) throw new Error(`${target.name} is neither a management cluster nor a managed cluster joined to one: no tunnel certificate to expire`);
	const management = byName.get(link.management) as CertCluster;
	const ca = ensureTunnelCa(management.store);
	const mcType = typeOf(management.store, 'projectcalico.org/v3', 'ManagedCluster');
	const mc = mcType ? management.store.get(mcType, undefined, link.managedCluster) : undefined;
	if (!ca || !mcType || !mc) throw new Error(`the management cluster ${link.management} has no ManagedCluster ${link.managedCluster} or no tunnel CA`);
	const issued = issueManagedCertificate(ca, link.managedCluster, days);
	// The management side first: the guardian then presents a certificate the server already expects.
	const next = {...mc, metadata: {...mc.metadata, annotations: {...mc.metadata.annotations, [fingerprintAnnotation]: issued.fingerprint}}};
	delete next.metadata.resourceVersion;
	management.store.update(mcType, next);
	updateSecretData(target.store, secret, {'managed-cluster.crt': b64(issued.certificate), 'managed-cluster.key': b64(issued.key)});
	return `certificate of ${target.name} now expires ${until}`;
}
