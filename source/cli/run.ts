// `calico-mcm run <plan> ...`: one MCM plan, headless. Preflight first (nothing changes unless every
// item passes), then --dry-run prints the plan, or a confirmation (or --yes) and the run, one plain
// line per step change with its elapsed time. Exit 0 done, 1 failed (naming the step and the last
// real error), 2 usage/config errors or a refused confirmation, 130 cancelled.

import {secretsDirectory} from '../mcm/interrupted-runs.js';
import process from 'node:process';
import readline from 'node:readline/promises';
import {setMaxListeners} from 'node:events';
import yaml from 'js-yaml';
import {formatDuration} from '../kube/duration.js';
import {buildRequestedPlan} from '../mcm/plans/index.js';
import {preflight} from '../mcm/preflight.js';
import {describeError, runPlan} from '../mcm/runner.js';
import {maskObject, maskText} from '../mcm/secrets.js';
import {normalizeCheck, planIds, StepError, type Plan, type PlanId, type StepContext} from '../mcm/step.js';
import type {StepProgress} from '../mcm/types.js';
import {createAppStore} from '../store/store.js';
import {commonOptions, durationFlag, parseCommandLine, type FlagValues} from './common-flags.js';
import {loadUserConfig, withConfigDefaults} from './config-file.js';
import {openFleetClients, withheldNotices} from './fleet-access.js';
import {runFixAddress} from './run-fix-address.js';
import {interruptedMain} from './run-interrupted.js';
import {planFlags, planRequest, requiredFlag, runFlags, stringFlag, type Flags} from './run-flags.js';
import {usage, UsageError} from './usage.js';

const write = (text: string) => process.stdout.write(text);
const fail = (text: string) => process.stderr.write(text);

function printPreflight(items: Array<{label: string; ok: boolean; message: string; fix?: string; warning?: boolean}>): void {
	write('Preflight\n');
	for (const item of items) {
		write(`  ${item.ok ? (item.warning ? 'WARN' : 'ok  ') : 'FAIL'} ${item.label}: ${maskText(item.message)}\n`);
		if (!item.ok && item.fix) write(`       fix: ${item.fix}\n`);
	}
}

function indent(text: string, prefix: string): string {
	return text
		.replace(/\n$/, '')
		.split('\n')
		.map(l => prefix + l)
		.join('\n');
}

async function printDryRun(plan: Plan, ctx: StepContext): Promise<void> {
	write(`\nSteps of "${plan.title}" (dry run: nothing is changed)\n`);
	for (const [i, step] of plan.steps.entries()) {
		let state: string;
		try {
			const check = normalizeCheck(await step.check(ctx));
			state = check.skip ? `would be skipped${check.detail ? `: ${check.detail}` : ''}` : check.done ? `already done${check.detail ? `: ${check.detail}` : ''}` : `to do${check.detail ? `: ${check.detail}` : ''}`;
		} catch (error) {
			state = `check failed: ${describeError(error)}`;
		}
		write(`\n${String(i + 1).padStart(2)}. ${step.title}${step.mutating === false ? ' (reads only)' : ''}\n    ${maskText(state)}\n`);
		write(`${indent(step.kubectl, '    $ ').replace(/\n {4}\$ /g, '\n      ')}\n`);
		if (!step.preview) continue;
		try {
			const preview = await step.preview(ctx);
			if (preview.objects?.length) {
				write('    objects:\n');
				write(`${indent(preview.objects.map(o => yaml.dump(maskObject(o), {lineWidth: -1, noRefs: true})).join('---\n'), '      ')}\n`);
			}
			if (preview.deletes?.length) write(`    deletes: ${preview.deletes.join(', ')}\n`);
			if (preview.note) write(`    note: ${maskText(preview.note)}\n`);
		} catch (error) {
			write(`    preview failed: ${describeError(error)}\n`);
		}
	}
}

async function confirm(question: string): Promise<boolean> {
	const rl = readline.createInterface({input: process.stdin, output: process.stdout});
	try {
		const answer = await rl.question(`${question} [y/N] `);
		return /^y(es)?$/i.test(answer.trim());
	} finally {
		rl.close();
	}
}

/** One line per step change: `[ 2/9] done     Install the Tigera operator (1.2s) — 20 objects applied`. */
function stepLine(index: number, total: number, step: StepProgress, now: number): string {
	const elapsed = step.startedAt ? ` (${formatDuration((step.endedAt ?? now) - step.startedAt)})` : '';
	const detail = step.state === 'failed' ? step.error : step.detail;
	return `[${String(index + 1).padStart(String(total).length)}/${total}] ${step.state.padEnd(9)}${step.title}${step.state === 'running' ? '' : elapsed}${detail ? ` — ${maskText(detail)}` : ''}\n`;
}

export async function main(argv: string[]): Promise<number> {
	const parsed = parseCommandLine(argv, 'run', runFlags);
	if (parsed.help) {
		write(usage('run'));
		return 0;
	}
	const [id, ...positional] = parsed.input;
	if (!id) throw new UsageError('`run` needs a plan', `one of: ${planIds.join(', ')}`);
	if (id === 'interrupted' || id === 'resume') return resumeMain(id, positional, parsed.flags, argv);
	if (!planIds.includes(id as PlanId)) throw new UsageError(`unknown plan "${id}"`, `one of: ${planIds.join(', ')}`);
	const planId = id as PlanId;
	// `role` in the config file is a cluster role (grant, join); install's --role is the cluster's role.
	const fromConfig = ['requestTimeout', ...planFlags[planId].filter(f => !(planId === 'install' && f === 'role'))];
	const flags = withConfigDefaults(parsed.flags, argv, loadUserConfig(), fromConfig);
	const common = commonOptions(flags);
	if (planId === 'fix-address') return fixAddress(flags, common);
	if (common.contexts.length !== 1) {
		throw new UsageError(common.contexts.length === 0 ? `\`run ${planId}\` needs --context` : '`run` takes one --context', 'e.g. --context mgmt');
	}
	const context = common.contexts[0]!;
	const waitTimeoutMs = durationFlag(flags.timeout, 'timeout', 600_000);
	const request = planRequest(planId, context, positional, flags);
	const management = stringFlag(flags, 'management');

	const {clients} = openFleetClients({...common, contexts: management ? [context, management] : [context]});
	for (const line of withheldNotices(clients)) fail(`calico-mcm: ${line}\n`);
	const cancel = cancelOnSignals();
	try {
		const plan = buildRequestedPlan(request, {
			client(name) {
				const client = clients.get(name);
				if (!client) throw new UsageError(`no context "${name}" in the kubeconfig`);
				return client;
			},
			waitTimeoutMs,
			// Tokens and installation manifests: a 0700 directory, unless --token-file / --output say where.
			secretsDir: secretsDirectory(),
		});
		const ctx: StepContext = {signal: cancel.signal, log: () => undefined};
		write(`Plan: ${plan.title}\n`);
		const checked = await preflight(plan, ctx);
		printPreflight(checked.items);
		if (!checked.ok && !flags.dryRun) {
			fail('calico-mcm: preflight failed: nothing was changed; fix the items marked FAIL above\n');
			return 1;
		}
		if (flags.dryRun) {
			await printDryRun(plan, ctx);
			if (!checked.ok) {
				fail('\ncalico-mcm: preflight failed (see FAIL above): the plan would not run\n');
				return 1;
			}
			return 0;
		}
		if (!common.readOnly && flags.yes !== true) {
			if (!process.stdin.isTTY) {
				fail(`calico-mcm: refusing to change ${plan.contexts.join(' and ')} without confirmation (stdin is not a terminal)\n  fix: pass --yes\n`);
				return 2;
			}
			if (!(await confirm(`${plan.confirm}${plan.destructive ? ' This cannot be undone by re-running.' : ''}`))) {
				fail('calico-mcm: not confirmed: nothing was changed\n');
				return 2;
			}
		}
		if (common.readOnly) write('Read-only: steps that would change a cluster are refused.\n');
		return await execute(plan, cancel.signal, common.readOnly);
	} finally {
		cancel.dispose();
		for (const client of clients.values()) client.close();
	}
}

/** fix-address runs on every drifted managed cluster of --management (--context limits the kubeconfig's contexts). */
async function fixAddress(flags: FlagValues<typeof runFlags>, common: ReturnType<typeof commonOptions>): Promise<number> {
	const management = requiredFlag(flags, 'management', 'fix-address', 'mgmt');
	const {clients} = openFleetClients({...common, contexts: common.contexts.length > 0 ? [...new Set([management, ...common.contexts])] : []});
	if (!clients.has(management)) throw new UsageError(`no context "${management}" in the kubeconfig`, 'pass --management with a context name');
	const cancel = cancelOnSignals();
	try {
		return await runFixAddress({
			management, clients, dryRun: flags.dryRun === true, yes: flags.yes === true, readOnly: common.readOnly,
			waitTimeoutMs: durationFlag(flags.timeout, 'timeout', 600_000), signal: cancel.signal, write, fail,
		});
	} finally {
		cancel.dispose();
		for (const client of clients.values()) client.close();
	}
}

/** `run interrupted` / `run resume CLUSTER|all` (run-interrupted.ts), with this file's confirmation, signals and step lines. */
async function resumeMain(id: 'interrupted' | 'resume', positional: string[], parsedFlags: Flags, argv: string[]): Promise<number> {
	const flags = withConfigDefaults(parsedFlags, argv, loadUserConfig(), ['requestTimeout']);
	const common = commonOptions(flags);
	const cancel = cancelOnSignals();
	try {
		return await interruptedMain(id, positional, common, {
			execute,
			confirm,
			signal: cancel.signal,
			yes: flags.yes === true,
			waitTimeoutMs: durationFlag(flags.timeout, 'timeout', 600_000),
		});
	} finally {
		cancel.dispose();
	}
}

/** What the cluster has from this plan when it stopped: the steps that are done (now or before). */
function doneBefore(result: {steps: Array<{title: string; state: string}>}): string {
	const done = result.steps.map((s, i) => ({...s, n: i + 1})).filter(s => s.state === 'done' || s.state === 'skipped');
	if (done.length === 0) return '  no step of the plan is done: nothing was changed by it\n';
	return `  done (in place on the cluster): ${done.map(s => `[${s.n}] ${s.title}`).join('; ')}\n  run the same command again to resume after the fix\n`;
}

async function execute(plan: Plan, signal: AbortSignal, readOnly: boolean): Promise<number> {
	const store = createAppStore();
	const seen = new Map<string, string>();
	const unsubscribe = store.subscribe(state => {
		const run = state.runOrder.length ? state.runs[state.runOrder[state.runOrder.length - 1]!] : undefined;
		if (!run) return;
		const now = Date.now();
		run.steps.forEach((step, index) => {
			const key = `${step.state}`;
			if (seen.get(step.id) === key || step.state === 'pending') return;
			seen.set(step.id, key);
			write(stepLine(index, run.steps.length, step, now));
		});
	});
	write('\n');
	let result;
	try {
		result = await runPlan(plan, {sink: store.getState(), signal, readOnly});
	} finally {
		unsubscribe();
	}
	const elapsed = formatDuration((result.endedAt ?? Date.now()) - result.startedAt);
	const outputs = plan.outputs();
	if (outputs.length > 0) {
		write('\n');
		for (const output of outputs) write(`${output.label}: ${output.secret ? output.value : maskText(output.value)}\n`);
	}
	if (result.state === 'done') {
		write(`\nDone in ${elapsed}.\n`);
		return 0;
	}
	const step = result.steps.find(s => s.state === 'failed' || s.state === 'cancelled');
	if (result.state === 'cancelled') {
		fail(`calico-mcm: cancelled${step ? ` at step "${step.title}"` : ''} after ${elapsed}; run the same command again to resume\n`);
		return 130;
	}
	fail(`calico-mcm: run ${plan.id} failed at step "${step?.title ?? '?'}": ${step?.error ?? 'unknown error'}\n${step?.hint ? `  fix: ${step.hint}\n` : ''}${doneBefore(result)}`);
	return 1;
}

/**
 * SIGINT, SIGTERM and SIGHUP (the SSH session or terminal went away) cancel the run: it stops between
 * requests and says how to resume, instead of ending silently; a second signal quits at once.
 */
function cancelOnSignals(): {signal: AbortSignal; dispose: () => void} {
	const controller = new AbortController();
	// Many requests of one step share the signal.
	setMaxListeners(0, controller.signal);
	let interrupts = 0;
	const onSignal = () => {
		interrupts += 1;
		if (interrupts > 1) process.exit(130);
		fail('\ncalico-mcm: cancelling (press Ctrl-C again to quit at once)\n');
		controller.abort(new StepError('cancelled by the user'));
	};
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	for (const name of signals) process.on(name, onSignal);
	return {signal: controller.signal, dispose: () => signals.forEach(name => process.off(name, onSignal))};
}
