import {describe, expect, it} from 'vitest';
import type {ClusterClient, RequestOptions} from '../../source/kube/client.js';
import {KubeError} from '../../source/kube/errors.js';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';
import {b64, tunnelCa} from './fleet-reads.js';
import {installation, managementClusterConnection, tigerStatus} from '../mcm/raw-builders.js';

// The one-shot status asks a cluster that was managed at its last run (cli/managed-hint-file.ts) for its
// connection Secret with its lists, so that the Secret shares their write instead of going out in a
// second one once the ManagementClusterConnection list has answered. The rows must come out as they do
// when the Secret is asked after the lists, also for a cluster that is no longer managed.

const managedSecretPath = '/api/v1/namespaces/tigera-operator/secrets/tigera-managed-cluster-connection';
const list = (items: unknown[]) => ({metadata: {}, items});

/** Clients whose answers (from a table, 404 otherwise) wait for release(); each request says it went out, as the HTTP/1.1 pipeline does. */
function heldClients(answers: Record<string, Record<string, unknown>>) {
	const asked: Array<{context: string; path: string}> = [];
	const waiting: Array<() => void> = [];
	const clients = new Map<string, ClusterClient>();
	for (const context of Object.keys(answers)) {
		const request = (options: RequestOptions) => new Promise((resolve, reject) => {
			asked.push({context, path: options.path});
			queueMicrotask(() => options.onSent?.());
			waiting.push(() => {
				const body = answers[context]![options.path];
				if (body === undefined) reject(new KubeError({kind: 'not-found', status: 404, message: `${options.path} not found`, context}));
				else resolve(body);
			});
		});
		clients.set(context, {context, request} as unknown as ClusterClient);
	}
	const release = () => {
		for (const answer of waiting.splice(0)) answer();
	};
	return {clients, asked, release};
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const ca = tunnelCa();
const leaf = ca.leaf('managed-1');

function fleet(connected: boolean) {
	return {
		'ctx-a': {
			[watchedPaths.installations]: list([installation()]),
			[watchedPaths.tigerstatuses]: list([tigerStatus('guardian')]),
			[watchedPaths.managementclusters]: list([]),
			[watchedPaths.managementclusterconnections]: list(connected ? [managementClusterConnection()] : []),
			[managedSecretPath]: {data: {'managed-cluster.crt': b64(leaf), 'management-cluster.crt': b64(ca.pem), 'managed-cluster.key': b64('PRIVATE')}},
		},
	};
}

/** The fleet listed once; `ahead`: the contexts managed at the last run. Returns the row and what was asked before any answer. */
async function statusRun(connected: boolean, ahead: string[]) {
	const {clients, asked, release} = heldClients(fleet(connected));
	const store = createAppStore();
	const sync = startFleetSync({store, clients, mode: 'list', secretAhead: new Set(ahead)});
	try {
		await tick();
		const beforeAnswers = asked.map(a => a.path);
		const ready = sync.ready();
		// Answers come as they are asked, until the cluster has nothing more to ask.
		for (let i = 0; i < 20; i++) {
			release();
			await tick();
		}
		await ready;
		sync.flush();
		// The row without its clock readings (each run has its own).
		const row = JSON.parse(JSON.stringify(store.getState().clusters['ctx-a'], (key, value) => (/^(since|asOf|readAt|updatedAt)$/.test(key) ? undefined : value)));
		return {beforeAnswers, secretReads: asked.filter(a => a.path === managedSecretPath).length, row};
	} finally {
		sync.stop();
	}
}

describe("the one-shot status's connection Secret, for a cluster managed at the last run", () => {
	it('is asked with the lists, before any answer, once, and the row is the one asking it afterwards gives', async () => {
		const ahead = await statusRun(true, ['ctx-a']);
		expect(ahead.beforeAnswers).toContain(managedSecretPath);
		expect(ahead.beforeAnswers).toContain(watchedPaths.managementclusterconnections);
		expect(ahead.secretReads).toBe(1);
		const after = await statusRun(true, []);
		expect(after.beforeAnswers).not.toContain(managedSecretPath);
		expect(after.secretReads).toBe(1);
		expect(ahead.row.cert).toMatchObject({state: 'ok', chained: true});
		expect(ahead.row).toEqual(after.row);
	});

	it('is not used when the cluster is no longer managed: the row is that of a cluster without a connection', async () => {
		const ahead = await statusRun(false, ['ctx-a']);
		const plain = await statusRun(false, []);
		expect(ahead.secretReads).toBe(1);
		expect(plain.secretReads).toBe(0);
		expect(ahead.row).toEqual(plain.row);
	});
});
