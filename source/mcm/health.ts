import {unavailableIdle} from './rollup.js';
import type {VersionSkew} from './drift.js';
import type {TunnelCertStatus} from './tunnel-cert.js';
import type {ApiConnection, ClusterRole, Health, ManagedConnection, Rollup, TigerStatus} from './types.js';

// Health of one row, the first rule that applies wins:
//   unreachable   the API state is unreachable, unauthorized or forbidden (the row keeps the precise
//                 state in `api`; for remote-only rows it is the management cluster's API)
//   disconnected  a managed row whose management side says ManagedClusterConnected False, or Unknown
//                 after it had been True/False, or whose ManagedCluster is missing on the management
//                 cluster its address points to (reported as False with a message). When the
//                 management side cannot be read (not in the kubeconfig, unreachable), the managed
//                 side's `management-cluster-connection` Available=False counts instead.
//   degraded      any TigerStatus Degraded=True, or the role is misconfigured (management and managed),
//                 or a tunnel certificate that is expired, expires within 7 days, does not chain to
//                 the management cluster's CA or cannot be parsed, or a managed cluster newer than its
//                 management cluster
//   pending       still connecting, role unknown, any TigerStatus Progressing=True or not Available
//                 (and not degraded), or a tunnel whose management side was never known yet (Unknown)
//   healthy       otherwise; a reachable cluster without Calico Enterprise (not-installed) is healthy.

export type HealthInput = {
	role: ClusterRole;
	api: ApiConnection;
	rollup: Rollup;
	statuses: readonly TigerStatus[];
	connection?: ManagedConnection;
	/** The management side was True or False at some point: a later Unknown means the tunnel was lost. */
	connectionWasKnown: boolean;
	cert?: TunnelCertStatus;
	versionSkew?: VersionSkew;
};

const degradingCert = new Set(['critical', 'expired', 'untrusted', 'invalid']);

export function isUnreachableState(state: ApiConnection['state']): boolean {
	return state === 'unreachable' || state === 'unauthorized' || state === 'forbidden';
}

/** disconnected / pending / ok for a managed row's tunnel. */
export function tunnelHealth(connection: ManagedConnection | undefined, wasKnown: boolean): 'disconnected' | 'pending' | 'ok' {
	if (!connection) return 'ok';
	const {fromManagement, fromManaged} = connection;
	if (fromManagement === 'False') return 'disconnected';
	if (fromManagement === 'Unknown') return wasKnown ? 'disconnected' : 'pending';
	if (fromManagement === 'True') return 'ok';
	if (fromManaged === 'False') return 'disconnected';
	if (fromManaged === 'Unknown') return 'pending';
	return 'ok';
}

export function deriveHealth(input: HealthInput): Health {
	if (isUnreachableState(input.api.state)) return 'unreachable';
	const tunnel = tunnelHealth(input.connection, input.connectionWasKnown);
	if (tunnel === 'disconnected') return 'disconnected';
	if (input.role === 'misconfigured' || input.rollup.degraded.length > 0) return 'degraded';
	if ((input.cert && degradingCert.has(input.cert.state)) || input.versionSkew?.newer) return 'degraded';
	if (
		input.api.state === 'connecting' ||
		input.role === 'unknown' ||
		tunnel === 'pending' ||
		input.rollup.progressing.length > 0 ||
		unavailableIdle(input.statuses).length > 0
	)
		return 'pending';
	return 'healthy';
}

/** Worst first: the order of the fleet list and of exit-code decisions. */
export const healthOrder: readonly Health[] = ['unreachable', 'disconnected', 'degraded', 'pending', 'healthy'];

export function compareHealth(a: Health, b: Health): number {
	return healthOrder.indexOf(a) - healthOrder.indexOf(b);
}
