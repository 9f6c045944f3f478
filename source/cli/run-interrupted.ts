// `calico-mcm run interrupted` and `calico-mcm run resume CLUSTER|all`: the runs a console left
// unfinished on this kubeconfig (it quit, or its SSH session dropped), listed with their cluster,
// plan, steps done (checked on the cluster now) and start, and any one of them, or all, resumed.
// Each step first checks its cluster, so a resumed run continues where the cluster is.

import process from 'node:process';
import type {ClusterClient} from '../kube/client.js';
import {InterruptedRuns, secretsDirectory, stateDirectory, type InterruptedRun} from '../mcm/interrupted-runs.js';
import {buildRequestedPlan, type PlanRequest} from '../mcm/plans/index.js';
import {describeError} from '../mcm/runner.js';
import {maskText} from '../mcm/secrets.js';
import {stepsDoneNow, type Plan} from '../mcm/step.js';
import type {CommonOptions} from './common-flags.js';
import {openFleetClients} from './fleet-access.js';
import {UsageError} from './usage.js';

export type ResumeDeps = {
	/** Runs one plan as `run` does (a line per step change); resolves with the exit code. */
	execute: (plan: Plan, signal: AbortSignal, readOnly: boolean) => Promise<number>;
	/** Asks y/N on the terminal. */
	confirm: (question: string) => Promise<boolean>;
	signal: AbortSignal;
	yes: boolean;
	waitTimeoutMs: number;
};

const write = (text: string) => process.stdout.write(text);
const fail = (text: string) => process.stderr.write(text);

type Found = {item: InterruptedRun; plan?: Plan; problem?: string};

function when(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Steps the cluster has now, as `d/n`, or why it cannot be told. */
async function stepsDone(plan: Plan, signal: AbortSignal): Promise<string> {
	try {
		return `${await stepsDoneNow(plan, signal)}/${plan.steps.length}`;
	} catch (error) {
		return `?/${plan.steps.length} (cannot check: ${maskText(describeError(error))})`;
	}
}

export async function interruptedMain(command: 'interrupted' | 'resume', positional: string[], common: CommonOptions, deps: ResumeDeps): Promise<number> {
	if (common.contexts.length > 0) throw new UsageError(`\`run ${command}\` takes no --context`, command === 'resume' ? 'name the cluster: calico-mcm run resume CLUSTER (or all)' : 'it lists the interrupted runs of every context');
	const target = positional[0];
	if (command === 'resume' && !target) throw new UsageError('`run resume` needs the cluster of an interrupted run, or all', 'list them with: calico-mcm run interrupted');
	if (positional.length > (command === 'resume' ? 1 : 0)) throw new UsageError(`unexpected argument "${positional[command === 'resume' ? 1 : 0]}" for \`run ${command}\``, 'see `calico-mcm help run`');

	const {config, clients} = openFleetClients({...common, contexts: []});
	const source = config.files.join(', ');
	const state = new InterruptedRuns(stateDirectory(), {onProblem: text => fail(`calico-mcm: ${text}\n`)});
	try {
		const all = state.list();
		const mine = all.filter(r => r.source === source);
		const elsewhere = all.length - mine.length;
		const other = elsewhere > 0 ? `(${elsewhere} more recorded for another kubeconfig: ${[...new Set(all.filter(r => r.source !== source).map(r => r.source))].join('; ')})\n` : '';
		const found = mine.map(item => build(item, clients, deps.waitTimeoutMs));
		if (command === 'interrupted') return await list(found, deps.signal, other, source);
		const chosen = target === 'all' ? found : found.filter(f => f.item.cluster === target);
		if (chosen.length === 0) {
			fail(`calico-mcm: no interrupted run on ${target} for ${source}${mine.length ? `; interrupted: ${mine.map(r => `${r.plan} on ${r.cluster}`).join(', ')}` : ''}\n${other}`);
			return 2;
		}
		return await resume(chosen, state, common.readOnly, deps);
	} finally {
		for (const client of clients.values()) client.close();
	}
}

function build(item: InterruptedRun, clients: Map<string, ClusterClient>, waitTimeoutMs: number): Found {
	try {
		const plan = buildRequestedPlan({id: item.plan, options: item.options} as PlanRequest, {
			client(name) {
				const client = clients.get(name);
				if (!client) throw new Error(`no context "${name}" in the kubeconfig`);
				return client;
			},
			// Relative paths of the options mean what they meant where the run started.
			cwd: item.cwd,
			secretsDir: secretsDirectory(),
			waitTimeoutMs,
		});
		return {item, plan};
	} catch (error) {
		return {item, problem: (error as Error).message};
	}
}

async function list(found: Found[], signal: AbortSignal, other: string, source: string): Promise<number> {
	if (found.length === 0) {
		write(`No interrupted runs for ${source}.\n${other}`);
		return 0;
	}
	const rows = await Promise.all(found.map(async f => [f.item.cluster, f.item.plan, f.plan ? await stepsDone(f.plan, signal) : `cannot resume: ${f.problem}`, when(f.item.startedAt)]));
	const header = ['CLUSTER', 'PLAN', 'STEPS DONE', 'STARTED'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
	const line = (cells: string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`;
	write(line(header));
	for (const row of rows) write(line(row));
	write(`\nResume one with: calico-mcm run resume CLUSTER; all with: calico-mcm run resume all\n${other}`);
	return 0;
}

async function resume(chosen: Found[], state: InterruptedRuns, readOnly: boolean, deps: ResumeDeps): Promise<number> {
	const broken = chosen.find(f => !f.plan);
	if (broken) {
		fail(`calico-mcm: the interrupted ${broken.item.plan} on ${broken.item.cluster} cannot be resumed: ${broken.problem}\n`);
		return 1;
	}
	const what = chosen.map(f => `${f.item.plan} on ${f.item.cluster}`).join(', ');
	if (!readOnly && !deps.yes) {
		if (!process.stdin.isTTY) {
			fail(`calico-mcm: refusing to resume ${what} without confirmation (stdin is not a terminal)\n  fix: pass --yes\n`);
			return 2;
		}
		if (!(await deps.confirm(`Resume ${what}? Steps the clusters already have are skipped.`))) {
			fail('calico-mcm: not confirmed: nothing was changed\n');
			return 2;
		}
	}
	let worst = 0;
	for (const {item, plan} of chosen) {
		if (deps.signal.aborted) break;
		write(`\nResuming ${plan!.title} (interrupted; started ${when(item.startedAt)})\n`);
		const code = await deps.execute(plan!, deps.signal, readOnly);
		if (code === 0) {
			try {
				state.forget(item.runId);
			} catch (error) {
				fail(`calico-mcm: done, but ${(error as Error).message}\n`);
			}
		}
		worst = Math.max(worst, code);
	}
	return worst;
}
