import type {ClusterClient} from '../kube/client.js';
import {readTunnelCertFacts} from '../mcm/tunnel-cert-read.js';
import type {ClusterRole} from '../mcm/types.js';
import type {FleetSync} from './fleet-sync.js';
import {changedKeys} from '../store/record-notes.js';
import type {AppStore} from '../store/store.js';

// Certificates are not watched: a watch on Secrets needs list/watch on every secret of the namespace,
// and they change once a year. Each management and managed cluster's one certificate Secret is read
// by GET when its role becomes known or changes, then every `intervalMs` (certRefreshIntervalFor: 60 s
// on fleets up to 100 clusters, longer on bigger ones), a few clusters at a time; what was read goes
// into the fleet model through FleetSync.setTunnelCerts. A managed cluster's Secret is also read again
// whenever its ManagementClusterConnection changes (managed-identity-reader.ts), which is what
// applying a new installation manifest does. A slow or dead cluster costs one request timeout and
// blocks nobody.

/**
 * How often a fleet's certificate Secrets are read again: every minute up to 100 clusters, then
 * 600 ms per cluster (a 1,001-cluster fleet: every 10 minutes, ~1.7 reads a second). Every minute
 * at that size was 17 GETs a second, about 0.9 % of a core of an otherwise idle console, for
 * certificates that change once a year and whose expiry is counted in days.
 */
export function certRefreshIntervalFor(clusters: number): number {
	return Math.max(60_000, clusters * 600);
}

export type TunnelCertSyncOptions = {
	store: AppStore;
	clients: ReadonlyMap<string, ClusterClient>;
	sync: Pick<FleetSync, 'setTunnelCerts' | 'raw'> & Partial<Pick<FleetSync, 'readingIdentity'>>;
	intervalMs?: number;
	/** Reads in flight at once (default 8). */
	concurrency?: number;
	now?: () => number;
};

export type TunnelCertSync = {
	/** Reads every management and managed cluster now; resolves when done (status, tests). */
	readAll(): Promise<void>;
	stop(): void;
};

const readsRole = (role: ClusterRole) => role === 'managed' || role === 'management' || role === 'misconfigured';

export function startTunnelCertSync(options: TunnelCertSyncOptions): TunnelCertSync {
	const {store, clients, sync} = options;
	const now = options.now ?? Date.now;
	const concurrency = Math.max(1, options.concurrency ?? 8);
	const controller = new AbortController();
	const roles = new Map<string, ClusterRole>();
	const queued = new Set<string>();
	const reading = new Set<string>();
	const queue: string[] = [];
	let active = 0;
	let idle: Array<() => void> = [];
	let stopped = false;

	const settleIdle = () => {
		if (active > 0 || queue.length > 0) return;
		const waiters = idle;
		idle = [];
		for (const resolve of waiters) resolve();
	};

	const intervalMs = options.intervalMs ?? certRefreshIntervalFor(clients.size);
	/**
	 * A managed cluster's Secret is read with its identity (managed-identity-reader.ts) whenever its
	 * ManagementClusterConnection changes, the first listing included: a read under way or done less
	 * than half an interval ago is as good as this one, and reading it again doubled the start's Secret
	 * reads (a 1,001-cluster `status` read 2,000 Secrets, the second half after every row was complete,
	 * on sessions idle long enough to have closed: a second TLS handshake each).
	 */
	const startedAt = now();
	/** Contexts readAll() asked for: for a one-shot answer, any read made since the start is this run's. */
	const oneShot = new Set<string>();
	const managedSideFresh = (context: string): boolean => {
		if (sync.readingIdentity?.(context)) return true;
		const facts = sync.raw(context)?.tunnelCerts;
		if (facts?.managedSide === undefined) return false;
		return oneShot.has(context) ? facts.readAt >= startedAt : now() - facts.readAt < intervalMs / 2;
	};

	/**
	 * A management cluster's CA: the one-shot status reads it with the cluster's lists (cluster-watches.ts
	 * readManagementCa), before the rows are made. A read under way there, or one made since the start for
	 * readAll(), is this run's; reading it again would be a second connection to the cluster.
	 */
	const managementCaFresh = (context: string): boolean => {
		if (sync.readingIdentity?.(context)) return true;
		const facts = sync.raw(context)?.tunnelCerts;
		return oneShot.has(context) && facts?.managementCa !== undefined && facts.readAt >= startedAt;
	};

	const pump = () => {
		while (!stopped && active < concurrency && queue.length > 0) {
			const context = queue.shift() as string;
			queued.delete(context);
			const client = clients.get(context);
			const role = store.getState().clusters[context]?.role ?? 'unknown';
			const fresh = role === 'managed' ? managedSideFresh(context) : role === 'management' && managementCaFresh(context);
			oneShot.delete(context);
			if (!client || !readsRole(role) || fresh) continue;
			active++;
			reading.add(context);
			const plan = {
				managed: role !== 'management',
				management: role !== 'managed',
				managementSecretName: sync.raw(context) ? managementSecretOf(sync.raw(context)) : undefined,
			};
			void readTunnelCertFacts(client, plan, now, controller.signal)
				.then((facts) => {
					if (!stopped) sync.setTunnelCerts(context, facts);
				})
				.catch(() => undefined)
				.finally(() => {
					active--;
					reading.delete(context);
					pump();
					settleIdle();
				});
		}
		settleIdle();
	};

	const enqueue = (context: string) => {
		if (stopped || queued.has(context)) return;
		queued.add(context);
		queue.push(context);
	};

	/** Reads what a role that now reads certificates asks for; `changed`: the rows that may have changed (all when undefined). */
	const onRows = (changed?: readonly string[]) => {
		const {clusters} = store.getState();
		let added = false;
		for (const context of changed ?? clients.keys()) {
			if (!clients.has(context)) continue; // a remote-only row
			const role = clusters[context]?.role;
			if (role === undefined || roles.get(context) === role) continue;
			roles.set(context, role);
			if (readsRole(role)) {
				enqueue(context);
				added = true;
			}
		}
		if (added) pump();
	};
	const unsubscribe = store.subscribe((state, previous) => {
		// The rows the store changed, not the whole fleet's: a connection flip on 1,001 rows read 1,001 roles.
		if (state.clusters !== previous.clusters) onRows(changedKeys(state.clusters, previous.clusters));
	});
	onRows();
	const timer = setInterval(() => {
		for (const [context, role] of roles) if (readsRole(role)) enqueue(context);
		pump();
	}, intervalMs);
	timer.unref?.();

	return {
		readAll() {
			// A read under way (begun when the role became known, a moment ago) is as good as a new one.
			for (const context of clients.keys()) {
				if (reading.has(context)) continue;
				oneShot.add(context);
				enqueue(context);
			}
			pump();
			return new Promise<void>((resolve) => {
				idle.push(resolve);
				settleIdle();
			});
		},
		stop() {
			stopped = true;
			clearInterval(timer);
			unsubscribe();
			controller.abort();
			queue.length = 0;
			const waiters = idle;
			idle = [];
			for (const resolve of waiters) resolve();
		},
	};
}

/** The Secret a management cluster's ManagementCluster names for its tunnel CA (spec.tls.secretName), if any. */
export function managementSecretOf(raw: ReturnType<FleetSync['raw']>): string | undefined {
	const mc = raw ? [...raw.objects.managementclusters.values()][0] : undefined;
	const tls = mc?.spec?.tls as {secretName?: unknown} | undefined;
	return typeof tls?.secretName === 'string' && tls.secretName !== '' ? tls.secretName : undefined;
}
