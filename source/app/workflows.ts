import path from 'node:path';
import type {ClusterClient} from '../kube/client.js';
import {ensurePrivateDirectory, writeErrorReason} from '../mcm/atomic-file.js';
import {checkAddress, validateAddress} from '../mcm/preflight.js';
import type {Cluster, ContextCluster} from '../mcm/types.js';
import {mcmPort} from '../mcm/plans/make-management.js';
import {suggestManagementAddresses} from './address-suggestions.js';
import {fixAddress} from './fix-address-workflow.js';
import type {PlanRequest} from './run-controller.js';
import type {Session} from './session.js';
import type {FormField, FormValues} from './workflow-types.js';

// The console's workflows as data: which clusters each acts on, what it asks, which plans the
// answers make, and what it shows at the end. console-actions.ts turns each into a key; the UI
// renders any of them from this data alone.

export type WorkflowEnv = {
	session: Session;
	clients: ReadonlyMap<string, ClusterClient>;
	/** Every cluster of the fleet, by id. */
	clusters: Record<string, Cluster>;
	/** A private (0700) directory for the tokens create-admin requests. */
	tokenDir: string;
};

export type WorkflowSpec = {
	key: string;
	title: string;
	description: string;
	/** 'one': the selected cluster only; 'many': the marked clusters (one batch), else the selected one. */
	scope: 'one' | 'many';
	/** Names the action in the messages about the targets, e.g. `select a cluster first: install`. */
	what: string;
	/** Why the workflow cannot start on these clusters (said in the status bar), if it cannot. */
	refuse?: (targets: ContextCluster[], env: WorkflowEnv) => string | undefined;
	heading: (targets: ContextCluster[], env: WorkflowEnv) => string;
	/** The prompts; a function of a signal when they read the cluster (address suggestions). */
	fields: (targets: ContextCluster[], env: WorkflowEnv) => FormField[] | ((signal: AbortSignal) => Promise<FormField[]>);
	/** Remembers the answers for the session and returns the plans to run, or what is wrong. */
	requests: (values: FormValues, targets: ContextCluster[], env: WorkflowEnv) => PlanRequest[] | string;
	/** The user types the cluster's name to confirm (a change of cluster type). */
	confirmByName?: boolean;
	/** At the end of a successful run, the login token of this user is shown. */
	showsTokenOf?: (values: FormValues) => string;
};

const required = (what: string) => (value: string) => (value ? undefined : `${what} is needed`);
const names = (list: ContextCluster[]) => list.map(c => c.name).join(', ');

const install: WorkflowSpec = {
	key: 'i',
	title: 'install',
	description: 'install Calico Enterprise (role, manifests, pull secret, license)',
	scope: 'many',
	what: 'install',
	heading: list => `Install Calico Enterprise on ${names(list)}`,
	fields: (_list, {session}) => [
		{kind: 'select', key: 'role', label: 'Role', initial: session.role, options: ['management', 'standalone', 'managed'].map(r => ({label: r, value: r}))},
		{kind: 'text', key: 'manifests', label: 'Release manifests (directory or URL)', initial: session.manifests, validate: required('the manifests')},
		{kind: 'text', key: 'pullSecret', label: 'Pull secret (dockerconfigjson file)', initial: session.pullSecret, validate: required('the pull secret')},
		{kind: 'text', key: 'license', label: 'License (license.yaml; empty: none)', initial: session.license, when: v => v.role !== 'managed'},
	],
	requests(values, list, {session}) {
		Object.assign(session, {role: values.role, manifests: values.manifests, pullSecret: values.pullSecret, ...(values.role === 'managed' ? {} : {license: values.license})});
		const role = values.role as 'management' | 'standalone' | 'managed';
		return list.map(c => ({id: 'install', options: {context: c.context, role, manifests: values.manifests!, pullSecret: values.pullSecret!, license: role === 'managed' ? undefined : values.license || undefined}}));
	},
};

const makeManagement: WorkflowSpec = {
	key: 'm',
	title: 'make management',
	description: 'turn the cluster into a management cluster (address suggested from nodes / load balancer)',
	scope: 'one',
	what: 'make management',
	heading: ([cluster]) => `Make ${cluster!.name} a management cluster`,
	fields: ([cluster], {clients}) => {
		const client = clients.get(cluster!.context);
		return async signal => {
			const suggestions = client ? await suggestManagementAddresses(client, signal).catch(() => []) : [];
			const first = suggestions[0];
			// The address depends on the service: a load balancer's is known only once the cloud
			// gave the Service its ingress, so it is asked for (or left to the step) per service.
			const addressField = (service: 'nodeport' | 'loadbalancer'): FormField => {
				const mine = suggestions.filter(s => s.service === service);
				return {
					kind: 'text',
					key: service === 'nodeport' ? 'address' : 'lbAddress',
					label: 'Address managed clusters dial (host:port)',
					hint: mine[0]
						? `suggested: ${mine[0].why}`
						: service === 'loadbalancer'
							? `empty: the load balancer's ingress (IP or hostname) and port ${mcmPort}, once assigned`
							: 'empty: chosen from the cluster when the step runs',
					initial: mine[0]?.address ?? '',
					suggestions: mine.map(s => s.address),
					when: v => v.service === service,
					validate: value => (value === '' ? undefined : (validateAddress(value) ?? undefined)),
				};
			};
			return [
				{kind: 'select', key: 'service', label: 'Expose the tunnel endpoint with a', initial: first?.service ?? 'nodeport', options: [{label: 'NodePort service (node address + port 30449)', value: 'nodeport'}, {label: `LoadBalancer service (its ingress, port ${mcmPort})`, value: 'loadbalancer'}]},
				addressField('nodeport'),
				addressField('loadbalancer'),
			];
		};
	},
	requests(values, [cluster]) {
		const address = values.service === 'loadbalancer' ? values.lbAddress : values.address;
		if (address && !checkAddress(address).ok) return checkAddress(address).message;
		return [{id: 'make-management', options: {context: cluster!.context, address: address || undefined, service: values.service as 'nodeport' | 'loadbalancer'}}];
	},
};

/** The management clusters the targets may join: with a context, not among the targets. */
function managementsFor(list: ContextCluster[], env: WorkflowEnv): ContextCluster[] {
	const ids = new Set(list.map(c => c.id));
	return Object.values(env.clusters)
		.filter((c): c is ContextCluster => !c.remoteOnly && c.role === 'management' && !ids.has(c.id))
		.sort((a, b) => a.name.localeCompare(b.name));
}

const join: WorkflowSpec = {
	key: 'J',
	title: 'join',
	description: 'join as managed to a management cluster of the fleet (several marked: 3 at a time). J: j moves down, as in k9s',
	scope: 'many',
	what: 'join',
	refuse: (list, env) => (managementsFor(list, env).length === 0 ? 'no management cluster in the fleet to join: make one first (m)' : undefined),
	heading: list => `Join ${names(list)} as managed`,
	fields(list, env) {
		const managements = managementsFor(list, env);
		const preferred = managements.find(c => c.context === env.session.management)?.context;
		const bare = list.filter(c => c.role === 'not-installed');
		return [
			{kind: 'select', key: 'management', label: 'Management cluster', initial: preferred, options: managements.map(c => ({label: `${c.name}${c.version ? ` (${c.version})` : ''}`, value: c.context}))},
			// A cluster without Calico Enterprise is installed as managed first: ask for what i asks
			// (no license: a managed cluster uses the management cluster's).
			...(bare.length > 0
				? ([
						{kind: 'text', key: 'manifests', label: `Release manifests (directory or URL) to install ${names(bare)}`, initial: env.session.manifests, validate: required('the manifests')},
						{kind: 'text', key: 'pullSecret', label: 'Pull secret (dockerconfigjson file)', initial: env.session.pullSecret, validate: required('the pull secret')},
					] satisfies FormField[])
				: []),
		];
	},
	requests(values, list, {session}) {
		session.management = values.management;
		if (list.some(c => c.role === 'not-installed')) Object.assign(session, {manifests: values.manifests, pullSecret: values.pullSecret});
		const install = session.manifests && session.pullSecret ? {manifests: session.manifests, pullSecret: session.pullSecret} : {};
		return list.map(c => ({id: 'join', options: {context: c.context, management: values.management!, ...install}}));
	},
};

const createAdmin: WorkflowSpec = {
	key: 'a',
	title: 'admin user',
	description: 'create the admin user and its login token (masked; then c copies it by OSC 52, w writes a 0600 file)',
	scope: 'one',
	what: 'create the admin user',
	heading: ([cluster]) => `Admin user on ${cluster!.name}`,
	fields: (_list, {session}) => [{kind: 'text', key: 'user', label: 'Service account (user)', initial: session.user ?? 'mcm-user', validate: required('a user name')}],
	requests(values, [cluster], {session, tokenDir}) {
		session.user = values.user;
		const user = values.user!;
		try {
			ensurePrivateDirectory(tokenDir);
		} catch (error) {
			return `cannot create ${tokenDir} for the token: ${writeErrorReason(error)}`;
		}
		const tokenFile = path.join(tokenDir, `${cluster!.context}-${user}.token`);
		return [{id: 'create-admin', options: {context: cluster!.context, user, tokenFile, showToken: true}}];
	},
	showsTokenOf: values => values.user!,
};

const grant: WorkflowSpec = {
	key: 'g',
	title: 'grant',
	description: 'grant a user a cluster role (defaults mcm-user / tigera-network-admin)',
	scope: 'many',
	what: 'grant',
	heading: list => `Grant access on ${names(list)}`,
	fields: (_list, {session}) => [
		{kind: 'text', key: 'user', label: 'User (service account in namespace default)', initial: session.user ?? 'mcm-user', validate: required('a user')},
		{kind: 'text', key: 'role', label: 'Cluster role', initial: session.grantRole ?? 'tigera-network-admin', validate: required('a role')},
	],
	requests(values, list, {session}) {
		session.user = values.user;
		session.grantRole = values.role;
		return list.map(c => ({id: 'grant', options: {context: c.context, user: values.user, role: values.role}}));
	},
};

/** What undoes the cluster's role: unmanage a managed one, unmake a management one. */
function standaloneRequest(cluster: ContextCluster, env: WorkflowEnv): PlanRequest | undefined {
	if (cluster.role === 'managed' || cluster.role === 'misconfigured') {
		const management = cluster.connection?.management;
		const known = management && env.clients.has(management) ? management : undefined;
		return {id: 'unmanage', options: {context: cluster.context, management: known, name: known ? cluster.connection?.managedName : undefined}};
	}
	if (cluster.role === 'management') return {id: 'unmake-management', options: {context: cluster.context}};
	return undefined;
}

const standalone: WorkflowSpec = {
	key: 'u',
	title: 'back to standalone',
	description: "change a managed or management cluster back to standalone (type the cluster's name to confirm)",
	scope: 'one',
	what: 'back to standalone',
	refuse: ([cluster], env) => (standaloneRequest(cluster!, env) ? undefined : `${cluster!.name} is ${cluster!.role}: there is no managed or management role to undo`),
	heading: ([cluster]) => `${cluster!.name} back to standalone`,
	fields: () => [],
	requests: (_values, [cluster], env) => [standaloneRequest(cluster!, env)!],
	confirmByName: true,
};

/** In the order of the help overlay. */
export const workflows: readonly WorkflowSpec[] = [install, makeManagement, join, createAdmin, grant, standalone, fixAddress];
