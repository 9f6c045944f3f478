// Credentials never travel in clear text. kubectl (client-go's clientcmd DirectClientConfig) reads a
// user's identification only "if we are secure": to an http:// server it sends no bearer token, token
// file, basic auth, client certificate, exec plugin output, auth-provider token or impersonation, and
// runs no exec plugin. calico-mcm does the same, and, unlike kubectl, says so: a server that then
// refuses the anonymous request would otherwise look like one that rejects good credentials.

import type {ContextEntry, UserEntry} from './kubeconfig.js';

/** The kinds of credential a kubeconfig user carries, in words ("bearer token", "exec plugin \"aws\""). */
export function configuredCredentials(user: UserEntry): string[] {
	const kinds: string[] = [];
	if (user.exec) kinds.push(`exec plugin "${user.exec.displayCommand}"`);
	if (user.token) kinds.push('bearer token');
	if (user.tokenFile) kinds.push('token file');
	if (user.username !== undefined || user.password !== undefined) kinds.push('basic auth');
	if (user.clientCertificate || user.clientCertificateData) kinds.push('client certificate');
	if (user.authProvider) kinds.push(`auth-provider "${user.authProvider}"`);
	if (user.impersonate) kinds.push(`impersonation (as ${user.impersonate})`);
	return kinds;
}

/** Whether the context's server is plain HTTP (no TLS). */
export function isPlainHttp(server: string): boolean {
	return new URL(server).protocol === 'http:';
}

/**
 * For an http:// server whose kubeconfig user has credentials: the sentence saying they were not sent
 * and why. Undefined when there is nothing to withhold (https://, or an anonymous user such as a
 * context for `kubectl proxy`).
 */
export function withheldCredentials(entry: ContextEntry): string | undefined {
	if (!isPlainHttp(entry.cluster.server)) return undefined;
	const kinds = configuredCredentials(entry.user);
	if (kinds.length === 0) return undefined;
	return `credentials not sent: server ${entry.cluster.server} is not TLS, so the ${kinds.join(', ')} of user "${entry.user.name}" ${kinds.length === 1 ? 'was' : 'were'} withheld (as kubectl does); use the server's https:// address`;
}
