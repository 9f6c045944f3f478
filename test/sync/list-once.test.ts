// The one-shot status's lists of a cluster (sync/list-once.ts): the four lists that depend on no answer
// are asked together once the first went out on a live connection (so that they share its write), their
// answers are taken in order, and a cluster without a connection is asked one list only.
import {describe, expect, it} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import type {WatchState} from '../../source/kube/watch.js';
import {rawKinds, type RawKind, type RawObject} from '../../source/mcm/raw.js';
import {listOnce} from '../../source/sync/list-once.js';

const paths = Object.fromEntries(rawKinds.map((kind) => [kind, `/${kind}`])) as Record<RawKind, string>;

type Asked = {path: string; answer(items: RawObject[]): void; fail(error: unknown): void};

/** A client whose requests wait to be answered by the test; `sent`: it says when a request went out (as the HTTP/1.1 pipeline does). */
function heldClient(sent: boolean): {client: ClusterClient; asked: Asked[]} {
	const asked: Asked[] = [];
	const client = {
		request: (options: RequestOptions) => new Promise((resolve, reject) => {
			asked.push({path: options.path, answer: (items) => resolve({items}), fail: reject});
			if (sent) queueMicrotask(() => options.onSent?.());
		}),
	} as unknown as ClusterClient;
	return {client, asked};
}

function recorder() {
	const log: string[] = [];
	const handlersFor = (kind: RawKind) => ({
		onReset: (items: RawObject[]) => log.push(`${kind} ${items.length}`),
		onEvent: () => {},
		onState: (state: WatchState) => state.state !== 'connecting' && log.push(`${kind} ${state.state}`),
	});
	return {log, handlersFor};
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('listOnce', () => {
	it('asks the lists that depend on no answer together, once the first went out, and takes their answers in order', async () => {
		const {client, asked} = heldClient(true);
		const {log, handlersFor} = recorder();
		const done = listOnce(client, paths, handlersFor, () => false, () => false);
		await tick();
		// All four asked before any answer: ManagedClusters waits for the ManagementCluster answer.
		expect(asked.map((a) => a.path)).toEqual(['/installations', '/tigerstatuses', '/managementclusters', '/managementclusterconnections']);
		// Answers in reverse: each is still taken in its kind's turn.
		for (const a of [...asked].reverse()) a.answer([{metadata: {name: a.path}}]);
		await done;
		expect(log).toEqual(['installations 1', 'installations ok', 'tigerstatuses 1', 'tigerstatuses ok', 'managementclusters 1', 'managementclusters ok',
			'managementclusterconnections 1', 'managementclusterconnections ok', 'managedclusters 0', 'managedclusters ok']);
		expect(asked).toHaveLength(4);
	});

	it('on a transport that does not say when a request went out, asks the rest once the first answered', async () => {
		const {client, asked} = heldClient(false);
		const {handlersFor} = recorder();
		const done = listOnce(client, paths, handlersFor, () => false, () => false);
		await tick();
		expect(asked.map((a) => a.path)).toEqual(['/installations']);
		asked[0]!.answer([]);
		await tick();
		expect(asked.map((a) => a.path)).toEqual(['/installations', '/tigerstatuses', '/managementclusters', '/managementclusterconnections']);
		for (const a of asked.slice(1)) a.answer([]);
		await done;
	});

	it('a cluster no connection reaches is asked one list: the others get its state unasked', async () => {
		const {client, asked} = heldClient(false);
		const {log, handlersFor} = recorder();
		const done = listOnce(client, paths, handlersFor, () => false, () => false);
		await tick();
		asked[0]!.fail(new KubeError({kind: 'unreachable', message: 'connect ECONNREFUSED', context: 'c'}));
		await done;
		expect(asked).toHaveLength(1);
		expect(log).toEqual(rawKinds.map((kind) => `${kind} unreachable`));
	});
});
