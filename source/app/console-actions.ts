import type {ClusterClient} from '../kube/client.js';
import {prepareRun} from './prepare-run.js';
import {resumeWorkflow} from './resume-workflow.js';
import type {RunController} from './run-controller.js';
import type {ActionContext, ConsoleAction} from './services.js';
import {createSession, type InstallInputs} from './session.js';
import {single, targets} from './targets.js';
import {tokenHandle} from './token.js';
import {workflows, type WorkflowEnv, type WorkflowSpec} from './workflows.js';

// The console's workflow keys: each workflow of workflows.ts becomes a key that picks its clusters,
// opens the workflow (prompts, preflight checklist, confirmation with kubectl and YAML) and hands
// the plans to the RunController; r, s and esc drive the shown run from the steps pane.

export type WorkflowDeps = {
	control: RunController;
	clients: ReadonlyMap<string, ClusterClient>;
	/** Defaults of the install prompts (--manifests, --pull-secret, --license; the demo's files under --demo). */
	inputs: InstallInputs;
	cwd: string;
	/** A private (0700) directory for the tokens create-admin requests. */
	tokenDir: string;
	/** Writes an OSC 52 sequence to the user's terminal. */
	clipboard: (text: string) => void;
	/** How many clusters of a batch are checked at once. */
	concurrency?: number;
};

function workflowAction(spec: WorkflowSpec, deps: WorkflowDeps, env: (ctx: ActionContext) => WorkflowEnv): ConsoleAction {
	return {
		key: spec.key,
		title: spec.title,
		description: spec.description,
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const picked = spec.scope === 'one' ? single(ctx, spec.what) : targets(ctx, spec.what);
			if (!picked) return;
			const list = Array.isArray(picked) ? picked : [picked];
			const wenv = env(ctx);
			const refused = spec.refuse?.(list, wenv);
			if (refused) return ctx.flash(refused, 'warn');
			ctx.openWorkflow({
				title: spec.heading(list, wenv),
				fields: spec.fields(list, wenv),
				prepare(values) {
					const requests = spec.requests(values, list, wenv);
					if (typeof requests === 'string') return requests;
					const user = spec.showsTokenOf?.(values);
					return prepareRun(deps.control, requests, {
						typeToConfirm: spec.confirmByName ? list[0]!.name : undefined,
						concurrency: deps.concurrency,
						onDone: user === undefined ? undefined : (result, plan) => {
							if (result.state !== 'done') return;
							const token = tokenHandle(deps, plan, user);
							// A token ready while the user answers another prompt waits for a key.
							if (token && !ctx.showToken(token)) ctx.flash(`the login token of ${user} on ${plan.cluster} is ready: press a on ${plan.cluster} to see it`, 'info');
						},
						started(what) {
							ctx.focusSteps();
							ctx.flash(`started ${what}: esc cancels, r retries, 1 back to the fleet`, 'info');
						},
					});
				},
			});
		},
	};
}

/** The keys of the steps pane that drive the shown run. */
function runKeys(control: RunController): ConsoleAction[] {
	return [
		{
			key: 'r',
			title: 'retry / resume',
			description: 'run the shown plan again (failed, cancelled or interrupted): it resumes where the cluster is; with several interrupted runs, choose one or all',
			mutating: true,
			run(ctx) {
				const choices = control.interruptedChoices();
				if (choices.length === 0) return ctx.flash(control.retry(), 'info');
				ctx.openWorkflow(
					resumeWorkflow(control, choices, what => {
						ctx.focusSteps();
						ctx.flash(`resuming ${what}: esc cancels, 1 back to the fleet`, 'info');
					}),
				);
			},
		},
		{
			key: 's',
			title: 'skip step',
			description: 'skip the failed step of the shown plan, where the step allows it (then r)',
			mutating: true,
			panes: ['steps'],
			run: ctx => ctx.flash(control.skip(), 'info'),
		},
		{
			key: 'escape',
			title: 'cancel',
			description: 'cancel the shown plan (or batch), after y to "cancel join on managed-2? y/n": the running step is marked cancelled; r resumes it',
			mutating: false,
			panes: ['steps'],
			run(ctx) {
				const asked = control.cancelQuestion();
				if ('message' in asked) return ctx.flash(asked.message, 'info');
				ctx.ask(asked.question, () => ctx.flash(control.cancel(asked.runId), 'warn'), `not cancelled: ${control.label(asked.runId)} goes on`);
			},
		},
		{
			key: '[',
			title: 'previous run',
			description: 'show the previous run of this session in the steps pane (esc, r and s act on the run shown)',
			mutating: false,
			panes: ['steps'],
			run: ctx => ctx.flash(control.showOther(-1), 'info'),
		},
		{
			key: ']',
			title: 'next run',
			description: 'show the next run of this session in the steps pane',
			mutating: false,
			panes: ['steps'],
			run: ctx => ctx.flash(control.showOther(1), 'info'),
		},
	];
}

export function workflowActions(deps: WorkflowDeps): ConsoleAction[] {
	const session = createSession(deps.inputs);
	const env = (ctx: ActionContext): WorkflowEnv => ({session, clients: deps.clients, clusters: ctx.clusters, tokenDir: deps.tokenDir});
	return [...workflows.map(spec => workflowAction(spec, deps, env)), ...runKeys(deps.control)];
}
