import {afterEach, describe, expect, it, vi} from 'vitest';
import {microtask} from '../../source/kube/microtask.js';

describe('microtask', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('runs callbacks in the order they were queued, interleaved with queueMicrotask, before any timer', async () => {
		const order: string[] = [];
		setTimeout(() => order.push('timer'), 0);
		microtask(() => order.push('a'));
		queueMicrotask(() => order.push('b'));
		microtask(() => order.push('c'));
		await new Promise(resolve => setTimeout(resolve, 5));
		expect(order).toEqual(['a', 'b', 'c', 'timer']);
	});

	it('throws what the callback throws from a queueMicrotask (an uncaught exception), not as a rejected promise', async () => {
		const rethrown: Array<() => void> = [];
		vi.stubGlobal('queueMicrotask', (callback: () => void) => rethrown.push(callback));
		const rejections: unknown[] = [];
		const onRejection = (reason: unknown) => rejections.push(reason);
		process.on('unhandledRejection', onRejection);
		try {
			const failure = new Error('the callback failed');
			let after = false;
			microtask(() => {
				throw failure;
			});
			microtask(() => (after = true));
			await new Promise(resolve => setTimeout(resolve, 5));
			expect(after).toBe(true);
			expect(rethrown).toHaveLength(1);
			expect(() => rethrown[0]!()).toThrow(failure);
			expect(rejections).toEqual([]);
		} finally {
			process.off('unhandledRejection', onRejection);
		}
	});
});
