import process from 'node:process';
import type {ClusterClient} from '../kube/client.js';
import {followEvents as followKubeEvents, type EventSelector} from '../kube/events.js';
import {objectPath} from '../mcm/object-ref.js';
import {clipboardReport} from './clipboard.js';
import type {ConsoleServices, EventSink} from './services.js';

// services.fetchObject / followEvents / copyText for the console, from the kubeconfig's clients.

type InspectServices = Required<Pick<ConsoleServices, 'fetchObject' | 'followEvents' | 'copyText'>>;

const noContext = (context: string) => new Error(`no kubeconfig context ${context}: this cluster is seen only from its management cluster`);

export function inspectServices(clients: ReadonlyMap<string, ClusterClient>, clipboard: (text: string) => void): InspectServices {
	return {
		async fetchObject(ref, signal) {
			const client = clients.get(ref.context);
			if (!client) throw noContext(ref.context);
			return client.request({path: objectPath(ref), signal});
		},
		followEvents(scope, sink) {
			const client = clients.get(scope.context);
			if (!client) {
				sink.status(noContext(scope.context).message, true);
				return () => {};
			}
			const selectors: EventSelector[] = scope.object ? [{object: scope.object}] : (scope.namespaces ?? []).map(namespace => ({namespace}));
			return followMerged(client, selectors, sink);
		},
		copyText(text, what, instead) {
			clipboard(text);
			return clipboardReport(what, process.env, undefined, instead);
		},
	};
}

/** One watch per selector, seen by the sink as one list; the worst state of them is its status. */
function followMerged(client: ClusterClient, selectors: EventSelector[], sink: EventSink): () => void {
	const lists = selectors.map(() => [] as Parameters<EventSink['reset']>[0]);
	const states = selectors.map(() => ({text: 'listing', failed: false}));
	const report = () => {
		const bad = states.find(s => s.failed);
		sink.status(bad ? bad.text : states.every(s => s.text === 'following') ? 'following' : 'listing', Boolean(bad));
	};
	const stops = selectors.map((selector, i) =>
		followKubeEvents(client, selector, {
			onReset(items) {
				lists[i] = items;
				states[i] = {text: 'following', failed: false};
				report();
				sink.reset(lists.flat());
			},
			onEvent: (type, item) => sink.change(type, item),
			onState(state) {
				if (state.state === 'connecting') return;
				if (state.state === 'ok') {
					if (states[i]!.failed) states[i] = {text: 'following', failed: false};
					return report();
				}
				states[i] = {text: `${state.state}: ${state.error ?? ''}`, failed: true};
				report();
			},
		}),
	);
	return () => {
		for (const stop of stops) stop();
	};
}
