// The latency measure's first flip waits until each watcher is past its start-up (bench/latency.ts):
// quietProcess must wait while a process works, and no longer than that.
import {spawn} from 'node:child_process';
import process from 'node:process';
import {describe, expect, it} from 'vitest';
import {quietProcess} from '../../bench/harness.js';

describe('quietProcess', () => {
	it('waits while the process uses a core, and returns within a window or so of it going idle', async () => {
		// Busy for 1.5 s, then idle.
		const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end); setTimeout(() => {}, 20000);'], {stdio: 'ignore'});
		try {
			const {waitedMs, quiet} = await quietProcess(child.pid!, {timeoutMs: 10_000});
			expect(quiet).toBe(true);
			expect(waitedMs).toBeGreaterThan(1200);
			expect(waitedMs).toBeLessThan(6000);
		} finally {
			child.kill('SIGKILL');
		}
	});

	it('does not take a spinning process that gets no core for a quiet one', async () => {
		// Both on one core, the spinner at the lowest priority: it gets ~1.5 % of the core (below the
		// 10 % share that counts as quiet) and is runnable all the time, as on a machine busy with
		// other work.
		const spin = ['-e', 'for (;;);'];
		const rival = spawn('taskset', ['-c', '0', process.execPath, ...spin], {stdio: 'ignore'});
		const child = spawn('taskset', ['-c', '0', 'nice', '-n', '19', process.execPath, ...spin], {stdio: 'ignore'});
		try {
			expect((await quietProcess(child.pid!, {timeoutMs: 2000})).quiet).toBe(false);
		} finally {
			child.kill('SIGKILL');
			rival.kill('SIGKILL');
		}
	});

	it('says so when the process never goes quiet', async () => {
		const child = spawn(process.execPath, ['-e', 'for (;;);'], {stdio: 'ignore'});
		try {
			expect((await quietProcess(child.pid!, {timeoutMs: 1500})).quiet).toBe(false);
		} finally {
			child.kill('SIGKILL');
		}
	});
});
