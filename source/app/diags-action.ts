import path from 'node:path';
import type {ClusterClient} from '../kube/client.js';
import {tigeraNamespaces} from '../mcm/diags.js';
import type {LogLine, RunProgress} from '../mcm/types.js';
import type {AppStore} from '../store/store.js';
import {checkOutputPath, defaultBundleName, writeBundle} from './diags-bundle.js';
import type {ConsoleAction} from './services.js';
import type {PreparedRun} from './workflow-types.js';

// The console's support bundle key (D): what `calico-mcm diags` writes, for every cluster of the
// fleet, asked from the console. It only reads, so read-only mode allows it. The file is asked for
// first and checked before any cluster is (an unwritable path says why and writes nothing); then one
// progress row per cluster in the steps pane, as a batch of plans shows, each collected with its own
// time limit so an unreachable cluster is skipped with the reason, never waited for. The path of the
// bundle ends in the status bar and the log.

export type DiagsDeps = {
	clients: ReadonlyMap<string, ClusterClient>;
	store: AppStore;
	/** Where a relative file name goes (the console's working directory). */
	cwd: string;
	/** Lines of each pod log (default 500). */
	tailLines?: number;
	/** Per cluster, at most this long (default 60 s). */
	clusterTimeoutMs?: number;
};

const collectTitle = 'Collect TigerStatus, Installation, ManagementCluster(Connection), ManagedClusters, Events, operator and guardian logs, versions';

function kubectlOf(context: string, tail: number): string {
	return [
		`kubectl --context ${context} get tigerastatuses,installations,managementclusters,managementclusterconnections,managedclusters -o yaml`,
		...tigeraNamespaces.map(ns => `kubectl --context ${context} get events -n ${ns} -o yaml`),
		`kubectl --context ${context} logs -n tigera-operator deployment/tigera-operator --tail ${tail}`,
		`kubectl --context ${context} version -o yaml`,
	].join('\n');
}

function logText(line: LogLine): string {
	return `${new Date(line.t).toISOString()} ${line.level} ${line.cluster ?? '-'} ${line.text}`;
}

let counter = 0;

/** Runs the bundle in the background, one progress row per cluster; resolves with what to say. */
export async function runDiags(deps: DiagsDeps, output: string, say: (text: string, level: 'info' | 'warn' | 'error') => void): Promise<void> {
	const store = deps.store;
	const batch = `diags:${Date.now().toString(36)}${(counter += 1)}`;
	const contexts = [...deps.clients.keys()];
	const idOf = (cluster: string) => `${batch}:${cluster}`;
	const tail = deps.tailLines ?? 500;
	for (const cluster of contexts) {
		store.getState().putRun({
			id: idOf(cluster), plan: 'diags', cluster, title: 'Support bundle', state: 'running', startedAt: Date.now(), batch,
			steps: [{id: 'collect', title: 'Collect diags', kubectl: kubectlOf(cluster, tail), state: 'pending', skippable: false}],
		});
	}
	const finish = (cluster: string, state: RunProgress['state'], patch: {error?: string; detail?: string; hint?: string}) => {
		const now = Date.now();
		store.getState().updateStep(idOf(cluster), 'collect', {state: state === 'done' ? 'done' : 'failed', endedAt: now, ...patch});
		store.getState().updateRun(idOf(cluster), {state, endedAt: now});
	};
	try {
		const result = await writeBundle({
			clients: deps.clients, output, tailLines: tail, clusterTimeoutMs: deps.clusterTimeoutMs,
			consoleLog: () => store.getState().log.map(logText),
			onProgress(cluster, text, phase) {
				store.getState().addLog({level: phase === 'skipped' ? 'warn' : 'info', cluster, text: `support bundle: ${text}`});
				if (phase === 'collecting') store.getState().updateStep(idOf(cluster), 'collect', {state: 'running', startedAt: Date.now()});
				else if (phase === 'done') finish(cluster, 'done', {detail: text.replace(/^done: /, '')});
				else finish(cluster, 'failed', {error: text, hint: 'the bundle says why in SKIPPED.txt; the other clusters are in it'});
			},
		});
		const skipped = result.clusters.filter(c => c.skipped).length;
		const text = `support bundle written: ${result.output} (${result.bytes} bytes, ${result.clusters.length - skipped} clusters${skipped ? `, ${skipped} skipped` : ''})`;
		for (const cluster of contexts) store.getState().updateRun(idOf(cluster), {note: text});
		store.getState().addLog({level: 'info', text});
		say(text, skipped ? 'warn' : 'info');
	} catch (error) {
		const text = `support bundle not written: ${error instanceof Error ? error.message : String(error)}`;
		for (const cluster of contexts) {
			const run = store.getState().runs[idOf(cluster)];
			if (run?.state === 'running') finish(cluster, 'failed', {error: text});
		}
		store.getState().addLog({level: 'error', text});
		say(text, 'error');
	}
}

/** What the confirmation shows and what start() does, for a bundle file the user named. */
export function prepareDiags(deps: DiagsDeps, file: string, say: (text: string, level: 'info' | 'warn' | 'error') => void, started: () => void): PreparedRun | string {
	const output = path.resolve(deps.cwd, file.trim());
	const problem = checkOutputPath(output);
	if (problem) return problem;
	const clusters = [...deps.clients.keys()];
	return {
		title: `Support bundle of ${clusters.length} cluster${clusters.length === 1 ? '' : 's'}`,
		question: `Write the support bundle to ${output}?\nIt only reads the clusters; Secret data and tokens are removed. An unreachable cluster is skipped with the reason.`,
		clusters,
		steps: [{title: collectTitle, kubectl: kubectlOf('<cluster>', deps.tailLines ?? 500), skippable: false}],
		async preflight() {
			// Checked again: the directory may have changed since the prompt.
			const again = checkOutputPath(output);
			return {
				ok: again === undefined,
				items: [
					{label: 'bundle file', ok: again === undefined, message: again ?? `${output} (written with mode 0600)`, fix: 'choose a new .tar.gz file in a writable directory'},
					{label: 'clusters', ok: true, message: `${clusters.join(', ')}: each collected with its own time limit`},
				],
			};
		},
		async preview() {
			return clusters.map(c => `# ${c}\n${kubectlOf(c, deps.tailLines ?? 500)}`).join('\n\n') + '\n';
		},
		start() {
			started();
			void runDiags(deps, output, say);
		},
	};
}

export function diagsAction(deps: DiagsDeps): ConsoleAction {
	return {
		key: 'D',
		title: 'support bundle',
		description: 'write a diags bundle (.tar.gz) of every cluster, as `calico-mcm diags` does: secrets removed, progress per cluster',
		mutating: false,
		panes: ['fleet'],
		run(ctx) {
			if (deps.clients.size === 0) return ctx.flash('no cluster to collect from', 'warn');
			ctx.openWorkflow({
				title: `Support bundle of ${deps.clients.size} cluster${deps.clients.size === 1 ? '' : 's'}`,
				fields: [
					{
						kind: 'text', key: 'output', label: 'Bundle file (.tar.gz)', initial: defaultBundleName(),
						hint: `relative to ${deps.cwd}`,
						validate: value => (value.trim() ? checkOutputPath(path.resolve(deps.cwd, value.trim())) : 'a file name is needed'),
					},
				],
				prepare: values => prepareDiags(deps, values.output ?? '', (text, level) => ctx.flash(text, level), () => {
					ctx.focusSteps();
					ctx.flash('collecting the support bundle: one row per cluster', 'info');
				}),
			});
		},
	};
}
