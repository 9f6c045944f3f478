import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {render} from 'ink';
import type {ClusterClient} from '../kube/client.js';
import {createClients} from '../kube/client.js';
import {ConfigError} from '../kube/errors.js';
import {kubeconfigFiles, loadKubeconfig, type FleetConfig} from '../kube/kubeconfig.js';
import {InterruptedRuns, stateDirectory} from '../mcm/interrupted-runs.js';
import type {ManagedClusterNames} from '../mcm/managed-identity.js';
import {unknownContextError} from '../mcm/plans/common.js';
import {startFleetSync, type FleetSync} from '../store/fleet-sync.js';
import {createAppStore} from '../store/store.js';
import {createUiStore} from '../store/ui-store.js';
import {App} from '../ui/app.js';
import type {ConsoleServices} from '../ui/services.js';
import {ScreenWriter} from '../ui/screen-writer.js';
import {enterAlternateScreen, guardExit, signalExitCode, type ExitReason} from '../ui/terminal.js';
import {asciiEnabled, colorEnabled} from '../ui/theme.js';
import {commonFlags, commonOptions, managedClusterNameFlag, managedClusterNamesOption, parseCommandLine, type CommonOptions} from './common-flags.js';
import {workflowActions, type InstallInputs, type WorkflowDeps} from './console-actions.js';
import {demoInputs} from './demo-inputs.js';
import {followOperatorLog} from './operator-log.js';
import {RunControl} from './run-control.js';
import {usage, UsageError} from './usage.js';

// `calico-mcm` with no subcommand: the full-screen console. `--demo` starts the simulator in this
// process and then takes exactly the normal path on the simulator's kubeconfig.

const consoleFlags = {
	...commonFlags,
	...managedClusterNameFlag,
	ascii: {type: 'boolean', default: false},
	demo: {type: 'boolean', default: false},
	managed: {type: 'string'},
	standalone: {type: 'string'},
	bare: {type: 'string'},
	speed: {type: 'string'},
	manifests: {type: 'string'},
	pullSecret: {type: 'string'},
	license: {type: 'string'},
} as const;

export type ConsoleOptions = CommonOptions & {
	ascii: boolean;
	/** Defaults of the install prompts (--manifests, --pull-secret, --license). */
	inputs: InstallInputs;
	/** --managed-cluster-name CONTEXT=NAME: which ManagedCluster a context is, when its certificate cannot be read. */
	managedClusterNames?: ManagedClusterNames;
	demo?: {managed: number; standalone: number; bare: number; speed: number};
};

function count(flags: Record<string, unknown>, name: string, fallback: number): number {
	const raw = flags[name];
	if (raw === undefined) return fallback;
	const text = String(raw);
	if (!/^\d+$/.test(text) || Number(text) > 5000) throw new UsageError(`invalid --${name} "${text}": a whole number from 0 to 5000`, `e.g. --${name} 3`);
	return Number(text);
}

export function parseConsoleArgs(argv: string[]): ConsoleOptions | 'help' {
	// usage('console') is the global text: the console is `calico-mcm` itself.
	const parsed = parseCommandLine(argv, 'console', consoleFlags);
	if (parsed.help) return 'help';
	if (parsed.input.length) throw new UsageError(`unknown command "${parsed.input[0]}"`, 'run `calico-mcm --help` for the list of commands');
	const flags = parsed.flags;
	const text = (name: string) => (typeof flags[name] === 'string' && flags[name] !== '' ? (flags[name] as string) : undefined);
	const inputs: InstallInputs = {manifests: text('manifests'), pullSecret: text('pullSecret'), license: text('license')};
	const options: ConsoleOptions = {...commonOptions(flags), ascii: flags.ascii === true, inputs, managedClusterNames: managedClusterNamesOption(flags)};
	const demoOnly = ['managed', 'standalone', 'bare', 'speed'].filter(f => flags[f] !== undefined);
	if (flags.demo === true) {
		if (options.kubeconfig) throw new UsageError('--demo and --kubeconfig cannot be used together: the demo writes its own kubeconfig', 'drop one of them');
		let speed = 1;
		if (flags.speed !== undefined) {
			speed = Number(flags.speed);
			if (!/^\d*\.?\d+$/.test(String(flags.speed)) || !Number.isFinite(speed)) throw new UsageError(`invalid --speed "${String(flags.speed)}": a number, 0 or more (0 = at once, 1 = realistic)`, 'e.g. --speed 0.2');
		}
		options.demo = {managed: count(flags, 'managed', 3), standalone: count(flags, 'standalone', 1), bare: count(flags, 'bare', 1), speed};
		options.inputs = {...demoInputs(), ...Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined))};
	} else if (demoOnly.length) {
		throw new UsageError(`--${demoOnly[0]} only applies to the demo fleet`, `add --demo: calico-mcm --demo --${demoOnly[0]} ...`);
	}
	return options;
}

type SimFleet = {kubeconfigPath: string; stop: () => Promise<void>};

// The one place outside source/sim (and tests) that loads the simulator, and only for --demo. Its
// kubeconfig goes to a temporary directory that fleet.stop() removes.
async function startDemo(demo: NonNullable<ConsoleOptions['demo']>): Promise<SimFleet> {
	const {startFleet} = await import('../sim/fleet.js');
	return startFleet(demo);
}

function noKubeconfigMessage(options: ConsoleOptions): string | undefined {
	if (options.kubeconfig || options.demo) return undefined;
	const {files} = kubeconfigFiles({});
	if (files.some(f => fs.existsSync(f))) return undefined;
	return (
		`calico-mcm: no kubeconfig found (looked for ${process.env.KUBECONFIG ? `KUBECONFIG: ${files.join(', ')}` : files[0]}).\n` +
		'  fix: point --kubeconfig FILE (or KUBECONFIG) at a kubeconfig with your clusters\' contexts,\n' +
		'  or try the console on a simulated fleet, nothing to install:  calico-mcm --demo\n'
	);
}

function configErrorMessage(error: ConfigError): string {
	const where = error.file ? ` (${error.file}${error.line ? `:${error.line}` : ''})` : '';
	const message = error.file && error.message.includes(error.file) ? error.message : `${error.message}${where}`;
	return `calico-mcm: ${message}\n  fix: ${error.hint}\n`;
}

/** OSC 52: the terminal the user sits at (through SSH and tmux) puts the text on its clipboard. */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

export function consoleServices(clients: ReadonlyMap<string, ClusterClient>, options: {readOnly: boolean; source: string; control?: RunControl; workflow?: Omit<WorkflowDeps, 'control' | 'clients'>}): ConsoleServices {
	return {
		readOnly: options.readOnly,
		source: options.source,
		actions: options.control && options.workflow ? workflowActions({...options.workflow, control: options.control, clients}) : [],
		followOperatorLog(clusterId, sink) {
			const client = clients.get(clusterId);
			if (!client) {
				sink.status(`no kubeconfig context for ${clusterId}`, true);
				return () => {};
			}
			return followOperatorLog(client, sink);
		},
	};
}

/** The fleet's kubeconfig, or the message (naming the file and the fix) for a ConfigError. */
function loadConfig(kubeconfig: string | undefined, contexts: string[]): FleetConfig | string {
	try {
		return loadKubeconfig({kubeconfig, contexts});
	} catch (error) {
		if (error instanceof ConfigError) return configErrorMessage(error);
		throw error;
	}
}

export async function main(argv: string[]): Promise<number> {
	const options = parseConsoleArgs(argv);
	if (options === 'help') {
		process.stdout.write(usage());
		return 0;
	}
	const missing = noKubeconfigMessage(options);
	if (missing) {
		process.stderr.write(missing);
		return 2;
	}
	// Everything the user gave is checked before the screen changes.
	let config = options.demo ? undefined : loadConfig(options.kubeconfig, options.contexts);
	if (typeof config === 'string') {
		process.stderr.write(config);
		return 2;
	}
	if (!process.stdout.isTTY || !process.stdin.isTTY) {
		process.stderr.write('calico-mcm: the console needs a terminal (stdin and stdout must be a TTY).\n  fix: run it in a terminal; for scripts and pipes use `calico-mcm status` (--json, --watch)\n');
		return 2;
	}

	let fleet: SimFleet | undefined;
	if (options.demo) fleet = await startDemo(options.demo);
	const stopFleet = async () => {
		const f = fleet;
		fleet = undefined;
		await f?.stop();
	};
	if (fleet) {
		config = loadConfig(fleet.kubeconfigPath, options.contexts);
		if (typeof config === 'string') {
			await stopFleet();
			process.stderr.write(config);
			return 2;
		}
	}
	if (!config) throw new Error('no kubeconfig loaded');
	return runConsole(config, options, {demo: Boolean(fleet), stopFleet});
}

async function runConsole(config: FleetConfig, options: ConsoleOptions, extra: {demo: boolean; stopFleet: () => Promise<void>}): Promise<number> {
	const clients = createClients(config, {requestTimeoutMs: options.requestTimeoutMs});
	const store = createAppStore();
	const ui = createUiStore();
	const source = extra.demo ? 'demo' : config.files.join(', ');
	store.getState().addLog({level: 'info', text: `${extra.demo ? 'demo fleet: ' : ''}watching ${clients.size} context${clients.size === 1 ? '' : 's'} from ${source}${options.readOnly ? ' (read-only)' : ''}`});
	const sync: FleetSync = startFleetSync({store, clients, managedClusterNames: options.managedClusterNames});
	const cwd = process.cwd();
	const stateDir = stateDirectory();
	const control = new RunControl({
		store,
		readOnly: options.readOnly,
		source,
		cwd,
		// The demo's fleet dies with the console: nothing to resume there.
		interrupted: extra.demo ? undefined : new InterruptedRuns(stateDir, {onProblem: text => store.getState().addLog({level: 'warn', text})}),
		env: {
			client(context) {
				const client = clients.get(context);
				if (!client) throw unknownContextError(context, [...clients.keys()]);
				return client;
			},
			cwd,
		},
	});
	const services = consoleServices(clients, {
		readOnly: options.readOnly,
		source,
		control,
		workflow: {inputs: options.inputs, cwd, tokenDir: path.join(stateDir, 'tokens'), clipboard: text => process.stdout.write(osc52(text))},
	});
	const offerAbort = new AbortController();
	void control.offerInterrupted(cluster => clients.has(cluster), offerAbort.signal).then(
		n => n > 0 && store.getState().addLog({level: 'warn', text: `${n} run${n === 1 ? '' : 's'} of an earlier session did not finish: the steps pane lists each (cluster, plan, steps done, start); press r there to resume them all`}),
		() => undefined,
	);

	const screen = enterAlternateScreen(process.stdout);
	let finished = false;
	const shutdown = async () => {
		if (finished) return;
		finished = true;
		offerAbort.abort();
		control.dispose();
		sync.stop();
		for (const c of clients.values()) c.close();
		await extra.stopFleet();
	};
	// ink renders whole frames into the writer (debug mode), which draws only the changed lines;
	// see screen-writer.ts for why ink's own incrementalRendering is not used.
	const writer = new ScreenWriter(process.stdout, {maxFps: 15});
	const instance = render(
		<App store={store} ui={ui} services={services} color={colorEnabled(process.env)} ascii={asciiEnabled(process.env, options.ascii)} />,
		{stdout: writer as unknown as NodeJS.WriteStream, stdin: process.stdin, stderr: process.stderr, debug: true, patchConsole: false, exitOnCtrlC: false},
	);
	const leave = () => {
		writer.dispose();
		screen.restore();
	};
	let exitCode = 0;
	const unguard = guardExit({
		restore: leave,
		onExit(reason: ExitReason) {
			instance.unmount();
			leave();
			if (reason.kind === 'error') {
				const error = reason.error;
				process.stderr.write(`calico-mcm: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
			}
			exitCode = reason.kind === 'signal' ? signalExitCode(reason.signal) : 1;
			// Leave promptly even if a cluster hangs: shutdown only closes sockets and timers.
			void shutdown().finally(() => process.exit(exitCode));
		},
	});
	try {
		await instance.waitUntilExit();
	} finally {
		instance.cleanup();
		leave();
		unguard();
		await shutdown();
	}
	return exitCode;
}
