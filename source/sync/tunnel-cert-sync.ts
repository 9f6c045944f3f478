import type {ClusterClient} from '../kube/client.js';
import {readTunnelCertFacts} from '../mcm/tunnel-cert-read.js';
import type {ClusterRole} from '../mcm/types.js';
import type {FleetSync} from './fleet-sync.js';
import type {AppStore} from '../store/store.js';

// Certificates are not watched: a watch on Secrets needs list/watch on every secret of the namespace,
// and they change once a year. Each management and managed cluster's one certificate Secret is read
// by GET when its role becomes known or changes, then every `intervalMs` (default 60 s), a few
// clusters at a time; what was read goes into the fleet model through FleetSync.setTunnelCerts.
// A slow or dead cluster costs one request timeout and blocks nobody.

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

	const intervalMs = options.intervalMs ?? 60_000;
	/**
	 * A managed cluster's Secret is read with its identity (managed-identity-reader.ts) whenever its
	 * ManagementClusterConnection changes, the first listing included: a read under way or done less
	 * than half an interval ago is as good as this one, and reading it again doubled the start's Secret
	 * reads (a 1,001-cluster `status` read 2,000 Secrets, the second half after every row was complete).
	 */
	const managedSideFresh = (context: string): boolean => {
		if (sync.readingIdentity?.(context)) return true;
		const facts = sync.raw(context)?.tunnelCerts;
		return facts?.managedSide !== undefined && now() - facts.readAt < intervalMs / 2;
	};

	const pump = () => {
		while (!stopped && active < concurrency && queue.length > 0) {
			const context = queue.shift() as string;
			queued.delete(context);
			const client = clients.get(context);
			const role = store.getState().clusters[context]?.role ?? 'unknown';
			if (!client || !readsRole(role)) continue;
			if (role === 'managed' && managedSideFresh(context)) continue;
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

	const onRows = () => {
		const {clusters} = store.getState();
		let added = false;
		for (const context of clients.keys()) {
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
		if (state.clusters !== previous.clusters) onRows();
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
			for (const context of clients.keys()) if (!reading.has(context)) enqueue(context);
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

function managementSecretOf(raw: ReturnType<FleetSync['raw']>): string | undefined {
	const mc = raw ? [...raw.objects.managementclusters.values()][0] : undefined;
	const tls = mc?.spec?.tls as {secretName?: unknown} | undefined;
	return typeof tls?.secretName === 'string' && tls.secretName !== '' ? tls.secretName : undefined;
}
