import meow, {type Flag} from 'meow';
import {parseDuration} from '../kube/duration.js';
import {parseManagedClusterNames, type ManagedClusterNames} from '../mcm/managed-identity.js';
import {usage, UsageError} from './usage.js';

// Flag parsing shared by the console, `status` and `run`: meow for the parsing, plus what meow does
// not do for us without exiting the process: refuse unknown flags (exit 2 through UsageError),
// refuse string flags given without a value, and validate durations.

export type FlagSpec = {
	type: 'string' | 'boolean' | 'number';
	isMultiple?: boolean;
	shortFlag?: string;
	default?: unknown;
};

export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed value of each flag: what meow gives for its spec. */
export type FlagValues<F extends FlagSpecs> = {
	[K in keyof F]: F[K] extends {type: 'boolean'} ? boolean | undefined
		: F[K] extends {isMultiple: true} ? string[] | undefined
		: F[K] extends {type: 'number'} ? number | undefined
		: string | undefined;
};

/** The cluster-access flags every command that talks to clusters takes. */
export const commonFlags = {
	kubeconfig: {type: 'string'},
	context: {type: 'string', isMultiple: true},
	requestTimeout: {type: 'string'},
	readOnly: {type: 'boolean', default: false},
} as const satisfies FlagSpecs;

/** The flags that size and pace a simulated fleet: the demo console and `sim`. */
export const simulatedFleetFlags = {
	managed: {type: 'string'},
	standalone: {type: 'string'},
	bare: {type: 'string'},
	speed: {type: 'string'},
} as const satisfies FlagSpecs;

/** The files an install needs: the console (its install and join workflows) and `run`. */
export const installFileFlags = {
	manifests: {type: 'string'},
	pullSecret: {type: 'string'},
	license: {type: 'string'},
} as const satisfies FlagSpecs;

export type CommonOptions = {
	/** --kubeconfig FILE; undefined = $KUBECONFIG, else ~/.kube/config. */
	kubeconfig?: string;
	/** --context NAME (repeatable); empty = every context. */
	contexts: string[];
	/** --request-timeout DUR, in ms (default 10 s). */
	requestTimeoutMs: number;
	readOnly: boolean;
};

export const defaultRequestTimeoutMs = 10_000;

const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);

export type ParsedCommandLine<F extends FlagSpecs> = {
	input: string[];
	flags: FlagValues<F>;
	/** --help / -h was given: the caller prints usage(command) and exits 0. */
	help: boolean;
};

/**
 * Parse argv for `command` with these flags (camelCase keys, as meow). Throws UsageError for an
 * unknown flag, a string flag without a value, or a repeated single-valued flag.
 */
export function parseCommandLine<F extends FlagSpecs>(argv: string[], command: string, flags: F): ParsedCommandLine<F> {
	const hint = `see \`calico-mcm help ${command}\``;
	const known = new Map<string, FlagSpec>();
	for (const [name, spec] of Object.entries(flags)) {
		known.set(kebab(name), spec);
		if (spec.shortFlag) known.set(spec.shortFlag, spec);
	}
	let help = false;
	// What meow is given: a value that starts with '-' (`--timeout -5s`) joined to its flag, or meow
	// would read it as flags of its own.
	const normalized = [...argv];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') break;
		if (!arg.startsWith('-') || arg === '-') continue;
		if (arg === '--help' || arg === '-h') {
			help = true;
			continue;
		}
		const [rawName, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
		let spec = known.get(rawName);
		if (!spec && rawName.startsWith('no-') && known.get(rawName.slice(3))?.type === 'boolean') spec = known.get(rawName.slice(3));
		if (!spec) throw new UsageError(`unknown flag ${arg.split('=')[0]} for \`${command}\``, hint);
		if (spec.type !== 'boolean' && inline === undefined) {
			const next = argv[i + 1];
			// A negative number (`--timeout -5s`) is a value, to be refused as such by the flag's own check.
			if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next))) throw new UsageError(`flag --${rawName} needs a value`, hint);
			// `--role ''` is a mistake (an unset shell variable), never a way to ask for the default.
			if (next === '') throw new UsageError(`flag --${rawName} needs a value (it was given an empty string)`, hint);
			// Joined to its flag for meow, which would otherwise read `-5s` as flags of its own.
			if (next.startsWith('-')) {
				normalized[i] = `${arg}=${next}`;
				normalized[i + 1] = '';
			}
			i++;
		}
		if (spec.type !== 'boolean' && inline === '') throw new UsageError(`flag --${rawName} needs a value`, hint);
	}
	if (help) return {input: [], flags: {} as FlagValues<F>, help: true};
	let result;
	try {
		result = meow(usage(command), {
			importMeta: import.meta,
			pkg: {name: 'calico-mcm'},
			argv: normalized.filter((a, i) => a !== '' || argv[i] === ''),
			// FlagSpec is the subset of meow's flag specs used here; FlagValues types what it returns.
			flags: flags as unknown as Record<string, Flag<'string', string>>,
			allowUnknownFlags: true,
			autoHelp: false,
			autoVersion: false,
			booleanDefault: undefined,
		});
	} catch (error) {
		// meow throws for a repeated single-valued flag.
		throw new UsageError((error as Error).message.replace(/`/g, ''), hint);
	}
	return {input: result.input.map(String), flags: result.flags as FlagValues<F>, help: false};
}

/** A duration flag's value in ms, or the default. Throws UsageError naming the flag. */
export function durationFlag(value: string | undefined, name: string, defaultMs: number): number {
	if (value === undefined) return defaultMs;
	if (/^\s*-/.test(String(value))) throw new UsageError(`invalid --${kebab(name)} "${String(value)}": it must be positive`, 'e.g. 10s, 500ms, 2m');
	try {
		const ms = parseDuration(String(value), `--${kebab(name)}`);
		if (ms <= 0) throw new Error(`invalid --${kebab(name)} "${String(value)}": it must be more than zero`);
		return ms;
	} catch (error) {
		throw new UsageError((error as Error).message, 'e.g. 10s, 500ms, 2m');
	}
}

/** --managed-cluster-name CONTEXT=NAME (repeatable): which ManagedCluster a context is, when its certificate cannot be read. */
export const managedClusterNameFlag = {managedClusterName: {type: 'string', isMultiple: true}} as const satisfies FlagSpecs;

/**
 * The context → ManagedCluster mapping: the config file's `managedClusterNames` section, with each
 * --managed-cluster-name flag overriding the file's entry for its context.
 */
export function managedClusterNamesOption(flags: FlagValues<typeof managedClusterNameFlag>, fromConfig: ManagedClusterNames = {}): ManagedClusterNames | undefined {
	const values = flags.managedClusterName ?? [];
	let given: ManagedClusterNames;
	try {
		given = parseManagedClusterNames(values);
	} catch (error) {
		throw new UsageError((error as Error).message, 'e.g. --managed-cluster-name gke_proj_zone_prod=prod (repeat it for each context)');
	}
	const merged = {...fromConfig, ...given};
	return Object.keys(merged).length === 0 ? undefined : merged;
}

/** The common options from parsed flags (parseCommandLine with commonFlags merged in). */
export function commonOptions(flags: FlagValues<typeof commonFlags>): CommonOptions {
	const contexts = (flags.context ?? []).filter(c => c !== '');
	const options: CommonOptions = {
		contexts: [...new Set(contexts)],
		requestTimeoutMs: durationFlag(flags.requestTimeout, 'requestTimeout', defaultRequestTimeoutMs),
		readOnly: flags.readOnly === true,
	};
	if (typeof flags.kubeconfig === 'string' && flags.kubeconfig !== '') options.kubeconfig = flags.kubeconfig;
	return options;
}
