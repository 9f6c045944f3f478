#!/usr/bin/env node
// Entry point. Subcommands are loaded lazily so that `calico-mcm status` never pays for Ink and
// the console never pays for the simulator.
import process from 'node:process';
import {enableCompileCache} from './source/cli/compile-cache.js';
import {exitWhenIdle} from './source/cli/quick-exit.js';
import {usage, UsageError} from './source/cli/usage.js';

type Main = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Main>> = {
	sim: async () => (await import('./source/cli/sim.js')).main,
	status: async () => (await import('./source/cli/status.js')).main,
	run: async () => (await import('./source/cli/run.js')).main,
	diags: async () => (await import('./source/cli/diags.js')).main,
	completion: async () => (await import('./source/cli/completion.js')).main,
	__complete: async () => (await import('./source/cli/completion.js')).completeMain,
	version: async () => async () => {
		process.stdout.write(`${(await import('./source/cli/version.js')).version}\n`);
		return 0;
	},
};

async function start(argv: string[]): Promise<number> {
	// Before any command's modules load: they are what the cache saves compiling.
	enableCompileCache();
	const [first, ...rest] = argv;
	if (first === undefined || first.startsWith('-')) {
		if (first === '--help' || first === '-h') {
			process.stdout.write(usage());
			return 0;
		}
		if (first === '--version') {
			process.stdout.write(`${(await import('./source/cli/version.js')).version}\n`);
			return 0;
		}
		// React's development build (the default without NODE_ENV) costs the console about twice the CPU
		// per frame and keeps a performance entry per render; set before React is first imported.
		process.env.NODE_ENV ??= 'production';
		return (await import('./source/cli/console.js')).main(argv);
	}
	if (first === 'help') {
		process.stdout.write(usage(rest[0]));
		return 0;
	}
	const load = commands[first];
	if (!load) throw new UsageError(`unknown command "${first}"`, 'run `calico-mcm --help` for the list of commands');
	return (await load())(rest);
}

start(process.argv.slice(2)).then(
	code => {
		process.exitCode = code;
		exitWhenIdle();
	},
	(error: unknown) => {
		if (error instanceof UsageError) {
			process.stderr.write(`calico-mcm: ${error.message}\n${error.hint ? `  fix: ${error.hint}\n` : ''}`);
			process.exitCode = 2;
			return;
		}
		process.stderr.write(`calico-mcm: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
		process.exitCode = 1;
	},
);
