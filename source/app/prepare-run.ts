import {setMaxListeners} from 'node:events';
import yaml from 'js-yaml';
import PQueue from 'p-queue';
import {preflight} from '../mcm/preflight.js';
import {maskObject, maskText} from '../mcm/secrets.js';
import type {Plan, PreflightItem} from '../mcm/step.js';
import type {RunProgress} from '../mcm/types.js';
import type {PlanRequest, RunController} from './run-controller.js';
import type {PreparedRun} from './workflow-types.js';

// Plans for the answers of a workflow, as one confirmable run: the question, the steps with their
// kubectl, the preflight checklist and the YAML preview (secrets masked), and start.

export type PrepareOptions = {
	/** The user confirms by typing this (the cluster's name) instead of pressing y. */
	typeToConfirm?: string;
	/** Called when a single run ends (done, failed or cancelled). */
	onDone?: (result: RunProgress, plan: Plan) => void;
	/** Said and done once the run has started. */
	started: (what: string) => void;
	/** How many clusters of a batch are checked at once. */
	concurrency?: number;
};

/** A string names what is wrong (a plan refused its options). */
export function prepareRun(control: RunController, requests: PlanRequest[], options: PrepareOptions): PreparedRun | string {
	let plans: Plan[];
	try {
		plans = requests.map(r => control.build(r));
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
	const first = plans[0]!;
	const several = plans.length > 1;
	return {
		title: several ? `${first.id} on ${plans.length} clusters` : first.title,
		question: several ? `${first.confirm.replace(/\?$/, '')} — and the same for ${plans.slice(1).map(p => p.cluster).join(', ')}?` : `${first.confirm}${first.destructive ? ' This changes the cluster type.' : ''}`,
		typeToConfirm: options.typeToConfirm,
		clusters: plans.map(p => p.cluster),
		steps: first.steps.map(s => ({title: s.title, kubectl: maskText(s.kubectl), skippable: s.skippable ?? false})),
		preflight: signal => checkAll(plans, signal, options.concurrency ?? 3),
		preview: signal => previewYaml(several ? plans : [first], signal),
		start() {
			if (several) control.startBatch(requests.map((request, i) => ({request, plan: plans[i]!})));
			else control.start(requests[0]!, first, options.onDone);
			options.started(several ? `${first.id} on ${plans.length} clusters` : first.title);
		},
	};
}

async function checkAll(plans: Plan[], signal: AbortSignal, concurrency: number): Promise<{ok: boolean; items: PreflightItem[]}> {
	// Dozens of requests share it (one per permission check): not a leak.
	setMaxListeners(0, signal);
	const queue = new PQueue({concurrency});
	const results = await Promise.all(plans.map(plan => queue.add(() => preflight(plan, {signal, log: () => undefined}))));
	const several = plans.length > 1;
	const items: PreflightItem[] = results.flatMap((r, i) => (several ? r.items.map(item => ({...item, label: `${plans[i]!.cluster}: ${item.label}`})) : r.items));
	return {ok: results.every(r => r.ok), items: items.map(i => ({...i, message: maskText(i.message)}))};
}

export async function previewYaml(plans: Plan[], signal: AbortSignal): Promise<string> {
	setMaxListeners(0, signal);
	const out: string[] = [];
	for (const plan of plans) {
		for (const [i, step] of plan.steps.entries()) {
			if (!step.preview) continue;
			const p = await step.preview({signal, log: () => undefined}).catch((error: unknown) => ({note: `preview failed: ${(error as Error).message}`, objects: undefined, deletes: undefined}));
			out.push(`# ${plan.cluster} · step ${i + 1}. ${step.title}`);
			for (const obj of p.objects ?? []) {
				// Dumping real CRDs takes seconds: stop as soon as nobody is looking, so a plan started
				// meanwhile gets the event loop.
				if (signal.aborted) return '';
				out.push(yaml.dump(maskObject(obj), {lineWidth: -1, noRefs: true}).trimEnd(), '---');
				await new Promise(resolve => setImmediate(resolve));
			}
			for (const d of p.deletes ?? []) out.push(`# deletes ${d}`);
			if (p.note) out.push(`# ${maskText(p.note)}`);
		}
	}
	return out.length ? out.join('\n') : '# this plan applies no YAML (it only reads, waits, or writes a file)';
}
