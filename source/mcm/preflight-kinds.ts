// Every document's kind is checked before a plan changes anything: one the cluster does not serve,
// and that no CustomResourceDefinition of the same plan defines, would otherwise fail its step
// after the earlier steps had already installed the operator. projectcalico.org/v3 kinds are served
// by the Calico Enterprise API server, which the plan's own install brings up (an APIServer object
// of the plan) or which already runs: with neither, they are refused too.

import type {ClusterClient} from '../kube/client.js';
import {discoveryFor} from '../kube/discovery.js';
import {describeObject, type ManifestDoc} from '../kube/manifests.js';
import {splitApiVersion} from '../kube/paths.js';
import {describeError} from './runner.js';
import type {PreflightItem} from './step.js';

const isCrd = (doc: ManifestDoc) => doc.object.kind === 'CustomResourceDefinition' && splitApiVersion(doc.object.apiVersion).group === 'apiextensions.k8s.io';
const isApiServer = (doc: ManifestDoc) => doc.object.kind === 'APIServer' && splitApiVersion(doc.object.apiVersion).group === 'operator.tigera.io';

/** One preflight item: every kind of `docs` is served by the cluster or defined by the plan itself. */
export async function kindsItem(client: ClusterClient, docs: readonly ManifestDoc[], signal?: AbortSignal): Promise<PreflightItem> {
	const label = `kinds on ${client.context}`;
	const defined = new Set(
		docs.filter(isCrd).map(d => {
			const spec = d.object.spec as {group?: string; names?: {kind?: string}};
			return `${spec.group}/${spec.names?.kind}`;
		}),
	);
	const bringsApiServer = docs.some(isApiServer);
	const discovery = discoveryFor(client);
	const unknown: string[] = [];
	let checked = 0;
	try {
		for (const doc of docs) {
			const {group} = splitApiVersion(doc.object.apiVersion);
			if (defined.has(`${group}/${doc.object.kind}`)) continue;
			checked++;
			if (await discovery.resolve(doc.object.apiVersion, doc.object.kind, signal)) continue;
			if (group === 'projectcalico.org' && bringsApiServer) continue;
			unknown.push(`${doc.file} document ${doc.document} (line ${doc.line}, ${describeObject(doc.object)}): ${client.context} does not serve ${doc.object.kind} in ${doc.object.apiVersion}, and no CustomResourceDefinition of this plan defines it`);
		}
	} catch (error) {
		return {label, ok: false, message: `cannot read the API discovery of ${client.context}: ${describeError(error)}`, fix: `check that the API server of ${client.context} is reachable`};
	}
	if (unknown.length > 0) {
		return {label, ok: false, message: unknown.join('; '), fix: 'correct the kind or apiVersion of these documents (a typo, or a manifest of another release); nothing was applied'};
	}
	return {label, ok: true, message: `${docs.length} objects: ${checked} kinds served by ${client.context}, the rest defined by this plan's CRDs${bringsApiServer ? ' or the Calico API server it installs' : ''}`};
}
