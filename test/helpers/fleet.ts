// Test helpers around the simulated fleet. Typical use:
//
//   const fleet = await startTestFleet({managed: 2});      // speed 0, temp kubeconfig
//   afterAll(() => fleet.stop());
//   const kc = new KubeConfig(); kc.loadFromFile(fleet.kubeconfigPath); kc.setCurrentContext('managed-1');
//   await fleet.tunnelDown('managed-1');
//   await waitFor(() => connected(fleet, 'managed-1') === 'False');
//
// fleet.store(name) is the cluster's true state (for assertions only; code under test must use HTTP).
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi} from '@kubernetes/client-node';
import {startFleet, type Fleet, type FleetOptions} from '../../source/sim/fleet.js';
import type {KubeObject} from '../../source/sim/types.js';

export type TestFleet = Fleet & {
	/** A directory for the test's own files; removed by stop(). */
	readonly dir: string;
	/** An object as the cluster holds it, or undefined. */
	get(cluster: string, apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
	/** `Available`/`Progressing`/`Degraded` status of a TigeraStatus component ('True', 'False', or undefined when absent). */
	tigeraStatus(cluster: string, component: string, condition?: 'Available' | 'Progressing' | 'Degraded'): string | undefined;
	/** ManagedClusterConnected of ManagedCluster `managedName` on `management` (default mgmt). */
	connected(managedName: string, management?: string): string | undefined;
};

/** A fleet at speed 0 (every operator delay 0) with its kubeconfig in a temporary directory. Call stop(). */
export async function startTestFleet(options: FleetOptions = {}): Promise<TestFleet> {
	const dir = mkdtempSync(join(tmpdir(), 'calico-mcm-test-'));
	const fleet = await startFleet({speed: 0, kubeconfigOut: join(dir, 'kubeconfig'), ...options});
	const get: TestFleet['get'] = (cluster, apiVersion, kind, name, namespace) => {
		const store = fleet.store(cluster);
		const type = store.lookupKind(apiVersion, kind);
		return type ? store.get(type, namespace, name) : undefined;
	};
	const condition = (obj: KubeObject | undefined, type: string) =>
		((obj?.status as {conditions?: Array<{type: string; status: string}>} | undefined)?.conditions ?? []).find((c) => c.type === type)?.status;
	const stop = fleet.stop.bind(fleet);
	return Object.assign(fleet, {
		dir,
		get,
		tigeraStatus: (cluster: string, component: string, type: 'Available' | 'Progressing' | 'Degraded' = 'Available') =>
			condition(get(cluster, 'operator.tigera.io/v1', 'TigeraStatus', component), type),
		connected: (managedName: string, management = 'mgmt') =>
			condition(get(management, 'projectcalico.org/v3', 'ManagedCluster', managedName), 'ManagedClusterConnected'),
		async stop() {
			await stop();
			rmSync(dir, {recursive: true, force: true});
		},
	});
}

/**
 * Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (default 10 s), then
 * throws with `message` and the last value or error seen. `fn` may be async and may throw meanwhile.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: {timeoutMs?: number; intervalMs?: number; message?: string} = {}): Promise<NonNullable<T>> {
	const timeoutMs = options.timeoutMs ?? 10_000;
	const intervalMs = options.intervalMs ?? 20;
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await fn();
			if (value) return value as NonNullable<T>;
			last = value;
		} catch (error) {
			last = error;
		}
		if (Date.now() >= deadline) {
			const seen = last instanceof Error ? last.message : JSON.stringify(last);
			throw new Error(`${options.message ?? 'waitFor: condition not met'} within ${timeoutMs} ms (last: ${seen})`);
		}
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

/** client-node clients for one context of the fleet's kubeconfig (a KubeConfig of its own, never shared). */
export function kubeClients(fleet: Fleet, context: string): {config: KubeConfig; objects: KubernetesObjectApi; custom: CustomObjectsApi; core: CoreV1Api} {
	const config = new KubeConfig();
	config.loadFromFile(fleet.kubeconfigPath);
	config.setCurrentContext(context);
	return {
		config,
		objects: KubernetesObjectApi.makeApiClient(config),
		custom: config.makeApiClient(CustomObjectsApi),
		core: config.makeApiClient(CoreV1Api),
	};
}

/** The HTTP status of a failed client-node call (`ApiException.code`), or undefined when it did not fail that way. */
export async function statusOf(call: Promise<unknown>): Promise<number | undefined> {
	try {
		await call;
		return undefined;
	} catch (error) {
		return (error as {code?: number}).code;
	}
}
