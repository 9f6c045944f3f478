import path from 'node:path';
import process from 'node:process';
import type {FleetConfig} from '../kube/kubeconfig.js';
import {compileCacheDirectory, readPrivateFile, writePrivateFile} from './compile-cache.js';

// Which contexts were managed clusters at the last one-shot `status`: those get their connection
// Secret asked in the same write as their lists (sync/list-once.ts), instead of in a second write once
// the ManagementClusterConnection list has said they are managed. At 1,001 clusters that is ~1,000
// writes and ~1,000 reads fewer on each end. A standalone cluster is never asked for a Secret it does
// not have: a context is asked ahead only if it was managed last time, at the same server; a cluster
// that stopped being managed costs one GET whose answer is dropped, and the file is corrected. A line
// is `server<TAB>context`. Same place and rules as the other caches (code-cache.ts,
// tls-session-file.ts): $XDG_CACHE_HOME/calico-mcm/managed/contexts (else ~/.cache/...), a 0700
// directory of the user's own, the file 0600 and written whole. CALICO_MCM_NO_MANAGED_HINTS (any
// value) turns it off.

const maxLines = 8192;

/** The file of the hints. */
export function managedHintFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(path.dirname(compileCacheDirectory(env)), 'managed', 'contexts');
}

const lineOf = (server: string, context: string) => `${server}\t${context}`;

/** `context` → its line (its server), for the kubeconfig's contexts. */
function linesOf(config: FleetConfig): Map<string, string> {
	const out = new Map<string, string>();
	for (const [context, entry] of config.entries) out.set(context, lineOf(entry.cluster.server, context));
	return out;
}

function readLines(file: string): string[] {
	return readPrivateFile(file)?.toString('utf8').split('\n').filter(line => line !== '') ?? [];
}

export type ManagedHints = {
	/** The contexts that were managed last time, at the same server. */
	readonly managed: ReadonlySet<string>;
	/** Writes what this run found (`managed`: the contexts found managed; the others answered as not); false when nothing changed. */
	save(managed: ReadonlySet<string>, answered: ReadonlySet<string>): boolean;
};

export function useManagedHints(config: FleetConfig, env: NodeJS.ProcessEnv = process.env, file = managedHintFile(env)): ManagedHints {
	const ours = linesOf(config);
	if (env.CALICO_MCM_NO_MANAGED_HINTS !== undefined) return {managed: new Set(), save: () => false};
	const known = new Set(readLines(file));
	const managed = new Set<string>();
	for (const [context, line] of ours) if (known.has(line)) managed.add(context);
	return {
		managed,
		save(found, answered) {
			// Only contexts that answered change their line: one that did not answer keeps what it was.
			const changed = [...answered].some(context => found.has(context) !== managed.has(context));
			if (!changed) return false;
			return writePrivateFile(file, () => {
				const lines = new Set(readLines(file));
				for (const context of answered) {
					const line = ours.get(context);
					if (line === undefined) continue;
					lines.delete(line);
					if (found.has(context)) lines.add(line);
				}
				return `${[...lines].slice(-maxLines).join('\n')}\n`;
			});
		},
	};
}
