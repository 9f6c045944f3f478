import {afterEach, describe, expect, it} from 'vitest';
import {acquireStart, setWatchStartConcurrency, startsIdle, waitStart} from '../../source/kube/watch/start-gate.js';

afterEach(() => setWatchStartConcurrency(32));

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the watch start gate', () => {
	it('admits waiting lists before waiting streams, each kind in its order', async () => {
		setWatchStartConcurrency(1);
		const signal = new AbortController().signal;
		const first = await acquireStart(signal);
		const order: string[] = [];
		const releases = new Map<string, () => void>();
		const wait = (name: string, kind: 'list' | 'stream') =>
			void acquireStart(signal, kind).then((release) => {
				order.push(name);
				releases.set(name, release!);
			});
		wait('stream 1', 'stream');
		wait('list 1', 'list');
		wait('stream 2', 'stream');
		wait('list 2', 'list');
		await tick();
		expect(order).toEqual([]);
		first!();
		// One slot: each admitted waiter holds it until it releases, then the next one is admitted.
		for (let i = 1; i <= 4; i++) {
			await tick();
			expect(order).toHaveLength(i);
			releases.get(order.at(-1)!)!();
		}
		expect(order).toEqual(['list 1', 'list 2', 'stream 1', 'stream 2']);
	});

	it('drops a waiter whose signal aborts, and gives its turn to the next', async () => {
		setWatchStartConcurrency(1);
		const first = await acquireStart(new AbortController().signal);
		const leaving = new AbortController();
		const left = acquireStart(leaving.signal);
		const next = acquireStart(new AbortController().signal, 'stream');
		leaving.abort();
		expect(await left).toBeUndefined();
		first!();
		const release = await next;
		expect(release).toBeTypeOf('function');
		release!();
		// A release called twice frees one slot only: the gate still admits one at a time.
		release!();
		const a = await acquireStart(new AbortController().signal);
		let second = false;
		void acquireStart(new AbortController().signal).then((r) => {
			second = true;
			r?.();
		});
		await tick();
		expect(second).toBe(false);
		a!();
		await tick();
		expect(second).toBe(true);
	});

	it('admits more at once when the limit is raised', async () => {
		setWatchStartConcurrency(1);
		const signal = new AbortController().signal;
		const first = await acquireStart(signal);
		let admitted = 0;
		const waiting = [acquireStart(signal), acquireStart(signal)].map((p) => p.then((r) => (admitted++, r)));
		await tick();
		expect(admitted).toBe(0);
		setWatchStartConcurrency(3);
		await tick();
		expect(admitted).toBe(2);
		first!();
		for (const w of waiting) (await w)!();
	});

	it('a wait withdrawn before its turn is never admitted; withdrawn while holding, it frees the slot', async () => {
		setWatchStartConcurrency(1);
		const holder = waitStart('stream');
		const leaving = waitStart('stream');
		const next = waitStart('stream');
		leaving.withdraw();
		expect(await leaving.admitted).toBeUndefined();
		expect(await holder.admitted).toBeTypeOf('function');
		holder.withdraw();
		const release = await next.admitted;
		expect(release).toBeTypeOf('function');
		// The withdrawn holder's own release afterwards frees nothing more.
		(await holder.admitted)!();
		let after = false;
		void waitStart('list').admitted.then((r) => {
			after = true;
			r?.();
		});
		await tick();
		expect(after).toBe(false);
		release!();
		await tick();
		expect(after).toBe(true);
	});

	it('refuses at once a signal already aborted', async () => {
		expect(await acquireStart(AbortSignal.abort())).toBeUndefined();
	});
});

describe('startsIdle', () => {
	it('resolves once every admitted start released and nothing waits, not while one still opens', async () => {
		setWatchStartConcurrency(1);
		const signal = new AbortController().signal;
		const first = await acquireStart(signal);
		const queued = acquireStart(signal, 'stream');
		let idle = false;
		void startsIdle().then(() => (idle = true));
		first!();
		const second = await queued;
		await tick();
		expect(idle).toBe(false);
		second!();
		await tick();
		expect(idle).toBe(true);
		// With nothing started, at once.
		await startsIdle();
	});
});
