// `calico-mcm sim`: serve a simulated fleet until SIGINT/SIGTERM. stdout carries exactly one `ready`
// line and then one answer per control line; everything else goes to stderr, so scripts can read it.
import process from 'node:process';
import {createInterface} from 'node:readline';
import meow from 'meow';
import {usage, UsageError} from '../cli/usage.js';
import {maxClusters, startFleet, type Fleet, type FleetOptions} from './fleet.js';
import {parseEnterpriseVersion} from './names.js';

const known = ['managed', 'standalone', 'bare', 'kubeconfigOut', 'speed', 'enterpriseVersion', 'help'];
const kebab = (flag: string) => flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function countFlag(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	if (!/^\d+$/.test(value.trim()) || Number(value) > maxClusters) {
		throw new UsageError(`--${name} "${value}" is not a valid count`, `give a whole number from 0 to ${maxClusters}, e.g. --${name} 3`);
	}
	return Number(value);
}

export function parseSimArgs(argv: string[]): FleetOptions | 'help' {
	let cli;
	try {
		cli = meow(usage('sim'), {
			importMeta: import.meta,
			argv,
			autoHelp: false,
			autoVersion: false,
			allowUnknownFlags: true,
			flags: {
				managed: {type: 'string'},
				standalone: {type: 'string'},
				bare: {type: 'string'},
				kubeconfigOut: {type: 'string'},
				speed: {type: 'string'},
				enterpriseVersion: {type: 'string'},
				help: {type: 'boolean', shortFlag: 'h'},
			},
		});
	} catch (error) {
		throw new UsageError(error instanceof Error ? error.message : String(error), 'see `calico-mcm help sim`');
	}
	const unknown = Object.keys(cli.unnormalizedFlags).filter((f) => !known.includes(f) && f !== 'h');
	if (unknown.length > 0) {
		throw new UsageError(`unknown flag ${unknown.map((f) => `--${kebab(f)}`).join(', ')} for \`calico-mcm sim\``, 'see `calico-mcm help sim` for its flags');
	}
	if (cli.input.length > 0) throw new UsageError(`unexpected argument "${cli.input[0]}" for \`calico-mcm sim\``, 'see `calico-mcm help sim`');
	if (cli.flags.help) return 'help';
	const flags = cli.flags;
	for (const name of ['kubeconfigOut', 'speed', 'enterpriseVersion'] as const) {
		if (flags[name] !== undefined && flags[name].trim() === '') throw new UsageError(`--${kebab(name)} needs a value`, 'see `calico-mcm help sim`');
	}
	let speed: number | undefined;
	if (flags.speed !== undefined) {
		speed = Number(flags.speed);
		if (!Number.isFinite(speed) || speed < 0 || speed > 1000) {
			throw new UsageError(`--speed "${flags.speed}" is not a valid speed`, 'give a number from 0 (at once) to 1000; 1 is the demo pace');
		}
	}
	if (flags.enterpriseVersion !== undefined) {
		try {
			parseEnterpriseVersion(flags.enterpriseVersion);
		} catch (error) {
			throw new UsageError(`--enterprise-version: ${(error as Error).message}`, 'e.g. --enterprise-version 3.22 or --enterprise-version 3.24');
		}
	}
	return {
		managed: countFlag('managed', flags.managed),
		standalone: countFlag('standalone', flags.standalone),
		bare: countFlag('bare', flags.bare),
		kubeconfigOut: flags.kubeconfigOut,
		speed,
		enterpriseVersion: flags.enterpriseVersion,
	};
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
