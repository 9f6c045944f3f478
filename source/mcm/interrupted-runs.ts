// Runs the console started and did not see finish (the user quit, the SSH session dropped). A small
// state file names each plan, its cluster and options, so the next console start can offer to resume
// it: the plan is built again and its steps' check() skip what the cluster already has. The file
// holds no secrets (options are paths and names), and is written 0600 in a 0700 directory anyway.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {PlanOptions} from './plans/index.js';
import {writeSecretFile} from './secrets.js';
import {planIds, type PlanId} from './step.js';

export type InterruptedRun = {
	runId: string;
	plan: PlanId;
	cluster: string;
	options: PlanOptions[PlanId];
	/** Runs started together (a join of several clusters). */
	batch?: string;
	/** Where the console ran: the kubeconfig file(s); a run is only offered again on the same source. */
	source: string;
	/** The working directory relative paths of the options are resolved against. */
	cwd: string;
	startedAt: number;
};

/** $XDG_STATE_HOME/calico-mcm, else ~/.local/state/calico-mcm (the XDG default for state). */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
	return path.join(base, 'calico-mcm');
}

/** Where files holding secrets (installation manifests, tokens) go unless the user names a path. */
export function secretsDirectory(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(stateDirectory(env), 'secrets');
}

/** Creates the directory (and its parents) 0700; a directory of ours that exists is made 0700 too. */
export function ensurePrivateDirectory(dir: string): string {
	fs.mkdirSync(dir, {recursive: true, mode: 0o700});
	const st = fs.statSync(dir);
	if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) fs.chmodSync(dir, 0o700);
	return dir;
}

function isEntry(value: unknown): value is InterruptedRun {
	const v = value as Partial<InterruptedRun> | null;
	return Boolean(
		v &&
			typeof v.runId === 'string' &&
			typeof v.cluster === 'string' &&
			typeof v.source === 'string' &&
			typeof v.cwd === 'string' &&
			planIds.includes(v.plan as PlanId) &&
			v.options &&
			typeof v.options === 'object',
	);
}

/** The interrupted runs recorded in one state file (runs.json). */
export class InterruptedRuns {
	readonly file: string;

	constructor(dir: string = stateDirectory()) {
		this.file = path.join(dir, 'runs.json');
	}

	/** Every valid entry; a missing or damaged file reads as none (it is only a convenience). */
	list(): InterruptedRun[] {
		let text: string;
		try {
			text = fs.readFileSync(this.file, 'utf8');
		} catch {
			return [];
		}
		try {
			const parsed = JSON.parse(text) as {runs?: unknown};
			return Array.isArray(parsed.runs) ? parsed.runs.filter(isEntry) : [];
		} catch {
			return [];
		}
	}

	record(entry: InterruptedRun): void {
		this.save([...this.list().filter(e => e.runId !== entry.runId), entry]);
	}

	forget(runId: string): void {
		const list = this.list();
		const rest = list.filter(e => e.runId !== runId);
		if (rest.length !== list.length) this.save(rest);
	}

	private save(runs: InterruptedRun[]): void {
		if (runs.length === 0) {
			fs.rmSync(this.file, {force: true});
			return;
		}
		ensurePrivateDirectory(path.dirname(this.file));
		writeSecretFile(this.file, `${JSON.stringify({runs}, null, '\t')}\n`);
	}
}
