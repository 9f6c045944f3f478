// Running an exec credential plugin as a process: detached in its own process group (killed whole
// on a timeout or at exit), or in the foreground of the terminal for a login. What the plugin printed
// is handed back; whether it is a credential is the provider's business (exec-credentials.ts).

import {spawn, type ChildProcess} from 'node:child_process';
import PQueue from 'p-queue';
import type {KubeError} from './errors.js';
import {contextMark, maskPluginOutput, type ExecError} from './exec-error.js';
import {formatDuration} from './duration.js';

/**
 * At most this many plugins run at once, process-wide: with hundreds of contexts a cold start would
 * otherwise fork hundreds of gcloud/aws processes on a small jump host at the same moment.
 */
export const maxConcurrentPlugins = 4;
const pluginSlots = new PQueue({concurrency: maxConcurrentPlugins});

/** Runs `fn` once fewer than maxConcurrentPlugins plugin runs are going on. */
export function withPluginSlot<T>(fn: () => Promise<T>): Promise<T> {
	return pluginSlots.add(fn);
}

/**
 * Plugins still running, by process group. A plugin is spawned as the leader of its own group so that
 * a timeout or a shutdown kills what it started too (a helper that inherited its stdout would keep the
 * pipes, and so this process, alive). The exit hook is the last line of defence for a process.exit().
 */
const runningGroups = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess): void {
	runningGroups.delete(child);
	if (child.pid !== undefined) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			try {
				child.kill('SIGKILL');
			} catch {
				// already gone
			}
		}
	}
	// A grandchild that left the group (setsid) could still hold the pipes: let go of our ends.
	child.stdout?.destroy();
	child.stderr?.destroy();
}

function trackGroup(child: ChildProcess): void {
	runningGroups.add(child);
	if (!exitHook) {
		exitHook = true;
		process.once('exit', () => {
			for (const running of [...runningGroups]) killGroup(running);
		});
	}
}

/** A plugin run in progress: stopped by cancel(error); said() is its masked stderr so far (": ..."), or ''. */
export type RunningPlugin = {child: ChildProcess; cancel: (error: KubeError) => void; said: () => string};

export type PluginRun = {
	command: string;
	/** As written in the kubeconfig, for messages. */
	displayCommand: string;
	args: string[];
	env: NodeJS.ProcessEnv;
	installHint?: string;
	/** How long the run may take before it is stopped. */
	timeoutMs: number;
	/** An ExecError for this provider's context. */
	fail: (template: string, cause?: unknown) => ExecError;
	/** Told of the run when it starts, and with undefined once it has settled. */
	running: (run: RunningPlugin | undefined) => void;
};

/** Settles once: clears the timer and the running run, then resolves with stdout or rejects. */
function settler(run: PluginRun, resolve: (stdout: string) => void, reject: (error: KubeError) => void, cleanup: () => void) {
	let settled = false;
	return (error: KubeError | undefined, stdout = '') => {
		if (settled) return;
		settled = true;
		cleanup();
		run.running(undefined);
		if (error) reject(error);
		else resolve(stdout);
	};
}

/** The plugin with the terminal as stdin and stderr (a person logs in); resolves with its stdout. */
export function runInTerminal(run: PluginRun): Promise<string> {
	const name = run.displayCommand;
	return new Promise<string>((resolve, reject) => {
		let stdout = '';
		const settle = settler(run, resolve, reject, () => clearTimeout(timer));
		// Not detached: the plugin must stay in the terminal's foreground process group to read it.
		const child = spawn(run.command, run.args, {env: run.env, stdio: ['inherit', 'pipe', 'inherit']});
		const stop = (error: KubeError) => {
			child.kill('SIGTERM');
			setTimeout(() => child.kill('SIGKILL'), 2000).unref();
			settle(error);
		};
		run.running({child, cancel: stop, said: () => ''});
		const timer = setTimeout(() => stop(run.fail(`the login of exec plugin "${name}" did not finish within ${formatDuration(run.timeoutMs)} (context ${contextMark}); it was stopped`)), run.timeoutMs);
		timer.unref?.();
		child.stdout!.setEncoding('utf8');
		child.stdout!.on('data', (chunk: string) => (stdout += chunk));
		child.on('error', (error: NodeJS.ErrnoException) => settle(run.fail(`exec plugin "${name}" could not start: ${error.message} (context ${contextMark})`, error)));
		child.on('exit', code => {
			const finish = () => {
				if (code !== 0) return settle(run.fail(`exec plugin "${name}" exited with code ${code} in the terminal (context ${contextMark}); the login did not complete`));
				settle(undefined, stdout);
			};
			if (child.stdout!.readableEnded || child.stdout!.destroyed) finish();
			else child.stdout!.once('close', finish);
		});
	});
}

/** The plugin without a terminal, leading its own process group; resolves with its stdout. */
export function runDetached(run: PluginRun): Promise<string> {
	const name = run.displayCommand;
	return new Promise<string>((resolve, reject) => {
		let stdout = '';
		let stderr = '';
		// detached: the plugin leads its own process group (see killGroup), and has no controlling
		// terminal to prompt on: a prompt it cannot show would only hang.
		const child = spawn(run.command, run.args, {env: run.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
		const settle = settler(run, resolve, reject, () => {
			clearTimeout(timer);
			runningGroups.delete(child);
		});
		const said = () => {
			const tail = maskPluginOutput(stderr.trim());
			return tail ? `: ${tail.split('\n').slice(-3).join(' / ')}` : '';
		};
		trackGroup(child);
		const stop = (error: KubeError) => {
			killGroup(child);
			settle(error);
		};
		run.running({child, cancel: stop, said});
		const timer = setTimeout(() => {
			stop(run.fail(`exec plugin "${name}" gave no credential within ${formatDuration(run.timeoutMs)} (context ${contextMark}); it was stopped${said()}`));
		}, run.timeoutMs);
		timer.unref?.();
		child.stdout!.setEncoding('utf8');
		child.stderr!.setEncoding('utf8');
		child.stdout!.on('data', (chunk: string) => (stdout += chunk));
		child.stderr!.on('data', (chunk: string) => {
			// Keep the tail: that is where a plugin says what went wrong.
			stderr = (stderr + chunk).slice(-4000);
		});
		child.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'ENOENT') {
				const where = run.command.includes('/') ? `at ${run.command}` : 'on PATH';
				const hint = run.installHint ? `: ${run.installHint.trim()}` : '; install it or fix users[].user.exec.command in the kubeconfig';
				settle(run.fail(`exec plugin "${name}" not found ${where} (context ${contextMark})${hint}`, error));
			} else if (error.code === 'EACCES') {
				settle(run.fail(`exec plugin "${name}" is not executable (context ${contextMark}); chmod +x it`, error));
			} else settle(run.fail(`exec plugin "${name}" could not start: ${error.message} (context ${contextMark})`, error));
		});
		// 'exit', not 'close': a helper the plugin left behind may hold the pipes long after the
		// plugin answered. Its process group goes with it.
		child.on('exit', (code, signal) => {
			runningGroups.delete(child);
			const finish = () => {
				if (code !== 0) {
					const detail = maskPluginOutput(stderr.trim()) || `no output on stderr`;
					const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
					const error = run.fail(`exec plugin "${name}" ${how} (context ${contextMark}): ${detail}`);
					error.exited = true;
					settle(error);
					return;
				}
				settle(undefined, stdout);
			};
			// The last chunks of stdout may still be in the pipe: read until it closes, or briefly.
			if (child.stdout!.readableEnded || child.stdout!.destroyed) finish();
			else {
				const grace = setTimeout(() => {
					child.stdout!.destroy();
					child.stderr!.destroy();
					finish();
				}, 200);
				child.stdout!.once('close', () => {
					clearTimeout(grace);
					finish();
				});
			}
		});
	});
}
