import fs from 'node:fs';
import process from 'node:process';
import {render} from 'ink';
import type {ConsoleServices} from '../app/services.js';
import type {InstallInputs} from '../app/session.js';
import type {ClusterClient} from '../kube/client.js';
import {kubeconfigFiles} from '../kube/kubeconfig-files.js';
import type {FleetConfig} from '../kube/kubeconfig.js';
import type {ManagedClusterNames} from '../mcm/managed-identity.js';
import {createAppStore} from '../store/store.js';
import {createUiStore} from '../store/ui-store.js';
import {App} from '../ui/app.js';
import {installInkOutput} from '../ui/ink-output.js';
import {frameBurst, maxFramesPerSecond} from '../store/pacer.js';
import {ScreenWriter} from '../ui/screen-writer.js';
import {createClock} from '../ui/clock.js';
import {enterAlternateScreen, guardExit, signalExitCode, type ExitReason} from '../ui/terminal.js';
import {asciiEnabled, colorEnabled} from '../ui/theme.js';
import {commonFlags, commonOptions, durationFlag, installFileFlags, managedClusterNameFlag, managedClusterNamesOption, parseCommandLine, simulatedFleetFlags, type CommonOptions} from './common-flags.js';
import type {ConsoleFleet} from './console-fleet.js';
import {demoInputs} from './demo-inputs.js';
import {parseCount, parseSpeed} from './fleet-size.js';
import {loadUserConfig, withConfigDefaults} from './config-file.js';
import {consoleTerminal, type TerminalOwner} from '../app/terminal-lender.js';
import {usage, UsageError} from './usage.js';
import {codeCacheWarm} from './code-cache-warm.js';

// `calico-mcm` with no subcommand: the full-screen console. `--demo` starts the simulator in this
// process and then takes exactly the normal path on the simulator's kubeconfig. What talks to
// clusters (console-fleet.ts, and fleet-access.ts for the kubeconfig) is imported when needed: for
// the first frame only the screen's own modules are loaded.

/** loadFleetConfig, from the module that also makes clients (loaded only when a kubeconfig is read). */
async function loadFleetConfig(access: Pick<CommonOptions, 'kubeconfig' | 'contexts'>): Promise<FleetConfig> {
	return (await import('./fleet-access.js')).loadFleetConfig(access);
}

const consoleFlags = {
	...commonFlags,
	...managedClusterNameFlag,
	ascii: {type: 'boolean', default: false},
	demo: {type: 'boolean', default: false},
	...simulatedFleetFlags,
	...installFileFlags,
	certRefresh: {type: 'string'},
	timeout: {type: 'string'},
} as const;

export type ConsoleOptions = CommonOptions & {
	ascii: boolean;
	/** false: no colour (the config file's `color: false`, as NO_COLOR). */
	color?: boolean;
	/** Defaults of the install prompts (--manifests, --pull-secret, --license). */
	inputs: InstallInputs;
	/** --managed-cluster-name CONTEXT=NAME over the config file's managedClusterNames: which ManagedCluster a context is, when its certificate cannot be read. */
	managedClusterNames?: ManagedClusterNames;
	demo?: {managed: number; standalone: number; bare: number; speed: number};
	/** How often the tunnel certificates are read again (--cert-refresh, default 60 s, longer past 100 clusters; demo 5 s). */
	certRefreshMs?: number;
	/** How long each wait of a plan's steps may take (--timeout, default 10 minutes, as `run`). */
	waitTimeoutMs?: number;
};

export function parseConsoleArgs(argv: string[]): ConsoleOptions | 'help' {
	// usage('console') is the global text: the console is `calico-mcm` itself.
	const parsed = parseCommandLine(argv, 'console', consoleFlags);
	if (parsed.help) return 'help';
	if (parsed.input.length) throw new UsageError(`unknown command "${parsed.input[0]}"`, 'run `calico-mcm --help` for the list of commands');
	const config = loadUserConfig();
	// The demo is self-contained: its own manifests, pull secret and license, not the user's.
	const fromConfig = parsed.flags.demo === true ? ['requestTimeout', 'ascii'] : ['requestTimeout', 'ascii', 'manifests', 'pullSecret', 'license'];
	const flags = withConfigDefaults(parsed.flags, argv, config, fromConfig);
	const text = (value: string | undefined) => (value === '' ? undefined : value);
	const inputs: InstallInputs = {manifests: text(flags.manifests), pullSecret: text(flags.pullSecret), license: text(flags.license), user: config.user, grantRole: config.role};
	// The config file's context → ManagedCluster mapping names the user's contexts, not the demo's.
	const managedClusterNames = managedClusterNamesOption(flags, parsed.flags.demo === true ? {} : config.managedClusterNames);
	const options: ConsoleOptions = {...commonOptions(flags), ascii: flags.ascii === true, color: config.color, inputs, managedClusterNames};
	if (flags.certRefresh !== undefined) options.certRefreshMs = durationFlag(flags.certRefresh, 'certRefresh', 60_000);
	if (flags.timeout !== undefined) options.waitTimeoutMs = durationFlag(flags.timeout, 'timeout', 600_000);
	const demoOnly = (['managed', 'standalone', 'bare', 'speed'] as const).filter(f => flags[f] !== undefined);
	if (flags.demo === true) {
		if (options.kubeconfig) throw new UsageError('--demo and --kubeconfig cannot be used together: the demo writes its own kubeconfig', 'drop one of them');
		options.demo = {
			managed: parseCount('managed', flags.managed) ?? 3,
			standalone: parseCount('standalone', flags.standalone) ?? 1,
			bare: parseCount('bare', flags.bare) ?? 1,
			speed: parseSpeed(flags.speed) ?? 1,
		};
		options.inputs = {...demoInputs(), ...Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined))};
	} else if (demoOnly.length) {
		throw new UsageError(`--${demoOnly[0]} only applies to the demo fleet`, `add --demo: calico-mcm --demo --${demoOnly[0]} ...`);
	}
	return options;
}

type SimFleet = {kubeconfigPath: string; stop: () => Promise<void>};

// Only --demo loads the simulator (through the sim subcommand's module), and only then. Its
// kubeconfig goes to a temporary directory that fleet.stop() removes.
async function startDemo(demo: NonNullable<ConsoleOptions['demo']>): Promise<SimFleet> {
	const {startDemoFleet} = await import('./sim.js');
	return startDemoFleet(demo);
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
	// The flags and the kubeconfig's files are checked before the screen changes; what the files say
	// (a thousand contexts parse in a few hundred ms) is read once the first frame is out, and a
	// mistake there leaves the screen as it was before the message is printed.
	if (!process.stdout.isTTY || !process.stdin.isTTY) {
		if (!options.demo) await loadFleetConfig(options);
		process.stderr.write('calico-mcm: the console needs a terminal (stdin and stdout must be a TTY).\n  fix: run it in a terminal; for scripts and pipes use `calico-mcm status` (--json, --watch)\n');
		return 2;
	}
	if (!options.demo) {
		const noFleet = {demo: false, stopFleet: async () => {}};
		// --context names are checked before the screen changes: a typo is said plainly, not after a flash of the console.
		if (options.contexts.length > 0) {
			const config = await loadFleetConfig(options);
			return runConsole({files: config.files, load: () => config}, options, noFleet);
		}
		return runConsole({files: await kubeconfigSources(options), load: async () => loadFleetConfig(options)}, options, noFleet);
	}

	let fleet: SimFleet | undefined = await startDemo(options.demo);
	const stopFleet = async () => {
		const f = fleet;
		fleet = undefined;
		await f?.stop();
	};
	let config: FleetConfig;
	try {
		config = await loadFleetConfig({kubeconfig: fleet.kubeconfigPath, contexts: options.contexts});
	} catch (error) {
		await stopFleet();
		throw error;
	}
	return runConsole({files: config.files, load: () => config}, options, {demo: true, stopFleet});
}

/** The kubeconfig files that exist, in the order they are read (what loadKubeconfig reports as read). */
async function kubeconfigSources(options: ConsoleOptions): Promise<string[]> {
	const {files, explicit} = kubeconfigFiles({kubeconfig: options.kubeconfig});
	// A --kubeconfig that is missing is said before the screen changes (loadFleetConfig's own words).
	if (explicit && !files.every(f => fs.existsSync(f))) await loadFleetConfig(options);
	return files.filter(f => fs.existsSync(f));
}

/** The fleet's kubeconfig: its files (named at once) and its contents, parsed after the first frame. */
type KubeconfigSource = {files: string[]; load: () => FleetConfig | Promise<FleetConfig>};

async function runConsole(kubeconfig: KubeconfigSource, options: ConsoleOptions, extra: {demo: boolean; stopFleet: () => Promise<void>}): Promise<number> {
	const ui = createUiStore();
	// Late-bound: the screen and the writer exist only once the console is drawn.
	const terminalOwner: {current?: TerminalOwner} = {};
	const terminal = consoleTerminal({
		available: Boolean(process.stdin.isTTY && process.stdout.isTTY),
		release: async () => terminalOwner.current?.release(),
		reclaim: () => terminalOwner.current?.reclaim(),
		write: text => void process.stdout.write(text),
	});
	// Filled once the kubeconfig is read (after the first frame); everything below looks clients up when used.
	const clients = new Map<string, ClusterClient>();
	const store = createAppStore();
	const source = extra.demo ? 'demo' : kubeconfig.files.join(', ');
	// Loaded and started once the first frame is out (below): the modules that talk to clusters are most
	// of the program, and a thousand clusters' TLS handshakes must not delay the frame either.
	let fleet: ConsoleFleet | undefined;

	// Frames built from what the last ones built (ink-output.ts): the bundle has it already.
	await installInkOutput();
	let screen = enterAlternateScreen(process.stdout);
	let finished = false;
	const shutdown = async () => {
		if (finished) return;
		finished = true;
		fleet?.stop();
		for (const c of clients.values()) c.close();
		await extra.stopFleet();
	};
	// ink renders whole frames into the writer (debug mode), which draws only the changed lines;
	// see screen-writer.ts for why ink's own incrementalRendering is not used.
	const writer = new ScreenWriter(process.stdout, {maxFps: maxFramesPerSecond, burst: frameBurst});
	// Frames the clock makes (ages) do not hold back the fleet's next one (ScreenWriter.clockFrame).
	// Ages that only move are rewritten in place, without a frame (age-overlay.ts, ScreenWriter.patchCells).
	const clock = createClock({onRender: () => writer.clockFrame(), patch: writer.patchCells});
	const app = (services: ConsoleServices) => (
		<App store={store} ui={ui} services={services} color={options.color !== false && colorEnabled(process.env)} ascii={asciiEnabled(process.env, options.ascii)} clock={clock} onKeyPress={() => writer.expedite()} />
	);
	// A kubeconfig that cannot be used: the screen is left and the error printed as before the console started.
	let startupError: unknown;
	let loaded = false;
	const startSync = () => {
		if (finished || loaded) return;
		loaded = true;
		void (async () => {
			let started: ConsoleFleet;
			try {
				const [{consoleFleet}, config] = await Promise.all([import('./console-fleet.js'), kubeconfig.load()]);
				if (finished) return;
				const cwd = process.cwd();
				started = consoleFleet({
					store, ui, clients, source, cwd, terminal,
					demo: extra.demo,
					readOnly: options.readOnly,
					inputs: options.inputs,
					waitTimeoutMs: options.waitTimeoutMs,
					requestTimeoutMs: options.requestTimeoutMs,
					certRefreshMs: options.certRefreshMs,
					managedClusterNames: options.managedClusterNames,
				});
				fleet = started;
				started.start(config);
			} catch (error) {
				startupError = error;
				instance.unmount();
				return;
			}
			// The workflows' keys and the inspect services, now that there is a fleet to act on.
			instance.rerender(app(started.services));
		})();
	};
	writer.once('flush', () => {
		// The first frame's code is what V8's code cache keeps for the next start (code-cache.ts): kept
		// now, as the frame is out, not after the work React queues behind it (a start that is stopped
		// within a few hundred ms of its first frame would otherwise never keep it).
		codeCacheWarm();
		setImmediate(startSync);
	});
	// Whatever happens to the first frame, the fleet is not left unwatched.
	setTimeout(startSync, 250).unref();
	// The first frame: the panes, empty, and no keys that act on clusters yet (there are none).
	const instance = render(app({readOnly: options.readOnly, source, actions: [], loading: true}), {
		stdout: writer as unknown as NodeJS.WriteStream, stdin: process.stdin, stderr: process.stderr, debug: true, patchConsole: false, exitOnCtrlC: false,
	});
	const leave = () => {
		writer.dispose();
		screen.restore();
	};
	terminalOwner.current = {
		available: true,
		async release() {
			ui.setState({terminalLent: true});
			// Let React commit, so ink turns raw mode off and stops listening to stdin.
			await new Promise(resolve => setTimeout(resolve, 50));
			if (process.stdin.isTTY) process.stdin.setRawMode(false);
			process.stdin.pause();
			writer.pause();
			screen.restore();
		},
		reclaim() {
			if (finished) return;
			screen = enterAlternateScreen(process.stdout);
			writer.resume();
			ui.setState({terminalLent: false});
		},
		write: text => void process.stdout.write(text),
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
	if (startupError !== undefined) throw startupError;
	return exitCode;
}
