import type {ClusterClient} from '../kube/client.js';
import {operatorNamespace, pathOf, resources} from '../mcm/resources.js';
import type {OperatorLogSink} from './services.js';

// services.followOperatorLog for the console: find the tigera-operator pod of a cluster and follow
// its log (the last 200 lines, then new ones). A pod that restarts or a stream that drops is picked
// up again after a short wait, until stop() is called.

type Pod = {metadata: {name: string; creationTimestamp?: string}; status?: {phase?: string}};

async function findOperatorPod(client: ClusterClient, signal: AbortSignal): Promise<string | undefined> {
	const path = pathOf(resources.pods, undefined, operatorNamespace);
	const byLabel = await client.request<{items?: Pod[]}>({path, query: {labelSelector: 'k8s-app=tigera-operator'}, signal});
	let pods = byLabel?.items ?? [];
	if (pods.length === 0) {
		const all = await client.request<{items?: Pod[]}>({path, signal});
		pods = (all?.items ?? []).filter(p => p.metadata.name.startsWith('tigera-operator'));
	}
	// Prefer a running pod, then the newest.
	pods.sort(
		(a, b) =>
			Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') ||
			(b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
	);
	return pods[0]?.metadata.name;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise(resolve => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		}, {once: true});
	});
}

export function followOperatorLog(client: ClusterClient, sink: OperatorLogSink, options: {retryMs?: number} = {}): () => void {
	const controller = new AbortController();
	const {signal} = controller;
	const retryMs = options.retryMs ?? 3000;
	void (async () => {
		let tail = 200;
		while (!signal.aborted) {
			try {
				sink.status('looking for the tigera-operator pod');
				const pod = await findOperatorPod(client, signal);
				if (signal.aborted) return;
				if (!pod) {
					sink.status(`no tigera-operator pod in namespace ${operatorNamespace} (is the operator installed?)`, true);
				} else {
					sink.status(`following ${pod}`);
					await client.stream({
						path: `${pathOf(resources.pods, pod, operatorNamespace)}/log`,
						query: {follow: true, tailLines: tail},
						accept: '*/*',
						signal,
						onLine: line => sink.lines([line]),
					});
					if (signal.aborted) return;
					// Resuming after a drop: do not replay 200 lines we already show.
					tail = 0;
					sink.status(`log of ${pod} ended; reconnecting`);
				}
			} catch (error) {
				if (signal.aborted) return;
				sink.status((error as Error).message, true);
			}
			await sleep(retryMs, signal);
		}
	})();
	return () => controller.abort();
}
