// `calico-mcm sim`: serve a simulated fleet until SIGINT/SIGTERM. stdout carries exactly one `ready`
// line and then one answer per control line; everything else goes to stderr, so scripts can read it.
import process from 'node:process';
import {createInterface} from 'node:readline';
import {maxRemoteManaged, startFleet, type Fleet, type FleetOptions} from '../sim/fleet.js';
import {loadProtobufDefinitions} from '../sim/protobuf.js';
import {parseCommandLine, simulatedFleetFlags} from './common-flags.js';
import {parseCount, parseSpeed} from './fleet-size.js';
import {usage, UsageError} from './usage.js';
import {parseEnterpriseVersion} from '../sim/names.js';

const simFlags = {
	...simulatedFleetFlags,
	remoteManaged: {type: 'string'},
	kubeconfigOut: {type: 'string'},
	enterpriseVersion: {type: 'string'},
	plainHttp: {type: 'string'},
} as const;

export function parseSimArgs(argv: string[]): FleetOptions | 'help' {
	const parsed = parseCommandLine(argv, 'sim', simFlags);
	if (parsed.help) return 'help';
	if (parsed.input.length > 0) throw new UsageError(`unexpected argument "${parsed.input[0]}" for \`calico-mcm sim\``, 'see `calico-mcm help sim`');
	const {flags} = parsed;
	if (flags.enterpriseVersion !== undefined) {
		try {
			parseEnterpriseVersion(flags.enterpriseVersion);
		} catch (error) {
			throw new UsageError(`--enterprise-version: ${(error as Error).message}`, 'e.g. --enterprise-version 3.22 or --enterprise-version 3.24');
		}
	}
	return {
		managed: parseCount('managed', flags.managed),
		standalone: parseCount('standalone', flags.standalone),
		bare: parseCount('bare', flags.bare),
		remoteManaged: parseCount('remote-managed', flags.remoteManaged, maxRemoteManaged),
		kubeconfigOut: flags.kubeconfigOut,
		speed: parseSpeed(flags.speed),
		enterpriseVersion: flags.enterpriseVersion,
		...(flags.plainHttp === undefined ? {} : {plainHttp: flags.plainHttp.split(',').map(s => s.trim()).filter(Boolean)}),
	};
}

/** The demo fleet of `calico-mcm --demo`, in this process: the one other place that starts the simulator. */
export function startDemoFleet(options: {managed: number; standalone: number; bare: number; speed: number}): Promise<Fleet> {
	return startFleet(options);
}

/** Answers control lines one at a time, in order; blank lines and `#` comments get no answer. */
function serveControls(fleet: Fleet): () => void {
	const lines = createInterface({input: process.stdin, terminal: false});
	let queue = Promise.resolve();
	lines.on('line', (line) => {
		const text = line.trim();
		if (text === '' || text.startsWith('#')) return;
		queue = queue.then(async () => {
			process.stdout.write(`${await fleet.control(text)}\n`);
		});
	});
	// CI has no stdin: its end must not stop the fleet.
	lines.on('close', () => {});
	return () => {
		lines.close();
		process.stdin.destroy();
	};
}

export async function main(argv: string[]): Promise<number> {
	const options = parseSimArgs(argv);
	if (options === 'help') {
		process.stdout.write(usage('sim'));
		return 0;
	}
	let fleet: Fleet;
	try {
		fleet = await startFleet(options);
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		if (message.startsWith('--')) throw new UsageError(message, 'see `calico-mcm help sim`');
		throw new Error(`cannot start the simulated fleet: ${message}`);
	}
	loadProtobufDefinitions();
	process.stdout.write(`ready ${fleet.kubeconfigPath}\n`);
	process.stderr.write(`calico-mcm sim: ${fleet.clusters.length} clusters (Calico Enterprise ${fleet.enterpriseVersion}, speed ${fleet.speed}); `
		+ `export KUBECONFIG=${fleet.kubeconfigPath}; controls on stdin, stop with Ctrl-C\n`);
	const stopControls = serveControls(fleet);
	await new Promise<void>((resolve) => {
		const stop = (signal: string) => {
			process.stderr.write(`calico-mcm sim: ${signal}, stopping\n`);
			process.off('SIGINT', onInt);
			process.off('SIGTERM', onTerm);
			resolve();
		};
		const onInt = () => stop('SIGINT');
		const onTerm = () => stop('SIGTERM');
		process.on('SIGINT', onInt);
		process.on('SIGTERM', onTerm);
	});
	stopControls();
	await fleet.stop();
	// Nothing should keep the process alive now; if a stray handle does, do not hang the caller.
	setTimeout(() => process.exit(0), 2000).unref();
	return 0;
}
