// The first-contact limiter: at most N clusters in their first contact at once, in the order they
// came, none before start(); what stop() clears never starts.
import {describe, expect, it} from 'vitest';
import type {ClusterClient} from '../../source/kube/client.js';
import type {WatchHandle} from '../../source/kube/watch.js';
import {FirstContacts} from '../../source/sync/first-contacts.js';
import {startFleetSync, watchedPaths} from '../../source/sync/fleet-sync.js';
import {createAppStore} from '../../source/store/store.js';

const tick = () => new Promise(resolve => setImmediate(resolve));

function deferredTasks(contacts: FirstContacts, count: number) {
	const started: number[] = [];
	const finish: Array<(ok: boolean) => void> = [];
	for (let i = 0; i < count; i++) {
		contacts.add(() => {
			started.push(i);
			return new Promise<void>((resolve, reject) => (finish[i] = ok => (ok ? resolve() : reject(new Error(`task ${i}`)))));
		});
	}
	return {started, finish};
}

describe('FirstContacts', () => {
	it('runs nothing before start(), then at most the limit at once, first come first served', async () => {
		const contacts = new FirstContacts(2);
		const {started, finish} = deferredTasks(contacts, 5);
		await tick();
		expect(started).toEqual([]);
		contacts.start();
		expect(started).toEqual([0, 1]);
		expect(contacts.waiting).toBe(3);
		finish[1]!(true);
		await tick();
		expect(started).toEqual([0, 1, 2]);
		finish[0]!(true);
		finish[2]!(true);
		await tick();
		expect(started).toEqual([0, 1, 2, 3, 4]);
		expect(contacts.waiting).toBe(0);
		// A task added later, with a slot free, starts at once.
		const late: string[] = [];
		contacts.add(async () => void late.push('late'));
		expect(late).toEqual([]);
		finish[3]!(true);
		finish[4]!(true);
		await tick();
		expect(late).toEqual(['late']);
	});

	it('frees the slot of a task that failed, and the failure still surfaces', async () => {
		const contacts = new FirstContacts(1);
		const {started, finish} = deferredTasks(contacts, 2);
		contacts.start();
		const surfaced: unknown[] = [];
		const onRejection = (reason: unknown) => surfaced.push(reason);
		process.prependListener('unhandledRejection', onRejection);
		try {
			finish[0]!(false);
			await tick();
			await tick();
			expect(started).toEqual([0, 1]);
			expect(surfaced).toEqual([new Error('task 0')]);
		} finally {
			process.removeListener('unhandledRejection', onRejection);
		}
	});

	it('drops what waits on clear(), while the running keep their slots', async () => {
		const contacts = new FirstContacts(1);
		const {started, finish} = deferredTasks(contacts, 3);
		contacts.start();
		contacts.clear();
		expect(contacts.waiting).toBe(0);
		finish[0]!(true);
		await tick();
		expect(started).toEqual([0]);
	});
});

describe('a fleet’s first contacts', () => {
	it('begins at most startConcurrency clusters at once, in kubeconfig order, the next when one has settled its lists', async () => {
		const begun: string[] = [];
		const handlers = new Map<string, Array<WatchHandle & {settle(): void}>>();
		const contexts = ['a', 'b', 'c', 'd'];
		const sync = startFleetSync({
			store: createAppStore(),
			clients: new Map(contexts.map(context => [context, {context} as ClusterClient])),
			startConcurrency: 2,
			startWatch(client, options) {
				if (!begun.includes(client.context)) begun.push(client.context);
				const handle = {stop() {}, wake() {}, resourceVersion: undefined, settle: () => (options.handlers.onReset([]), options.handlers.onState({state: 'ok'}))};
				handlers.set(client.context, [...(handlers.get(client.context) ?? []), handle]);
				expect(Object.values(watchedPaths)).toContain(options.path);
				return handle;
			},
		});
		try {
			await tick();
			expect(begun).toEqual(['a', 'b']);
			for (const handle of handlers.get('b')!) handle.settle();
			await tick();
			expect(begun).toEqual(['a', 'b', 'c']);
			for (const handle of handlers.get('a')!) handle.settle();
			await tick();
			expect(begun).toEqual(['a', 'b', 'c', 'd']);
		} finally {
			sync.stop();
		}
	});
});
