// The step engine's vocabulary. A plan is a list of steps; a step knows the kubectl command a person
// would type, reads the cluster to tell whether it is already done (so a re-run resumes where the
// cluster is), does its change, and may wait on a condition. Plans are pure domain code: they reach
// clusters only through the ClusterClients they were built with.

import type {ObjectRef} from './object-ref.js';
import type {LogLevel} from './types.js';

export type CheckResult =
	| 'done'
	| 'todo'
	| {
			done: boolean;
			/** What check() found, e.g. "already present", shown beside the step. */
			detail?: string;
			/** Nothing to do and nothing to wait for: the step is reported `skipped` (e.g. an existing Prometheus operator). */
			skip?: boolean;
	  };

export type StepContext = {
	/** Aborted when the user cancels: pass it to every request and wait. */
	signal: AbortSignal;
	log: (text: string, level?: LogLevel) => void;
	/** Where a long step stands now (a wait's last real error, what it still waits for): the step's detail while it runs. */
	progress?: (text: string) => void;
};

/** What a step would apply, for --dry-run and the console's preview. Secrets are masked by whoever shows it. */
export type StepPreview = {
	/** Objects the step would send (server-side apply or create). */
	objects?: unknown[];
	/** Objects it would delete, as `Kind namespace/name`. */
	deletes?: string[];
	/** Anything else worth saying (what is waited for, which file is written). */
	note?: string;
};

export type Step = {
	id: string;
	title: string;
	/** The equivalent, copy-pasteable kubectl command(s). Never holds a secret inline. May change once run (e.g. after the address is known). */
	kubectl: string;
	/** The kubeconfig context the step acts on. */
	context: string;
	/** The object it applies or waits on, where there is one (`y` on the step shows it). */
	object?: ObjectRef;
	/** The user may skip this step (from the console, or after a failure). */
	skippable?: boolean;
	/** False for steps that only read or wait; only mutating steps are refused in read-only mode. Default true. */
	mutating?: boolean;
	check: (ctx: StepContext) => Promise<CheckResult>;
	/** Make the change. May resolve with a short note for the step's detail (e.g. the address chosen). */
	run: (ctx: StepContext) => Promise<string | void>;
	/** Wait for the change to take effect (through a watch). Runs after run(), not when check() said done. */
	wait?: (ctx: StepContext) => Promise<void>;
	preview?: (ctx: StepContext) => Promise<StepPreview>;
};

/** One line of the checklist shown before anything changes. */
export type PreflightItem = {
	label: string;
	ok: boolean;
	message: string;
	/** What to do when not ok. */
	fix?: string;
	/** ok, but worth reading before going on (e.g. a version difference). */
	warning?: boolean;
};

/** Something a plan produced for the user: a file written, a token. */
export type PlanOutput = {
	label: string;
	value: string;
	/** The value is a secret shown in the clear because the user asked (--show-token); otherwise plans put a masked form in `value`. */
	secret?: boolean;
};

export type PlanId = 'install' | 'make-management' | 'create-admin' | 'add-managed' | 'join' | 'grant' | 'unmanage' | 'unmake-management' | 'fix-address';

export const planIds: readonly PlanId[] = ['install', 'make-management', 'create-admin', 'add-managed', 'join', 'grant', 'unmanage', 'unmake-management', 'fix-address'];

export type Plan = {
	id: PlanId;
	title: string;
	/** The context (cluster id) the plan is about. */
	cluster: string;
	/** Every context the plan touches. */
	contexts: string[];
	steps: Step[];
	/** The checklist shown before anything changes; the plan must not run unless every item is ok. */
	preflight: (ctx: StepContext) => Promise<PreflightItem[]>;
	/** The question asked before running, e.g. "Make mgmt a management cluster?". */
	confirm: string;
	/** Undoes a cluster's role: ask even more plainly. */
	destructive?: boolean;
	/** What the run produced (available after it ran). */
	outputs: () => PlanOutput[];
};

/** A failure with a hint the user can act on. The message is the real error, not a generic one. */
export class StepError extends Error {
	constructor(
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'StepError';
	}
}

export function normalizeCheck(result: CheckResult): {done: boolean; detail?: string; skip: boolean} {
	if (result === 'done') return {done: true, skip: false};
	if (result === 'todo') return {done: false, skip: false};
	return {done: result.done, detail: result.detail, skip: result.skip ?? false};
}

/** How many of a plan's steps the cluster has now, by each step's own check (in order; a check that fails throws). */
export async function stepsDoneNow(plan: Plan, signal: AbortSignal): Promise<number> {
	let done = 0;
	for (const step of plan.steps) {
		const check = normalizeCheck(await step.check({signal, log: () => undefined}));
		if (check.done || check.skip) done++;
	}
	return done;
}
