// `run`'s flags, which plan takes which, and the plan options they make: every check a command line
// can fail (a flag another plan owns, a missing --management, a --role or --service out of range) is
// made here, before any cluster is contacted.

import type {PlanRequest} from '../mcm/plans/index.js';
import type {PlanId} from '../mcm/step.js';
import {commonFlags, installFileFlags, type FlagValues} from './common-flags.js';
import {UsageError} from './usage.js';

export const runFlags = {
	...commonFlags,
	dryRun: {type: 'boolean', default: false},
	yes: {type: 'boolean', default: false},
	timeout: {type: 'string'},
	role: {type: 'string'},
	...installFileFlags,
	address: {type: 'string'},
	service: {type: 'string'},
	user: {type: 'string'},
	tokenFile: {type: 'string'},
	showToken: {type: 'boolean', default: false},
	output: {type: 'string'},
	recreate: {type: 'boolean', default: false},
	management: {type: 'string'},
	name: {type: 'string'},
	force: {type: 'boolean', default: false},
} as const;

export type Flags = FlagValues<typeof runFlags>;
type PlanFlag = Exclude<keyof typeof runFlags, keyof typeof commonFlags | 'dryRun' | 'yes' | 'timeout'>;

// Which plan takes which of its own flags (the common ones are for all).
export const planFlags: Record<PlanId, PlanFlag[]> = {
	install: ['role', 'manifests', 'pullSecret', 'license'],
	'make-management': ['address', 'service'],
	'create-admin': ['user', 'tokenFile', 'showToken'],
	'add-managed': ['output', 'recreate'],
	join: ['management', 'name', 'manifests', 'pullSecret', 'output', 'recreate', 'user', 'role'],
	grant: ['user', 'role'],
	unmanage: ['management', 'name'],
	'unmake-management': ['force'],
	'fix-address': ['management'],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);

type StringFlag = {[K in PlanFlag]: Flags[K] extends boolean | undefined ? never : K}[PlanFlag];

export function stringFlag(flags: Flags, name: StringFlag): string | undefined {
	const v = flags[name];
	return typeof v === 'string' && v !== '' ? v : undefined;
}

export function requiredFlag(flags: Flags, name: StringFlag, plan: string, example: string): string {
	const v = stringFlag(flags, name);
	if (!v) throw new UsageError(`\`run ${plan}\` needs --${kebab(name)}`, `e.g. --${kebab(name)} ${example}`);
	return v;
}

/** Plan options from the command line; throws UsageError naming what is missing or wrong. */
export function planRequest(id: PlanId, context: string, positional: string[], flags: Flags): PlanRequest {
	return {id, options: planOptions(id, context, positional, flags)} as PlanRequest;
}

/** The options of plan `id` from the command line; throws UsageError naming what is missing or wrong. */
function planOptions(id: PlanId, context: string, positional: string[], flags: Flags): PlanRequest['options'] {
	const own = Object.keys(runFlags).filter((k): k is PlanFlag => !(k in commonFlags) && !['dryRun', 'yes', 'timeout'].includes(k));
	const given = own.filter(k => flags[k] !== undefined && flags[k] !== false);
	const foreign = given.filter(k => !planFlags[id].includes(k));
	if (foreign.length > 0) throw new UsageError(`--${kebab(foreign[0]!)} is not an option of \`run ${id}\``, `see \`calico-mcm help run\``);
	const takesName = id === 'add-managed';
	if (positional.length > (takesName ? 1 : 0)) throw new UsageError(`unexpected argument "${positional[takesName ? 1 : 0]}" for \`run ${id}\``, 'see `calico-mcm help run`');
	switch (id) {
		case 'install': {
			const role = requiredFlag(flags, 'role', id, 'management');
			if (!['management', 'managed', 'standalone'].includes(role)) throw new UsageError(`--role "${role}": expected management, managed or standalone`);
			return {context, role: role as 'management', manifests: requiredFlag(flags, 'manifests', id, 'DIR'), pullSecret: requiredFlag(flags, 'pullSecret', id, 'pull-secret.json'), license: stringFlag(flags, 'license')};
		}
		case 'make-management': {
			const service = stringFlag(flags, 'service');
			if (service && service !== 'nodeport' && service !== 'loadbalancer') throw new UsageError(`--service "${service}": expected nodeport or loadbalancer`);
			return {context, address: stringFlag(flags, 'address'), service: service as 'nodeport' | undefined};
		}
		case 'create-admin':
			return {context, user: stringFlag(flags, 'user'), tokenFile: stringFlag(flags, 'tokenFile'), showToken: flags.showToken === true};
		case 'add-managed': {
			const name = positional[0];
			if (!name) throw new UsageError('`run add-managed` needs the managed cluster NAME', 'e.g. calico-mcm run add-managed --context mgmt prod-eu-1');
			return {context, name, output: stringFlag(flags, 'output'), recreate: flags.recreate === true};
		}
		case 'join':
			return {
				context,
				management: requiredFlag(flags, 'management', id, 'mgmt'),
				name: stringFlag(flags, 'name'),
				manifests: stringFlag(flags, 'manifests'),
				pullSecret: stringFlag(flags, 'pullSecret'),
				output: stringFlag(flags, 'output'),
				recreate: flags.recreate === true,
				user: stringFlag(flags, 'user'),
				role: stringFlag(flags, 'role'),
			};
		case 'grant':
			return {context, user: stringFlag(flags, 'user'), role: stringFlag(flags, 'role')};
		case 'unmanage':
			return {context, management: stringFlag(flags, 'management'), name: stringFlag(flags, 'name')};
		case 'unmake-management':
			return {context, force: flags.force === true};
		case 'fix-address':
			return {context, management: requiredFlag(flags, 'management', id, 'mgmt')};
	}
}
