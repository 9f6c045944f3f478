// The defaults a person sets once: $XDG_CONFIG_HOME/calico-mcm/config.yaml (else ~/.config/...).
// Flags given on the command line win over it. A file that is there but wrong stops the command with
// the file, the line and the fix (exit 2): silently ignoring a typo would run with other defaults.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {parseDuration} from '../kube/duration.js';
import {UsageError} from './usage.js';

export type UserConfig = {
	/** The file read, or undefined when there is none. */
	file?: string;
	requestTimeout?: string;
	manifests?: string;
	pullSecret?: string;
	license?: string;
	/** Service account and cluster role for grant/join/create-admin. */
	user?: string;
	role?: string;
	ascii?: boolean;
	color?: boolean;
	/**
	 * Context name → ManagedCluster name, for contexts whose name differs from their ManagedCluster's
	 * (typical of EKS/GKE context names). Consumed by the fleet's connection matching.
	 */
	managedClusterNames: Record<string, string>;
};

type Kind = 'string' | 'path' | 'duration' | 'boolean' | 'map';

const keys: Record<Exclude<keyof UserConfig, 'file'>, Kind> = {
	requestTimeout: 'duration',
	manifests: 'path',
	pullSecret: 'path',
	license: 'path',
	user: 'string',
	role: 'string',
	ascii: 'boolean',
	color: 'boolean',
	managedClusterNames: 'map',
};

export const configExample = `# calico-mcm defaults; every flag given on the command line wins.
requestTimeout: 15s               # --request-timeout
manifests: ~/calico/manifests     # --manifests (a directory or an https:// URL)
pullSecret: ~/calico/pull-secret.json
license: ~/calico/license.yaml
user: sre-team                    # --user for create-admin, grant and join
role: tigera-network-admin        # --role for grant and join
ascii: false                      # --ascii
color: true                       # false: as NO_COLOR
managedClusterNames:              # context → ManagedCluster name, where they differ
  gke_acme_europe-west1_prod-eu: prod-eu
`;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
	const home = env.HOME || os.homedir();
	const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
	return path.join(base, 'calico-mcm', 'config.yaml');
}

function lineOfKey(text: string, key: string, parent?: string): number | undefined {
	const lines = text.split('\n');
	let from = 0;
	if (parent) {
		const at = lines.findIndex(l => new RegExp(`^${parent}\\s*:`).test(l));
		if (at === -1) return undefined;
		from = at + 1;
	}
	const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const pattern = parent ? new RegExp(`^\\s+["']?${escaped}["']?\\s*:`) : new RegExp(`^["']?${escaped}["']?\\s*:`);
	const index = lines.slice(from).findIndex(l => pattern.test(l));
	return index === -1 ? undefined : from + index + 1;
}

function expand(value: string, dir: string, home: string): string {
	if (value === '~') return home;
	if (value.startsWith('~/')) return path.join(home, value.slice(2));
	// URLs (manifests may be one) stay as they are; relative paths are relative to the config file.
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
	return path.resolve(dir, value);
}

/** Read the config file; {managedClusterNames: {}} when there is none. Throws UsageError naming file and line. */
export function loadUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
	const file = configPath(env);
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {managedClusterNames: {}};
		throw new UsageError(`cannot read the config file ${file}: ${(error as Error).message}`, `fix its permissions, or move it away`);
	}
	const fail = (line: number | undefined, message: string, fix: string): never => {
		throw new UsageError(`config file ${file}${line ? ` line ${line}` : ''}: ${message}`, fix);
	};
	let doc: unknown;
	try {
		doc = yaml.load(text, {filename: file});
	} catch (error) {
		const mark = (error as {mark?: {line?: number}}).mark;
		fail(mark?.line === undefined ? undefined : mark.line + 1, `invalid YAML: ${(error as {reason?: string}).reason ?? (error as Error).message}`, 'check indentation and quoting (the README has an example)');
	}
	if (doc === undefined || doc === null) return {file, managedClusterNames: {}};
	if (typeof doc !== 'object' || Array.isArray(doc)) fail(1, 'expected a mapping of settings', 'write "key: value" lines (the README has an example)');
	const home = env.HOME || os.homedir();
	const dir = path.dirname(file);
	const config: UserConfig = {file, managedClusterNames: {}};
	for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
		const line = lineOfKey(text, key);
		const kind = keys[key as keyof typeof keys];
		if (!kind) fail(line, `unknown setting "${key}"`, `use one of: ${Object.keys(keys).join(', ')}`);
		if (value === null || value === undefined) continue;
		switch (kind) {
			case 'boolean':
				if (typeof value !== 'boolean') fail(line, `${key} must be true or false, not ${JSON.stringify(value)}`, `write "${key}: true" or "${key}: false"`);
				(config as Record<string, unknown>)[key] = value;
				break;
			case 'duration': {
				const textValue = typeof value === 'number' ? String(value) : value;
				if (typeof textValue !== 'string') fail(line, `${key} must be a duration such as 10s`, `write e.g. "${key}: 15s"`);
				try {
					if (parseDuration(textValue as string, key) <= 0) throw new Error('zero');
				} catch {
					fail(line, `${key} must be a duration more than zero such as 10s, not ${JSON.stringify(value)}`, `write e.g. "${key}: 15s"`);
				}
				config.requestTimeout = textValue as string;
				break;
			}
			case 'string':
			case 'path':
				if (typeof value !== 'string' || value === '') fail(line, `${key} must be a non-empty string, not ${JSON.stringify(value)}`, `write e.g. "${key}: ${kind === 'path' ? '~/calico/…' : 'value'}" (quote it if it starts with a special character)`);
				(config as Record<string, unknown>)[key] = kind === 'path' ? expand(value as string, dir, home) : value;
				break;
			case 'map': {
				if (typeof value !== 'object' || Array.isArray(value)) fail(line, `${key} must be a mapping of context name to ManagedCluster name`, `write "${key}:" then indented "CONTEXT: NAME" lines`);
				for (const [context, name] of Object.entries(value as Record<string, unknown>)) {
					if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
						fail(lineOfKey(text, context, key) ?? line, `${key}.${context} must be a ManagedCluster name (lower-case letters, digits, "-" and "."), not ${JSON.stringify(name)}`, `write "  ${context}: managed-cluster-name"`);
					}
					config.managedClusterNames[context] = name as string;
				}
				break;
			}
		}
	}
	return config;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);

/** Whether --name (or --no-name, --name=...) appears on the command line. */
function given(argv: string[], name: string): boolean {
	const flag = `--${kebab(name)}`;
	const negated = `--no-${kebab(name)}`;
	for (const arg of argv) {
		if (arg === '--') break;
		if (arg === flag || arg === negated || arg.startsWith(`${flag}=`)) return true;
	}
	return false;
}

/**
 * Flags with the config file's values filled in where the command line gave none. Only `accepted`
 * flags are filled (a plan refuses flags it does not take). `grantRole` fills `role` where asked.
 */
export function withConfigDefaults<T extends object>(flags: T, argv: string[], config: UserConfig, accepted: string[]): T {
	const out = {...flags} as Record<string, unknown>;
	for (const name of accepted) {
		if (given(argv, name)) continue;
		const value = (config as Record<string, unknown>)[name];
		if (value !== undefined) out[name] = value;
	}
	return out as T;
}
