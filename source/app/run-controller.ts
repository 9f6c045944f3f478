// The one run controller: the console's running plans, started by the workflow actions, driven by
// the steps pane's keys (r retry, s skip, esc cancel), several at once for a batch with bounded
// concurrency. A retry runs under the same run id and resumes where the cluster is (each step is
// checked first, see mcm/runner.ts). Every run is recorded in the interrupted-runs file while it is
// under way, so a console that quits (or loses its SSH session) mid-run offers it again at the next start.

import {setMaxListeners} from 'node:events';
import PQueue from 'p-queue';
import {InterruptedRuns, type InterruptedRun} from '../mcm/interrupted-runs.js';
import {buildRequestedPlan, type PlanEnv, type PlanRequest} from '../mcm/plans/index.js';
import {runPlan, type RunSink} from '../mcm/runner.js';
import {normalizeCheck, type Plan} from '../mcm/step.js';
import type {RunProgress, StepProgress} from '../mcm/types.js';
import {runLabel, selectBatchRuns, selectShownRun} from '../store/selectors.js';
import type {AppStore} from '../store/store.js';

export type {PlanRequest} from '../mcm/plans/index.js';

/** An interrupted run of an earlier session, offered and not resumed yet: what the chooser lists. */
export type InterruptedChoice = {runId: string; cluster: string; plan: string; label: string};

type Entry = {
	runId: string;
	request: PlanRequest;
	plan: Plan;
	batch?: string;
	skips: Set<string>;
	controller?: AbortController;
	promise?: Promise<RunProgress>;
	/** The last start or retry, queued or running, as it ends. */
	settled?: Promise<RunProgress | undefined>;
	/** Cancelled while still waiting for a slot. */
	dropped?: boolean;
	onDone?: (result: RunProgress, plan: Plan) => void;
};

let counter = 0;
const uid = (prefix: string) => `${prefix}:${Date.now().toString(36)}${(counter += 1)}`;

export type RunControllerOptions = {
	store: AppStore;
	env: PlanEnv;
	readOnly: boolean;
	/** Where interrupted runs are recorded; absent: not recorded (the demo, whose fleet dies with it). */
	interrupted?: InterruptedRuns;
	/** The kubeconfig source, so a recorded run is only offered on the same fleet. */
	source: string;
	cwd: string;
	/** How many runs of a batch go at once. Default 3. */
	concurrency?: number;
};

export class RunController {
	private readonly entries = new Map<string, Entry>();
	/** Offered interrupted runs not resumed yet, in offer order. */
	private readonly offered = new Map<string, InterruptedChoice>();
	private disposed = false;

	constructor(private readonly o: RunControllerOptions) {}

	private sink(batch?: string): RunSink {
		const s = () => this.o.store.getState();
		return {
			putRun: run => s().putRun(batch ? {...run, batch} : run),
			updateStep: (runId, stepId, patch) => s().updateStep(runId, stepId, patch),
			updateRun: (runId, patch) => s().updateRun(runId, patch),
			addLog: line => s().addLog(line),
		};
	}

	private placeholder(entry: Entry, state: RunProgress['state'], steps?: StepProgress[], note?: string): void {
		const {plan} = entry;
		this.o.store.getState().putRun({
			id: entry.runId,
			plan: plan.id,
			cluster: plan.cluster,
			title: plan.title,
			state,
			startedAt: Date.now(),
			...(state === 'running' ? {} : {endedAt: Date.now()}),
			steps: steps ?? plan.steps.map(s => ({id: s.id, title: s.title, kubectl: s.kubectl, state: 'pending', skippable: s.skippable ?? false, ...(s.object ? {object: s.object} : {})})),
			...(entry.batch ? {batch: entry.batch} : {}),
			...(note ? {note} : {}),
		});
	}

	private record(entry: Entry): void {
		if (!this.o.interrupted || this.disposed) return;
		const item: InterruptedRun = {
			runId: entry.runId,
			plan: entry.request.id,
			cluster: entry.plan.cluster,
			options: entry.request.options,
			source: this.o.source,
			cwd: this.o.cwd,
			startedAt: Date.now(),
			...(entry.batch ? {batch: entry.batch} : {}),
		};
		try {
			this.o.interrupted.record(item);
		} catch (error) {
			this.o.store.getState().addLog({level: 'warn', text: `cannot record the run for resuming: ${(error as Error).message}`});
		}
	}

	private forget(entry: Entry): void {
		if (!this.o.interrupted || this.disposed) return;
		try {
			this.o.interrupted.forget(entry.runId);
		} catch {
			// Only a convenience: a stale entry is offered once more and resumes to "already done".
		}
	}

	private run(entry: Entry): Promise<RunProgress> {
		if (entry.promise) return entry.promise;
		if (entry.dropped) return Promise.resolve(this.o.store.getState().runs[entry.runId]!);
		const controller = new AbortController();
		setMaxListeners(0, controller.signal);
		entry.controller = controller;
		this.offered.delete(entry.runId);
		this.record(entry);
		entry.promise = runPlan(entry.plan, {sink: this.sink(entry.batch), signal: controller.signal, runId: entry.runId, readOnly: this.o.readOnly, skip: entry.skips}).then(result => {
			entry.promise = undefined;
			entry.controller = undefined;
			if (!this.disposed) {
				this.forget(entry);
				entry.onDone?.(result, entry.plan);
			}
			return result;
		});
		return entry.promise;
	}

	/** Runs the entries, at most `concurrency` at once, in order. */
	private async pool(entries: Entry[]): Promise<void> {
		const queue = new PQueue({concurrency: Math.max(1, this.o.concurrency ?? 3)});
		for (const entry of entries) {
			entry.settled = queue.add(() => (this.disposed || entry.dropped ? Promise.resolve(this.o.store.getState().runs[entry.runId]) : this.run(entry)));
		}
		await Promise.all(entries.map(e => e.settled));
	}

	/** Resolves with the run as it ends (at once for a run that is not going). */
	finished(runId: string): Promise<RunProgress | undefined> {
		return this.entries.get(runId)?.settled ?? Promise.resolve(this.o.store.getState().runs[runId]);
	}

	/** Builds a plan (throws the plan's own error for bad options). */
	build(request: PlanRequest): Plan {
		return buildRequestedPlan(request, this.o.env);
	}

	/** Starts one plan; `onDone` is called when the run ends (done, failed or cancelled). */
	start(request: PlanRequest, plan: Plan, onDone?: Entry['onDone']): string {
		const entry: Entry = {runId: uid(`${plan.id}:${plan.cluster}`), request, plan, skips: new Set(), onDone};
		this.entries.set(entry.runId, entry);
		entry.settled = this.run(entry);
		// The user just started it: the steps pane shows it, and esc, r and s act on it.
		this.o.store.getState().showRun(entry.runId);
		return entry.runId;
	}

	/** Starts several plans as one batch: one progress row per cluster, `concurrency` at a time. */
	startBatch(items: Array<{request: PlanRequest; plan: Plan}>): string {
		const batch = uid('batch');
		const entries = items.map(({request, plan}) => ({runId: uid(`${plan.id}:${plan.cluster}`), request, plan, batch, skips: new Set<string>()}));
		for (const entry of entries) {
			this.entries.set(entry.runId, entry);
			// Shown at once, queued ones with every step pending, so the batch has its rows from the start.
			this.placeholder(entry, 'running');
		}
		if (entries[0]) this.o.store.getState().showRun(entries[0].runId);
		void this.pool(entries);
		return batch;
	}

	/** The entries behind a run: the run, or every run of its batch. Default: the run the steps pane shows. */
	shown(runId?: string): Entry[] {
		const {runs, runOrder, shownRun} = this.o.store.getState();
		const current = runId === undefined ? selectShownRun(runs, runOrder, shownRun) : runs[runId];
		if (!current) return [];
		if (current.batch) return [...this.entries.values()].filter(e => e.batch === current.batch);
		const entry = this.entries.get(current.id);
		return entry ? [entry] : [];
	}

	/** `join on managed-2`, `join on 3 clusters`: how questions and messages name the shown run (or `runId`'s). */
	label(runId?: string): string | undefined {
		const {runs, runOrder, shownRun} = this.o.store.getState();
		const run = runId === undefined ? selectShownRun(runs, runOrder, shownRun) : runs[runId];
		if (!run) return undefined;
		return runLabel(run, run.batch ? selectBatchRuns(runs, runOrder, run.batch).length : 1);
	}

	private going(entries: Entry[]): Entry[] {
		return entries.filter(e => e.promise || (e.batch && !e.dropped && this.o.store.getState().runs[e.runId]?.state === 'running'));
	}

	/**
	 * What esc asks before it cancels the shown run: the question and the run it names (the answer
	 * cancels that run, whatever is shown by then), or why there is nothing to cancel.
	 */
	cancelQuestion(): {question: string; runId: string} | {message: string} {
		const entries = this.shown();
		const label = this.label();
		if (!label || entries.length === 0) return {message: 'nothing is running to cancel'};
		const going = this.going(entries);
		if (going.length === 0) {
			const others = this.active;
			return {message: `${label} is not running: nothing to cancel${others ? ` ([ and ] show the ${others} running)` : ''}`};
		}
		const count = entries.length > 1 ? ` (${going.length} of ${entries.length} still going)` : '';
		return {question: `cancel ${label}${count}? y/n`, runId: entries[0]!.runId};
	}

	/** Cancels a run (and the rest of its batch); default: the shown one. Returns what happened, for the status bar. */
	cancel(runId?: string): string {
		const entries = this.shown(runId);
		const running = this.going(entries);
		if (running.length === 0) return 'nothing is running to cancel';
		for (const e of running) {
			if (e.promise) e.controller?.abort(new Error('cancelled by the user'));
			else {
				e.dropped = true;
				this.o.store.getState().updateRun(e.runId, {state: 'cancelled', endedAt: Date.now()});
			}
		}
		return `cancelling ${this.label(entries[0]!.runId)}: r resumes it`;
	}

	/**
	 * r: run the shown run (or the failed, cancelled and interrupted runs of its batch) again. Every step
	 * is checked first, so the run resumes at the first step the cluster does not have yet.
	 */
	retry(): string {
		const state = this.o.store.getState();
		const shown = this.shown();
		const label = this.label();
		const entries = shown.filter(e => !e.promise && state.runs[e.runId]?.state !== 'done');
		if (entries.length === 0) {
			if (!label) return 'nothing to retry: start a plan from the fleet pane';
			return shown.some(e => e.promise) ? `${label} is still going: esc cancels it first` : `${label} is done: nothing to retry`;
		}
		const first = entries.length === 1 ? state.runs[entries[0]!.runId]?.steps.findIndex(s => s.state !== 'done' && s.state !== 'skipped') : -1;
		for (const e of entries) {
			e.dropped = false;
			if (e.batch) this.placeholder(e, 'running');
		}
		void this.pool(entries);
		const from = first !== undefined && first > 0 ? ` from step ${first + 1}` : '';
		return `resuming ${label}${from}: steps the cluster already has are kept`;
	}

	/** s: skip the failed (or running) step of the shown run, where the step allows it. */
	skip(): string {
		const state = this.o.store.getState();
		for (const e of this.shown()) {
			const run = state.runs[e.runId];
			const step = run?.steps.find(s => s.state === 'failed') ?? run?.steps.find(s => s.state === 'running');
			if (!step) continue;
			const planStep = e.plan.steps.find(s => s.id === step.id);
			if (!planStep?.skippable) return `"${step.title}" of ${this.label(e.runId)} cannot be skipped`;
			e.skips.add(step.id);
			if (!e.promise) state.updateStep(e.runId, step.id, {state: 'skipped', detail: 'skipped by the user', error: undefined, hint: undefined});
			return `"${step.title}" of ${this.label(e.runId)} will be skipped${e.promise ? '' : ': r runs the rest'}`;
		}
		return 'no failed step to skip';
	}

	/** [ and ]: show the previous or next run of this session (a batch counts once). Returns what is shown now. */
	showOther(delta: 1 | -1): string {
		const {runs, runOrder, shownRun, showRun} = this.o.store.getState();
		// One stop per run, or per batch (its first run).
		const stops: string[] = [];
		const seen = new Set<string>();
		for (const id of runOrder) {
			const batch = runs[id]?.batch;
			if (batch && seen.has(batch)) continue;
			if (batch) seen.add(batch);
			stops.push(id);
		}
		if (stops.length === 0) return 'no runs yet: start a plan from the fleet pane';
		const current = selectShownRun(runs, runOrder, shownRun);
		const at = current ? stops.findIndex(id => id === current.id || (current.batch !== undefined && runs[id]?.batch === current.batch)) : -1;
		const next = at === -1 ? stops.length - 1 : Math.max(0, Math.min(stops.length - 1, at + delta));
		if (next === at) return `${this.label()} is the ${delta < 0 ? 'first' : 'last'} run (${at + 1} of ${stops.length})`;
		showRun(stops[next]!);
		const run = runs[stops[next]!]!;
		return `showing ${this.label(run.id)}, ${run.state} (${next + 1} of ${stops.length})`;
	}

	/**
	 * Offers the runs an earlier console left unfinished on this fleet: each is shown with the state of
	 * its steps as the cluster reports it now, and the note that r resumes it.
	 */
	async offerInterrupted(known: (cluster: string) => boolean, signal: AbortSignal): Promise<number> {
		if (!this.o.interrupted) return 0;
		const list = this.o.interrupted.list().filter(e => e.source === this.o.source && known(e.cluster));
		// Offered together, as one batch: the steps pane has a row for each, and r lists every one
		// (cluster, plan, steps done, when) to resume any one of them, or all.
		const batch = list.length > 1 ? uid('interrupted') : undefined;
		let offered = 0;
		// Shown unless the user has started (and so is looking at) a run meanwhile.
		const show = this.o.store.getState().shownRun === undefined;
		for (const item of list) {
			// Read back from the state file, which was written from a PlanRequest.
			const request = {id: item.plan, options: item.options} as PlanRequest;
			let plan: Plan;
			try {
				// Relative paths of its options mean what they meant where it started.
				plan = buildRequestedPlan(request, {...this.o.env, cwd: item.cwd});
			} catch {
				continue;
			}
			const entry: Entry = {runId: item.runId, request, plan, batch: batch ?? item.batch, skips: new Set()};
			this.entries.set(entry.runId, entry);
			const steps: StepProgress[] = [];
			for (const step of plan.steps) {
				const base: StepProgress = {id: step.id, title: step.title, kubectl: step.kubectl, state: 'pending', skippable: step.skippable ?? false, ...(step.object ? {object: step.object} : {})};
				try {
					const check = normalizeCheck(await step.check({signal, log: () => undefined}));
					steps.push(check.done || check.skip ? {...base, kubectl: step.kubectl, state: check.skip ? 'skipped' : 'done', detail: check.detail ?? 'already done'} : base);
				} catch {
					steps.push(base);
				}
			}
			const done = steps.filter(s => s.state !== 'pending').length;
			const when = new Date(item.startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
			this.placeholder(entry, 'cancelled', steps, `an interrupted ${plan.id} on ${plan.cluster}, started ${when} (${done}/${steps.length} steps done) — press r to ${batch ? `choose one or all ${list.length}` : 'resume'}`);
			this.offered.set(entry.runId, {runId: entry.runId, cluster: plan.cluster, plan: plan.id, label: `${plan.id} on ${plan.cluster} · ${done}/${steps.length} steps done · started ${when}`});
			if (show) this.o.store.getState().showRun(entry.runId);
			offered += 1;
		}
		return offered;
	}

	/**
	 * When the shown run is one of several offered interrupted runs: those still waiting (r lets the
	 * user choose among them). Otherwise none, and r retries the shown run as usual.
	 */
	interruptedChoices(): InterruptedChoice[] {
		const shown = this.shown();
		if (!shown.some(e => this.offered.has(e.runId) && !e.promise)) return [];
		const waiting = [...this.offered.values()].filter(c => !this.entries.get(c.runId)?.promise);
		return waiting.length > 1 ? waiting : [];
	}

	/** The plan behind a run this controller knows. */
	planOf(runId: string): Plan | undefined {
		return this.entries.get(runId)?.plan;
	}

	/** Resumes these interrupted runs (one, or all), `concurrency` at a time, each where its cluster is. */
	resume(runIds: string[]): string {
		const entries = runIds.map(id => this.entries.get(id)).filter((e): e is Entry => Boolean(e && !e.promise));
		if (entries.length === 0) return 'nothing to resume';
		for (const e of entries) {
			e.dropped = false;
			if (e.batch) this.placeholder(e, 'running');
		}
		this.o.store.getState().showRun(entries[0]!.runId);
		void this.pool(entries);
		const what = entries.length === 1 ? `${entries[0]!.plan.id} on ${entries[0]!.plan.cluster}` : `${entries.length} interrupted runs`;
		return `resuming ${what}: steps the cluster already has are kept`;
	}

	get active(): number {
		return [...this.entries.values()].filter(e => e.promise).length;
	}

	/** At quit: the runs stop, and stay recorded as interrupted. */
	dispose(): void {
		this.disposed = true;
		for (const e of this.entries.values()) e.controller?.abort(new Error('the console quit'));
	}
}
