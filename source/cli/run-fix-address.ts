// `calico-mcm run fix-address --management C`: every managed cluster of C that dials another address
// than the one C advertises is pointed at it. Finds the drifted clusters, runs each one's preflight
// (nothing changes unless all pass), lists each cluster with its kubectl equivalent for confirmation
// (or --dry-run prints it and stops), then runs them 3 at a time, one line per step change prefixed
// by the cluster. Re-running resumes: clusters already fixed are skipped, the rest continue.

import process from 'node:process';
import readline from 'node:readline/promises';
import PQueue from 'p-queue';
import {formatDuration} from '../kube/duration.js';
import type {ClusterClient} from '../kube/client.js';
import {buildFixAddressPlan, fixAddressTargets, patchCommand} from '../mcm/plans/fix-address.js';
import {preflight} from '../mcm/preflight.js';
import {runPlan} from '../mcm/runner.js';
import {maskText} from '../mcm/secrets.js';
import {StepError, type StepContext} from '../mcm/step.js';
import type {RunProgress} from '../mcm/types.js';
import {createAppStore} from '../store/store.js';

export type FixAddressRun = {
	management: string;
	clients: ReadonlyMap<string, ClusterClient>;
	dryRun: boolean;
	yes: boolean;
	readOnly: boolean;
	waitTimeoutMs: number;
	signal: AbortSignal;
	write: (text: string) => void;
	fail: (text: string) => void;
	/** Clusters fixed at once (default 3, as the console's multi-join). */
	concurrency?: number;
};

async function confirm(question: string): Promise<boolean> {
	const rl = readline.createInterface({input: process.stdin, output: process.stdout});
	try {
		return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
	} finally {
		rl.close();
	}
}

export async function runFixAddress(o: FixAddressRun): Promise<number> {
	const {write, fail, management} = o;
	const ctx: StepContext = {signal: o.signal, log: () => undefined};
	let targets;
	try {
		targets = await fixAddressTargets(management, o.clients, o.signal);
	} catch (error) {
		fail(`calico-mcm: ${error instanceof Error ? error.message : String(error)}\n${error instanceof StepError && error.hint ? `  fix: ${error.hint}\n` : ''}nothing was changed\n`);
		return 1;
	}
	write(`Plan: point every managed cluster of ${management} at ${targets.address}\n`);
	for (const d of targets.drifted) write(`  ${d.context}: dials ${d.from}\n`);
	for (const name of targets.inSync) write(`  ${name}: already dials ${targets.address}\n`);
	for (const s of targets.skipped) write(`  ${s.name}: skipped: ${s.reason}\n`);
	if (targets.drifted.length === 0) {
		write('Nothing to fix.\n');
		return 0;
	}
	const env = {client: (name: string) => o.clients.get(name)!, waitTimeoutMs: o.waitTimeoutMs};
	const plans = targets.drifted.map(d => buildFixAddressPlan({context: d.context, management}, env));
	const checks = await Promise.all(plans.map(plan => preflight(plan, ctx)));
	write('Preflight\n');
	checks.forEach((checked, i) => {
		for (const item of checked.items) {
			write(`  ${item.ok ? 'ok  ' : 'FAIL'} ${plans[i]!.cluster}: ${item.label}: ${maskText(item.message)}\n`);
			if (!item.ok && item.fix) write(`       fix: ${item.fix}\n`);
		}
	});
	const failed = checks.filter(c => !c.ok).length;
	if (failed > 0) {
		fail(`calico-mcm: preflight failed on ${failed} of ${plans.length} clusters: nothing was changed; fix the items marked FAIL above\n`);
		return 1;
	}
	write('\nChanges (kubectl equivalents):\n');
	for (const d of targets.drifted) write(`  ${d.context}: ${patchCommand(d.context, targets.address)}\n`);
	if (o.dryRun) {
		write('\nDry run: nothing was changed.\n');
		return 0;
	}
	if (o.readOnly) {
		fail(`calico-mcm: read-only: refusing to change ${plans.length} managed cluster${plans.length === 1 ? '' : 's'}; nothing was changed\n`);
		return 1;
	}
	if (!o.yes) {
		if (!process.stdin.isTTY) {
			fail(`calico-mcm: refusing to change ${plans.length} managed clusters without confirmation (stdin is not a terminal)\n  fix: pass --yes\n`);
			return 2;
		}
		if (!(await confirm(`Point ${targets.drifted.map(d => d.context).join(', ')} at ${targets.address}?`))) {
			fail('calico-mcm: not confirmed: nothing was changed\n');
			return 2;
		}
	}
	write('\n');
	const store = createAppStore();
	const seen = new Map<string, string>();
	const unsubscribe = store.subscribe(state => {
		for (const id of state.runOrder) {
			const run = state.runs[id]!;
			run.steps.forEach((step, index) => {
				const key = `${run.id}/${step.id}`;
				if (step.state === 'pending' || seen.get(key) === step.state) return;
				seen.set(key, step.state);
				const elapsed = step.startedAt && step.state !== 'running' ? ` (${formatDuration((step.endedAt ?? Date.now()) - step.startedAt)})` : '';
				const detail = step.state === 'failed' ? step.error : step.detail;
				write(`[${run.cluster}] [${index + 1}/${run.steps.length}] ${step.state.padEnd(9)}${step.title}${elapsed}${detail ? ` — ${maskText(detail)}` : ''}\n`);
			});
		}
	});
	const started = Date.now();
	const results: RunProgress[] = [];
	const queue = new PQueue({concurrency: Math.max(1, o.concurrency ?? 3)});
	try {
		await Promise.all(plans.map(plan => queue.add(async () => results.push(await runPlan(plan, {sink: store.getState(), signal: o.signal})))));
	} finally {
		unsubscribe();
	}
	const bad = results.filter(r => r.state !== 'done');
	if (bad.length === 0) {
		write(`\nDone in ${formatDuration(Date.now() - started)}: ${results.length} managed cluster${results.length === 1 ? '' : 's'} point at ${targets.address}.\n`);
		return 0;
	}
	fail(`calico-mcm: fix-address did not finish on ${bad.map(r => r.cluster).join(', ')}; run the same command again to resume\n`);
	return bad.some(r => r.state === 'cancelled') ? 130 : 1;
}
