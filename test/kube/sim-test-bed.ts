// Simulated API servers, clients of them and a partitionable relay for one test file; whatever a test
// started is stopped, closed or shut after it, last first.
import net from 'node:net';
import {afterEach} from 'vitest';
import {createClients, type ClientOptions, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {kubeconfigYaml, startSingleCluster, type SingleCluster} from '../sim/single-cluster.js';
import {writeKubeconfig} from './fake-api.js';

export type TestBed = {
	/** Run after the test, last first. */
	cleanups: Array<() => unknown>;
	cluster(options?: {http2?: boolean}): Promise<SingleCluster>;
	/** A client of the context `sim` of a kubeconfig for this server and token. */
	clientFor(server: string, token: string, options?: Partial<ClientOptions>): ClusterClient;
	/** A TCP relay to `port` that can stop forwarding (a network partition: nothing answers, nothing closes: no FIN, no RST). */
	relay(port: number): Promise<{url: string; partition(): void}>;
};

export function simTestBed(name: string, defaults: {requestTimeoutMs: number; bookmarkIntervalMs?: number}): TestBed {
	const cleanups: Array<() => unknown> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});
	return {
		cleanups,
		async cluster(options = {}) {
			const c = await startSingleCluster(name, {bookmarkIntervalMs: defaults.bookmarkIntervalMs, ...options});
			cleanups.push(() => c.stop());
			return c;
		},
		clientFor(server, token, options = {}) {
			const {file} = writeKubeconfig(kubeconfigYaml(server, token));
			const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: defaults.requestTimeoutMs, ...options}).get('sim')!;
			cleanups.push(() => client.close());
			return client;
		},
		async relay(port) {
			let blackhole = false;
			const server = net.createServer((inbound) => {
				const outbound = net.connect(port, '127.0.0.1');
				inbound.on('data', (chunk) => !blackhole && outbound.write(chunk));
				outbound.on('data', (chunk) => !blackhole && inbound.write(chunk));
				const end = () => {
					inbound.destroy();
					outbound.destroy();
				};
				inbound.on('error', end).on('close', end);
				outbound.on('error', end).on('close', end);
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
			return {url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, partition: () => void (blackhole = true)};
		},
	};
}
