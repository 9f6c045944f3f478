import type {Cluster, Health, RunProgress, TigerStatus} from '../../source/mcm/types.js';
import {createAppStore, type AppStore} from '../../source/store/store.js';

// A fleet as the store holds it after a sync: a management cluster, managed clusters (one with its
// tunnel down), a standalone one that is degraded, an unreachable one and a bare one.

export const now = Date.UTC(2025, 0, 15, 12, 0, 0);
export const sec = 1000;
export const min = 60 * sec;

/** A copy of `c` whose `field` calls `onRead` each time it is read: what a selector or subscriber looks at. */
export function countingReads<K extends keyof Cluster>(c: Cluster, field: K, onRead: () => void): Cluster {
	const {[field]: value, ...rest} = c;
	return Object.defineProperty(rest, field, {enumerable: true, get: () => (onRead(), value)}) as Cluster;
}

export function cluster(id: string, patch: Partial<Cluster> = {}): Cluster {
	// A patch may make it a remote-only row (remoteOnly: true, context: undefined).
	return {
		id,
		name: id,
		context: id,
		remoteOnly: false,
		role: 'standalone',
		version: 'v3.24.0',
		api: {state: 'ok', since: now - 10 * min},
		rollup: {available: 12, total: 12, degraded: [], progressing: []},
		health: 'healthy',
		createdAt: now - 60 * min,
		...patch,
	} as Cluster;
}

export function status(name: string, patch: Partial<TigerStatus> = {}): TigerStatus {
	return {name, available: 'True', progressing: 'False', degraded: 'False', since: now - 5 * min, ...patch};
}

export function fixtureClusters(): Cluster[] {
	return [
		cluster('mgmt', {role: 'management'}),
		cluster('managed-1', {role: 'managed', connection: {management: 'mgmt', managedName: 'managed-1', fromManagement: 'True', fromManaged: 'True', disagree: false, since: now - 3 * min}}),
		cluster('managed-2', {
			role: 'managed',
			health: 'disconnected',
			connection: {management: 'mgmt', managedName: 'managed-2', fromManagement: 'False', fromManaged: 'True', disagree: true, since: now - 12 * sec, message: 'tunnel closed by peer'},
		}),
		cluster('managed-10', {role: 'managed', connection: {management: 'mgmt', fromManagement: 'True', disagree: false, since: now - 3 * min}}),
		cluster('standalone-1', {
			health: 'degraded',
			rollup: {available: 11, total: 12, degraded: ['apiserver'], progressing: []},
			createdAt: now - 5 * min,
		}),
		cluster('edge-9', {
			role: 'unknown',
			version: undefined,
			health: 'unreachable',
			api: {state: 'unreachable', since: now - 40 * sec, error: 'connect ECONNREFUSED 127.0.0.1:41234'},
			rollup: {available: 0, total: 0, degraded: [], progressing: []},
			createdAt: undefined,
		}),
		cluster('bare-1', {role: 'not-installed', version: undefined, rollup: {available: 0, total: 0, degraded: [], progressing: []}, health: 'healthy', createdAt: now - 2 * min}),
	];
}

export function fixtureStore(clusters: Cluster[] = fixtureClusters()): AppStore {
	const store = createAppStore();
	store.getState().applyBatch({
		clusters: Object.fromEntries(clusters.map(c => [c.id, c])),
		statuses: {
			'standalone-1': [
				status('calico'),
				status('apiserver', {available: 'False', degraded: 'True', reason: 'ResourceNotReady', message: 'Deployment calico-apiserver is not available', since: now - 30 * sec}),
				status('zz-progressing', {progressing: 'True', reason: 'Updating'}),
				status('compliance'),
			],
			mgmt: [status('calico'), status('manager')],
		},
	});
	return store;
}

export function manyClusters(n: number): Cluster[] {
	return Array.from({length: n}, (_, i) => cluster(`c-${String(i).padStart(4, '0')}`, {health: i % 100 === 7 ? 'degraded' : 'healthy'}));
}

export function run(patch: Partial<RunProgress> = {}): RunProgress {
	return {
		id: 'run-1',
		plan: 'make-management',
		cluster: 'standalone-1',
		title: 'Make management cluster',
		state: 'running',
		startedAt: now - 20 * sec,
		steps: [
			{id: 'svc', title: 'Create the management cluster service', kubectl: 'kubectl apply -f service.yaml', state: 'done', skippable: false, startedAt: now - 20 * sec, endedAt: now - 18 * sec},
			{id: 'mc', title: 'Create the ManagementCluster', kubectl: 'kubectl apply -f management-cluster.yaml', state: 'running', skippable: false, startedAt: now - 5 * sec},
			{id: 'wait', title: 'Wait for the manager', kubectl: 'kubectl wait --for=condition=Available tigerastatus/manager', state: 'pending', skippable: true},
		],
		...patch,
	};
}

/** Strips colour and attributes from a frame. */
export function plain(frame: string | undefined): string {
	// eslint-disable-next-line no-control-regex
	return (frame ?? '').replace(/\u001B\[[0-9;]*m/g, '');
}

export function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/** Polls until `check` passes (it throws until then), up to `timeout` ms. */
export async function waitFor(check: () => void, timeout = 10_000): Promise<void> {
	const start = Date.now();
	for (;;) {
		try {
			check();
			return;
		} catch (error) {
			if (Date.now() - start > timeout) throw error;
			await delay(20);
		}
	}
}

export const healths: Health[] = ['healthy', 'pending', 'degraded', 'disconnected', 'unreachable'];
