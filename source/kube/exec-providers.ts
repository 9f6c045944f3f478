// Which exec credential provider each context uses. Contexts that share a kubeconfig user share its
// provider (one plugin run for all of them), unless the plugin is told which cluster it is for
// (provideClusterInfo): then each context has its own, with KUBERNETES_EXEC_INFO's cluster.

import fs from 'node:fs';
import {ExecCredentialProvider, type ExecClusterInfo, type ExecProviderOptions} from './exec-credentials.js';
import type {ContextEntry} from './kubeconfig.js';

export class ExecProviders {
	private readonly byUser = new Map<string, ExecCredentialProvider>();

	constructor(private readonly options: Pick<ExecProviderOptions, 'ttlMs' | 'pluginTimeoutMs' | 'terminal'>) {}

	/** The context's provider; undefined when its user has no exec plugin. */
	for(entry: ContextEntry): ExecCredentialProvider | undefined {
		const {exec} = entry.user;
		if (!exec) return undefined;
		const context = entry.info.name;
		if (exec.provideClusterInfo) return new ExecCredentialProvider(exec, {...this.options, context, cluster: execClusterInfo(entry)});
		let provider = this.byUser.get(entry.user.name);
		if (!provider) {
			provider = new ExecCredentialProvider(exec, {...this.options, context});
			this.byUser.set(entry.user.name, provider);
		}
		return provider;
	}
}

/** KUBERNETES_EXEC_INFO's spec.cluster for provideClusterInfo, as client-go builds it. */
function execClusterInfo(entry: ContextEntry): ExecClusterInfo {
	const {cluster} = entry;
	let caData = cluster.certificateAuthorityData;
	if (!caData && cluster.certificateAuthority) {
		try {
			caData = fs.readFileSync(cluster.certificateAuthority).toString('base64');
		} catch {
			// the request itself reports the unreadable file
		}
	}
	return {
		server: cluster.server,
		...(cluster.tlsServerName ? {'tls-server-name': cluster.tlsServerName} : {}),
		...(cluster.insecureSkipTlsVerify ? {'insecure-skip-tls-verify': true} : {}),
		...(caData ? {'certificate-authority-data': caData} : {}),
		...(cluster.proxyUrl ? {'proxy-url': cluster.proxyUrl} : {}),
		...(cluster.execExtension !== undefined ? {config: cluster.execExtension} : {}),
	};
}
