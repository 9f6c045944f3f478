// Runs a plan step by step into the store's runs slice. Each step is checked first (it reads the
// cluster), so running a plan again, after a cancel, a failure, a crash or a dropped SSH session,
// resumes where the cluster is: done steps report done and nothing is redone.
//
// Cancel: the AbortSignal reaches every request and wait of the running step, which becomes
// `cancelled`; the steps after it stay `pending`. Steps keep their own writes consistent (each write
// is one atomic request, and a step whose result exists only in one response finishes saving it
// before it honours the cancel).

import {KubeError, kubeErrorHint} from '../kube/errors.js';
import {WaitTimeoutError} from '../kube/watch-until.js';
import {ManifestError} from '../kube/manifests.js';
import {maskServerText, maskText} from './secrets.js';
import {normalizeCheck, StepError, type Plan, type Step, type StepContext} from './step.js';
import type {LogLine, RunProgress, StepProgress} from './types.js';

/** Where a run is recorded. The app store's state satisfies it: `runPlan(plan, {sink: store.getState()})`. */
export type RunSink = {
	putRun: (run: RunProgress) => void;
	updateStep: (runId: string, stepId: string, patch: Partial<StepProgress>) => void;
	updateRun: (runId: string, patch: Partial<Omit<RunProgress, 'steps' | 'id'>>) => void;
	addLog?: (line: Omit<LogLine, 't'> & {t?: number}) => void;
};

export type RunOptions = {
	sink: RunSink;
	signal?: AbortSignal;
	/** Record into this run (a retry of an earlier run); default: a new run id. */
	runId?: string;
	/** Refuse every mutating step that is not already done. */
	readOnly?: boolean;
	/** Step ids the user chose to skip (only skippable steps are skipped). */
	skip?: Iterable<string>;
	now?: () => number;
};

let runCounter = 0;

export function newRunId(plan: Pick<Plan, 'id' | 'cluster'>): string {
	runCounter += 1;
	return `${plan.id}:${plan.cluster}:${Date.now().toString(36)}${runCounter}`;
}

/** The user-facing text of an error: the real cause, masked. */
export function describeError(error: unknown): string {
	// Error messages quote servers: the shape rule applies to them too.
	if (error instanceof Error) return maskServerText(error.message);
	return maskServerText(String(error));
}

/** What the user can do about an error of a step. */
export function hintFor(error: unknown, step: Pick<Step, 'context'>): string | undefined {
	if (error instanceof StepError) return error.hint;
	if (error instanceof ManifestError) return error.hint;
	if (error instanceof WaitTimeoutError) {
		return `check \`kubectl --context ${step.context} get tigerastatus\` and the tigera-operator log, then retry`;
	}
	if (error instanceof KubeError) return kubeErrorHint(error, step.context);
	return undefined;
}

function initialSteps(plan: Plan): StepProgress[] {
	return plan.steps.map(s => ({id: s.id, title: s.title, kubectl: s.kubectl, state: 'pending', skippable: s.skippable ?? false, ...(s.object ? {object: s.object} : {})}));
}

/**
 * Run a plan to its end, its first failure, or a cancel. Resolves with the final RunProgress (it never
 * rejects for a step's failure: that is recorded in the run).
 */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunProgress> {
	const {sink} = options;
	const now = options.now ?? Date.now;
	const signal = options.signal ?? new AbortController().signal;
	// A live Set (the RunController's) lets the user skip a step the run has not reached yet.
	const skip: ReadonlySet<string> = options.skip instanceof Set ? options.skip : new Set(options.skip ?? []);
	const runId = options.runId ?? newRunId(plan);
	const run: RunProgress = {id: runId, plan: plan.id, cluster: plan.cluster, title: plan.title, state: 'running', steps: initialSteps(plan), startedAt: now()};
	sink.putRun(structuredClone(run));

	const log = (text: string, level: LogLine['level'] = 'info', cluster = plan.cluster) => sink.addLog?.({level, cluster, text: maskText(text)});
	const patchStep = (index: number, patch: Partial<StepProgress>) => {
		run.steps[index] = {...run.steps[index]!, ...patch};
		sink.updateStep(runId, run.steps[index]!.id, patch);
	};
	const finish = (state: RunProgress['state']) => {
		run.state = state;
		run.endedAt = now();
		sink.updateRun(runId, {state, endedAt: run.endedAt});
		return structuredClone(run);
	};

	const synced = (index: number, step: Step): Partial<StepProgress> =>
		step.kubectl !== run.steps[index]!.kubectl || step.title !== run.steps[index]!.title ? {kubectl: step.kubectl, title: step.title} : {};

	log(`${plan.title}: started`);
	for (const [index, step] of plan.steps.entries()) {
		if (signal.aborted) {
			log(`${plan.title}: cancelled before "${step.title}"`, 'warn');
			return finish('cancelled');
		}
		if (skip.has(step.id) && step.skippable) {
			const t = now();
			patchStep(index, {state: 'skipped', startedAt: t, endedAt: t, detail: 'skipped by the user', error: undefined, hint: undefined});
			log(`${step.title}: skipped by the user`, 'warn', step.context);
			continue;
		}
		patchStep(index, {state: 'running', startedAt: now(), endedAt: undefined, error: undefined, hint: undefined, detail: undefined});
		let stepRunning = true;
		const ctx: StepContext = {
			signal,
			log: (text, level) => log(text, level, step.context),
			progress: text => {
				if (stepRunning && !signal.aborted) patchStep(index, {detail: text});
			},
		};
		try {
			const check = normalizeCheck(await step.check(ctx));
			// check() may have learnt names (e.g. the version's namespace): show the real command.
			const learnt = synced(index, step);
			if (learnt.kubectl !== undefined) patchStep(index, learnt);
			if (check.skip) {
				patchStep(index, {state: 'skipped', endedAt: now(), detail: check.detail ?? 'nothing to do'});
				log(`${step.title}: skipped (${check.detail ?? 'nothing to do'})`, 'info', step.context);
				continue;
			}
			if (check.done) {
				patchStep(index, {state: 'done', endedAt: now(), detail: check.detail ?? 'already done'});
				log(`${step.title}: ${check.detail ?? 'already done'}`, 'info', step.context);
				continue;
			}
			if (options.readOnly && step.mutating !== false) {
				throw new StepError(
					`refused in read-only mode: "${step.title}" would change ${step.context} (${step.kubectl.split('\n')[0]})`,
					'run again without --read-only to make this change',
				);
			}
			if (signal.aborted) throw signal.reason ?? new Error('cancelled');
			const note = await step.run(ctx);
			if (step.wait) await step.wait(ctx);
			stepRunning = false;
			// What the run returned, or nothing: the check's "waiting for …" and the progress were about before.
			patchStep(index, {...synced(index, step), state: 'done', endedAt: now(), detail: note || undefined});
			log(`${step.title}: done`, 'info', step.context);
		} catch (error) {
			stepRunning = false;
			if (signal.aborted) {
				patchStep(index, {state: 'cancelled', endedAt: now(), detail: 'cancelled by the user'});
				log(`${step.title}: cancelled`, 'warn', step.context);
				return finish('cancelled');
			}
			const message = describeError(error);
			const hint = hintFor(error, step);
			patchStep(index, {state: 'failed', endedAt: now(), error: message, hint});
			log(`${step.title}: failed: ${message}`, 'error', step.context);
			return finish('failed');
		}
	}
	log(`${plan.title}: finished`);
	return finish('done');
}
