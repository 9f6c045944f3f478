import {setMaxListeners} from 'node:events';
import {describeError} from '../mcm/runner.js';
import {maskText} from '../mcm/secrets.js';
import {stepsDoneNow, type Plan} from '../mcm/step.js';
import {previewYaml} from './prepare-run.js';
import type {InterruptedChoice, RunController} from './run-controller.js';
import type {ChecklistItem, Workflow} from './workflow-types.js';

// r on the runs an earlier console left unfinished: a list of every one (cluster, plan, steps done,
// when) and "all", so any one of them, or all, resumes. Each step first checks its cluster, so a
// resumed run continues where the cluster is; the checklist says how far each one is now.

export function resumeWorkflow(control: RunController, choices: InterruptedChoice[], started: (what: string) => void): Workflow {
	return {
		title: `Resume interrupted runs (${choices.length})`,
		fields: [
			{
				key: 'run',
				label: 'Which interrupted run?',
				kind: 'select',
				options: [
					{label: `all ${choices.length}: ${choices.map(c => `${c.plan} on ${c.cluster}`).join(', ')}`, value: 'all'},
					...choices.map(c => ({label: c.label, value: c.runId})),
				],
			},
		],
		prepare(values) {
			const chosen = values.run === 'all' ? choices : choices.filter(c => c.runId === values.run);
			const plans = chosen.map(c => control.planOf(c.runId)).filter((p): p is Plan => Boolean(p));
			if (plans.length === 0 || plans.length !== chosen.length) return 'that run is no longer waiting to be resumed';
			const first = plans[0]!;
			const what = plans.length === 1 ? `the interrupted ${first.id} on ${first.cluster}` : `${plans.length} interrupted runs (${plans.map(p => `${p.id} on ${p.cluster}`).join(', ')})`;
			return {
				title: plans.length === 1 ? `Resume: ${first.title}` : `Resume ${plans.length} interrupted runs`,
				question: `Resume ${what}? Steps the cluster already has are skipped.`,
				clusters: plans.map(p => p.cluster),
				steps: first.steps.map(s => ({title: s.title, kubectl: maskText(s.kubectl), skippable: s.skippable ?? false})),
				preflight: signal => whereEachIs(plans, signal),
				preview: signal => previewYaml(plans, signal),
				start() {
					control.resume(chosen.map(c => c.runId));
					started(plans.length === 1 ? first.title : `${plans.length} interrupted runs`);
				},
			};
		},
	};
}

/** How far each run's cluster is now (every step's own check); a cluster that cannot be checked stops the resume. */
async function whereEachIs(plans: Plan[], signal: AbortSignal): Promise<{ok: boolean; items: ChecklistItem[]}> {
	setMaxListeners(0, signal);
	const items = await Promise.all(
		plans.map(async (plan): Promise<ChecklistItem> => {
			const label = `${plan.cluster}: ${plan.id}`;
			let done: number;
			try {
				done = await stepsDoneNow(plan, signal);
			} catch (error) {
				return {label, ok: false, message: `cannot check where ${plan.cluster} is: ${maskText(describeError(error))}`, fix: `check that ${plan.cluster} is reachable, then press r again`};
			}
			return {label, ok: true, message: `${done}/${plan.steps.length} steps done on the cluster now; the rest runs`};
		}),
	);
	return {ok: items.every(i => i.ok), items};
}
