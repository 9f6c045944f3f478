import fs from 'node:fs';
import process from 'node:process';

// glibc's malloc raises its trim and mmap thresholds as a program frees large blocks (up to 32 MB and
// 64 MB), and from then on keeps that much freed memory in each arena instead of returning it. In the
// console the arenas of V8's worker threads (TurboFan's compile zones, GC work lists) keep ~8-12 MB
// freed at 1,001 clusters that way. Fixed thresholds (glibc's defaults, 128 KB) let glibc return it.
// glibc reads them only when a process starts (GLIBC_TUNABLES), so the console re-executes itself
// with them: process.execve replaces the process (same pid, file descriptors, terminal, signals and
// exit status), it does not add one. Node has process.execve from 22.15 and 23.11; older Nodes run
// on as they are (a parent that waited for a child would itself cost more than the ~9 MB gained).

/** The tunables set, and the variable that says they were set here (so children do not inherit them). */
export const mallocTunables = 'glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=131072';
export const mallocTunablesMark = 'CALICO_MCM_MALLOC_TUNED';

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/** Whether this process runs on glibc: musl and others ignore GLIBC_TUNABLES, so re-executing would cost a start for nothing. */
function onGlibc(): boolean {
	try {
		return /\/libc\.so\.6$/m.test(fs.readFileSync('/proc/self/maps', 'latin1'));
	} catch {
		return false;
	}
}

/**
 * Re-executes this process with the tunables, unless it runs with GLIBC_TUNABLES already (the user's
 * own are left alone, and a process started here stops), off Linux or glibc, or on a Node without
 * process.execve. Returns when it does not re-execute (also if execve fails: the process runs on).
 */
export function reexecWithMallocTunables(env: NodeJS.ProcessEnv = process.env): void {
	const execve = (process as unknown as {execve?: Execve}).execve;
	if (process.platform !== 'linux' || typeof execve !== 'function' || env.GLIBC_TUNABLES !== undefined || !onGlibc()) return;
	try {
		execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
			...env,
			GLIBC_TUNABLES: mallocTunables,
			[mallocTunablesMark]: '1',
		});
	} catch {
		// Not executed (a worker thread, a missing binary): this process is as good, with glibc's defaults.
	}
}

/**
 * In the re-executed process: takes the tunables out of the environment again, so that what the
 * console starts (exec credential plugins, an editor, a pager) gets the user's environment unchanged.
 * glibc has read them already. By the mark, not by the value: glibc cuts the variable it has read at
 * its first `:` (it ends each value it parses in place), and the re-execution happened only when the
 * user had set none.
 */
export function forgetMallocTunables(env: NodeJS.ProcessEnv = process.env): void {
	if (env[mallocTunablesMark] !== '1') return;
	delete env[mallocTunablesMark];
	delete env.GLIBC_TUNABLES;
}
