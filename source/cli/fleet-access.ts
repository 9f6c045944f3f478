import type {ClusterClient} from '../kube/client.js';
import {createClients} from '../kube/client.js';
import {ConfigError} from '../kube/errors.js';
import {loadKubeconfig, type FleetConfig} from '../kube/kubeconfig.js';
import {plainTerminal, type TerminalLender} from '../kube/terminal.js';
import type {TlsSessionCache} from '../kube/tls-sessions.js';
import {UsageError} from './usage.js';

// kubeconfig → clients, the same way for the console, `status` and `run`: a kubeconfig that cannot
// be used is a usage error (exit 2) naming the file (and line) and the fix.

/** `terminal`: lent to exec plugins that need a person; default: the process's own, when a TTY. */
export type FleetAccess = {
	kubeconfig?: string;
	contexts: string[];
	requestTimeoutMs: number;
	terminal?: TerminalLender;
	http2?: boolean;
	/** The TLS sessions to resume, once the kubeconfig says which servers they are for. */
	tlsSessions?: (config: FleetConfig) => TlsSessionCache | undefined;
};

/** The fleet's kubeconfig for these contexts. Throws UsageError for a ConfigError. */
export function loadFleetConfig(access: Pick<FleetAccess, 'kubeconfig' | 'contexts'>): FleetConfig {
	try {
		return loadKubeconfig({kubeconfig: access.kubeconfig, contexts: access.contexts});
	} catch (error) {
		if (error instanceof ConfigError) throw configUsageError(error);
		throw error;
	}
}

/** One client per context of the kubeconfig. Throws UsageError for a ConfigError. */
export function openFleetClients(access: FleetAccess): {config: FleetConfig; clients: Map<string, ClusterClient>} {
	const config = loadFleetConfig(access);
	const tlsSessions = access.tlsSessions?.(config);
	return {config, clients: createClients(config, {requestTimeoutMs: access.requestTimeoutMs, terminal: access.terminal ?? plainTerminal(), ...(access.http2 === false ? {http2: false} : {}), ...(tlsSessions ? {tlsSessions} : {})})};
}

/**
 * One line per context whose kubeconfig credentials are withheld from its non-TLS server (as kubectl
 * withholds them, silently): said before anything is asked, so a refusal that follows is understood.
 */
export function withheldNotices(clients: Map<string, ClusterClient>): string[] {
	return [...clients.values()].flatMap(c => (c.withheld ? [`context ${c.context}: ${c.withheld}`] : []));
}

function configUsageError(error: ConfigError): UsageError {
	const where = error.file ? ` (${error.file}${error.line ? `:${error.line}` : ''})` : '';
	const message = error.file && error.message.includes(error.file) ? error.message : `${error.message}${where}`;
	return new UsageError(message, error.hint);
}
