// A simulated fleet: one ObjectStore + API server (own port) + simulated Tigera operator per cluster,
// the tunnel between managed and management clusters, a kubeconfig, and the fault controls.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createApiServer} from './api-server.js';
import {expireCertificate} from './cert-control.js';
import {formatControl, parseControl, type Control} from './controls.js';
import {checkKubeconfigPath, writeKubeconfig} from './kubeconfig.js';
import {parseEnterpriseVersion} from './names.js';
import {registerCalicoApi} from './operator-calico-api.js';
import {createClock} from './operator-clock.js';
import {remoteOnlyAnnotation, startTunnelBroker} from './operator-tunnel.js';
import {typeOf, writeStatus} from './operator-store.js';
import {startWorkloads, type Workloads} from './operator-workloads.js';
import {startOperator, type Operator} from './operator.js';
import {createObjectStore} from './store.js';
import {certificateAuthorityData} from './tls.js';
import {createTokenRegistry} from './tokens.js';
import {
	applyObjects, createManagedCluster, demoDocuments, managementAddressPort, nodeAddresses, nodeNames, seedEnterpriseLicenseAndPolicies,
	seedEnterpriseResources, seedKubernetes, seedManagementCluster, type SimRole,
} from './topology.js';
import type {ApiServer, ConnectionStats, ObjectStore, ReceivedRequest, TokenRegistry} from './types.js';
import {nowTimestamp} from './flat-string.js';

export type {SimRole} from './topology.js';

export type FleetOptions = {
	/** Managed clusters joined to `mgmt` (default 3). */
	managed?: number;
	/** Standalone Calico Enterprise clusters (default 1). */
	standalone?: number;
	/** Plain Kubernetes clusters, no Calico (default 1). */
	bare?: number;
	/** Where to write the kubeconfig (default: a new temporary directory, removed by stop()). */
	kubeconfigOut?: string;
	/** Multiplies the operator's delays; 0 = at once (default 1). */
	speed?: number;
	/** Calico Enterprise version: `3.22` → tigera-manager names, `3.24` → calico-system names (default 3.24). */
	enterpriseVersion?: string;
	/** Per-cluster versions that differ from enterpriseVersion (version skew), e.g. {'managed-2': '3.25'}. */
	versions?: Record<string, string>;
	/** How often watches get a bookmark (default: CALICO_MCM_SIM_BOOKMARK_MS, else 60 s as kube-apiserver). */
	bookmarkIntervalMs?: number;
	/** Offer HTTP/2 (default true, as kube-apiserver); false: HTTP/1.1-only API servers. */
	http2?: boolean;
	/**
	 * ManagedClusters on mgmt with no API server of their own (remote-1..N): what a management cluster
	 * of a large fleet holds when the console has only its context. Connected (True), fixed: no tunnel.
	 */
	remoteManaged?: number;
	/**
	 * Clusters whose API server listens on plain http:// (no TLS), their kubeconfig user still holding
	 * the admin token: what a client must not send in clear text. Authentication stays as strict as
	 * over TLS (a request without the token gets 401).
	 */
	plainHttp?: string[];
};

export const maxRemoteManaged = 50_000;

export type FleetCluster = {
	/** Also the kubeconfig context name: mgmt, managed-1.., standalone-1.., bare-1.. */
	name: string;
	role: SimRole;
	url: string;
	port: number;
	/** The admin bearer token of this cluster's kubeconfig user. */
	token: string;
};

export interface Fleet {
	readonly kubeconfigPath: string;
	readonly clusters: FleetCluster[];
	readonly speed: number;
	readonly enterpriseVersion: string;
	/** The true state of a cluster, for tests to inspect (never for the console: it speaks HTTP). */
	store(name: string): ObjectStore;
	operator(name: string): Operator;
	tokens(name: string): TokenRegistry;
	/** Connections the cluster's API server accepted, and the protocol each spoke (tests, benchmarks). */
	connections(name: string): ConnectionStats;
	/** The last requests the cluster's API server received, with the credential headers they carried. */
	received(name: string): readonly ReceivedRequest[];
	/** One control line → its one-line acknowledgement (`ok ...` or `error: ...`). Never throws. */
	control(line: string): Promise<string>;
	apiDown(name: string): Promise<void>;
	apiHang(name: string): Promise<void>;
	apiUp(name: string): Promise<void>;
	tunnelDown(name: string): Promise<void>;
	tunnelUp(name: string): Promise<void>;
	/** `cert-expire C DAYS`: re-issue C's tunnel certificate (its CA, for a management cluster) to expire DAYS from now. */
	certExpire(name: string, days: number): Promise<void>;
	expireWatches(name: string): Promise<void>;
	degrade(name: string, component: string, message?: string): Promise<void>;
	recover(name: string, component: string): Promise<void>;
	/** Benchmarks: drop (false) or restore (true) a managed cluster's tunnel, as tunnel-down/up. */
	flipConnection(name: string, connected: boolean): Promise<void>;
	stop(): Promise<void>;
}

export const maxClusters = 5000;

type Member = FleetCluster & {store: ObjectStore; tokens: TokenRegistry; server: ApiServer; operator: Operator; workloads: Workloads; index: number};

function count(name: string, value: number | undefined, fallback: number): number {
	const n = value ?? fallback;
	if (!Number.isInteger(n) || n < 0 || n > maxClusters) {
		throw new Error(`--${name} ${String(value)}: expected a whole number from 0 to ${maxClusters}`);
	}
	return n;
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
	const managedCount = count('managed', options.managed, 3);
	const standaloneCount = count('standalone', options.standalone, 1);
	const bareCount = count('bare', options.bare, 1);
	const speed = options.speed ?? 1;
	if (!Number.isFinite(speed) || speed < 0 || speed > 1000) throw new Error(`--speed ${String(options.speed)}: expected a number from 0 to 1000 (0 = at once, 1 = demo pace)`);
	const enterpriseVersion = options.enterpriseVersion ?? '3.24';
	parseEnterpriseVersion(enterpriseVersion);
	for (const [name, version] of Object.entries(options.versions ?? {})) {
		try {
			parseEnterpriseVersion(version);
		} catch (error) {
			throw new Error(`version of ${name}: ${(error as Error).message}`);
		}
	}
	let temporaryDir: string | undefined;
	let kubeconfigTarget: string;
	if (options.kubeconfigOut) {
		kubeconfigTarget = checkKubeconfigPath(options.kubeconfigOut);
	} else {
		temporaryDir = mkdtempSync(join(tmpdir(), 'calico-mcm-sim-'));
		kubeconfigTarget = join(temporaryDir, 'kubeconfig');
	}

	const clock = createClock(speed);
	const broker = startTunnelBroker({clock});
	const members: Member[] = [];
	const byName = new Map<string, Member>();
	const roles: Array<[string, SimRole]> = [['mgmt', 'management']];
	for (let i = 1; i <= managedCount; i++) roles.push([`managed-${i}`, 'managed']);
	for (let i = 1; i <= standaloneCount; i++) roles.push([`standalone-${i}`, 'standalone']);
	for (let i = 1; i <= bareCount; i++) roles.push([`bare-${i}`, 'bare']);
	const plainHttp = new Set(options.plainHttp ?? []);
	for (const name of plainHttp) {
		if (!roles.some(([n]) => n === name)) throw new Error(`--plain-http ${name}: no such cluster (the fleet has ${roles.slice(0, 6).map(([n]) => n).join(', ')}${roles.length > 6 ? ', ...' : ''})`);
	}

	clock.instant = true;
	try {
		roles.forEach(([name, role], index) => {
			const store = createObjectStore();
			const tokens = createTokenRegistry();
			const server = createApiServer({name, store, tokens, bookmarkIntervalMs: options.bookmarkIntervalMs, http2: options.http2, tls: !plainHttp.has(name)});
			seedKubernetes(store, name, index);
			let lbCount = 0;
			const workloads = startWorkloads({
				store, clusterName: name, clock,
				nodes: () => nodeNames(name),
				allocateLoadBalancerIp: () => `100.${64 + ((index >> 8) & 63)}.${index & 255}.${10 + (lbCount++ % 240)}`,
			});
			const operator = startOperator({store, clusterName: name, clock, version: options.versions?.[name] ?? enterpriseVersion});
			const member: Member = {name, role, url: '', port: 0, token: tokens.adminToken, store, tokens, server, operator, workloads, index};
			members.push(member);
			byName.set(name, member);
			broker.add({name, store, operator});
		});
		const installed = members.filter((m) => m.role !== 'bare');
		// With clock.instant set, workloads act synchronously on each event; only the operators
		// (which reconcile on a microtask) need a push.
		const settleAll = (which: Member[]) => {
			for (const m of which) m.operator.settle();
		};
		// Start-up shortcut (1,000 clusters must start in seconds): everything an install applies goes in
		// before the operators first reconcile, so each TigeraStatus is written once, already Available.
		// projectcalico.org/v3 is served early for the license, and a managed cluster gets the license
		// the tunnel would bring. The end state is what the step-by-step install reaches.
		for (const m of installed) {
			registerCalicoApi(m.store);
			seedEnterpriseResources(m.store, m.role as Exclude<SimRole, 'bare'>);
			seedEnterpriseLicenseAndPolicies(m.store, m.role as Exclude<SimRole, 'bare'>);
		}
		const mgmt = byName.get('mgmt') as Member;
		seedManagementCluster(mgmt.store, mgmt.operator, `${nodeAddresses(mgmt.index, 0).internal}:${managementAddressPort}`);
		const managed = members.filter((m) => m.role === 'managed');
		for (const m of managed) {
			applyObjects(m.store, createManagedCluster(mgmt.store, mgmt.name, m.name));
			applyObjects(m.store, demoDocuments('license.yaml'));
		}
		addRemoteManaged(mgmt.store, options.remoteManaged ?? 0);
		settleAll(installed);
		broker.settle();
	} finally {
		clock.instant = false;
	}

	try {
		await Promise.all(members.map(async (m) => {
			m.port = await m.server.listen(0);
			m.url = m.server.url;
		}));
		await writeKubeconfig(kubeconfigTarget, members.map((m) => ({name: m.name, url: m.url, token: m.token, caData: m.url.startsWith('https:') ? certificateAuthorityData() : undefined})), 'mgmt');
	} catch (error) {
		await Promise.allSettled(members.map((m) => m.server.close()));
		broker.stop();
		for (const m of members) {
			m.operator.stop();
			m.workloads.stop();
		}
		if (temporaryDir) rmSync(temporaryDir, {recursive: true, force: true});
		throw error;
	}

	const member = (name: string): Member => {
		const m = byName.get(name);
		if (!m) {
			const known = members.slice(0, 8).map((x) => x.name).join(', ');
			throw new Error(`unknown cluster "${name}" (known: ${known}${members.length > 8 ? `, ... ${members.length} in all` : ''})`);
		}
		return m;
	};

	async function run(control: Control): Promise<string> {
		const m = member(control.cluster);
		switch (control.verb) {
			case 'api-down':
				await m.server.down();
				break;
			case 'api-hang':
				m.server.hang();
				break;
			case 'api-up':
				await m.server.up();
				break;
			case 'expire-watches':
				m.server.expireWatches();
				break;
			case 'tunnel-down':
			case 'tunnel-up': {
				broker.setDown(m.name, control.verb === 'tunnel-down');
				if (!broker.linkOf(m.name)) return `ok ${formatControl(control)} (not joined to a management cluster yet; applies once it is)`;
				break;
			}
			case 'degrade':
				m.operator.degrade(control.component as string, control.message);
				break;
			case 'recover':
				m.operator.recover(control.component as string);
				break;
			case 'lb-withhold':
			case 'lb-assign':
				m.workloads.withholdLoadBalancers(control.verb === 'lb-withhold');
				break;
			case 'cert-expire':
				return `ok ${formatControl(control)}: ${expireCertificate(m, control.days as number, members, (name) => broker.linkOf(name))}`;
		}
		return `ok ${formatControl(control)}`;
	}

	const strict = async (line: string) => {
		const control = parseControl(line);
		if ('error' in control) throw new Error(control.error);
		await run(control);
	};

	let stopped = false;
	const fleet: Fleet = {
		kubeconfigPath: kubeconfigTarget,
		clusters: members.map(({name, role, url, port, token}) => ({name, role, url, port, token})),
		speed,
		enterpriseVersion,
		store: (name) => member(name).store,
		operator: (name) => member(name).operator,
		tokens: (name) => member(name).tokens,
		connections: (name) => member(name).server.connections,
		received: (name) => member(name).server.received,
		async control(line) {
			const control = parseControl(line);
			if ('error' in control) return `error: ${control.error}`;
			try {
				return await run(control);
			} catch (error) {
				return `error: ${error instanceof Error ? error.message : String(error)}`;
			}
		},
		apiDown: (name) => strict(`api-down ${name}`),
		apiHang: (name) => strict(`api-hang ${name}`),
		apiUp: (name) => strict(`api-up ${name}`),
		tunnelDown: (name) => strict(`tunnel-down ${name}`),
		tunnelUp: (name) => strict(`tunnel-up ${name}`),
		expireWatches: (name) => strict(`expire-watches ${name}`),
		degrade: (name, component, message) => strict(`degrade ${name} ${component}${message ? ` ${message}` : ''}`),
		recover: (name, component) => strict(`recover ${name} ${component}`),
		certExpire: (name, days) => strict(`cert-expire ${name} ${days}`),
		flipConnection: (name, connected) => strict(`${connected ? 'tunnel-up' : 'tunnel-down'} ${name}`),
		async stop() {
			if (stopped) return;
			stopped = true;
			broker.stop();
			for (const m of members) {
				m.operator.stop();
				m.workloads.stop();
			}
			await Promise.allSettled(members.map((m) => m.server.close()));
			if (temporaryDir) rmSync(temporaryDir, {recursive: true, force: true});
		},
	};
	return fleet;
}

/** ManagedClusters without a cluster behind them, connected since their creation (see remoteManaged). */
function addRemoteManaged(management: ObjectStore, count: number): void {
	if (!Number.isInteger(count) || count < 0 || count > maxRemoteManaged) throw new Error(`--remote-managed ${String(count)}: expected a whole number from 0 to ${maxRemoteManaged}`);
	const type = typeOf(management, 'projectcalico.org/v3', 'ManagedCluster');
	if (!type || count === 0) return;
	const since = nowTimestamp();
	for (let i = 1; i <= count; i++) {
		const stored = management.create(type, {
			apiVersion: 'projectcalico.org/v3',
			kind: 'ManagedCluster',
			metadata: {name: `remote-${i}`, annotations: {[remoteOnlyAnnotation]: 'true'}},
			spec: {operatorNamespace: 'tigera-operator'},
		});
		writeStatus(management, type, stored, {conditions: [{type: 'ManagedClusterConnected', status: 'True', reason: 'Connected', message: 'Connected to the managed cluster', lastTransitionTime: since}]});
	}
}
