// Runs the console started and did not see finish (the user quit, the SSH session dropped). A small
// state file names each plan, its cluster and options, so the next console start can offer to resume
// it: the plan is built again and its steps' check() skip what the cluster already has. The file
// holds no secrets (options are paths and names), and is written 0600 in a 0700 directory anyway.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {PlanOptions} from './plans/index.js';
import {ensurePrivateDirectory, writeErrorReason} from './atomic-file.js';
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

export {ensurePrivateDirectory};

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

type Contents = {runs: InterruptedRun[]; /** Entries this version does not understand: kept, never dropped. */ other: unknown[]};

/** The interrupted runs recorded in one state file (runs.json). */
export class InterruptedRuns {
	readonly file: string;
	private readonly onProblem: (message: string) => void;

	/** `onProblem` hears of a damaged or unreadable file (set aside, or not offered), in words for the user. */
	constructor(dir: string = stateDirectory(), options: {onProblem?: (message: string) => void} = {}) {
		this.file = path.join(dir, 'runs.json');
		this.onProblem = options.onProblem ?? (() => undefined);
	}

	/**
	 * The file's contents. Missing: none. Damaged (cut off by a full disk, edited by hand): moved aside
	 * to runs.json.corrupt-<time>, said so, and read as none, so it is never overwritten. Unreadable
	 * (permissions): throws, so nothing overwrites what could not be read.
	 */
	private read(): Contents {
		let text: string;
		try {
			text = fs.readFileSync(this.file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {runs: [], other: []};
			throw new Error(`cannot read ${this.file}: ${writeErrorReason(error)}`);
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch (error) {
			return this.setAside(`it is not valid JSON (${(error as Error).message})`);
		}
		const list = (parsed as {runs?: unknown} | null)?.runs;
		if (!Array.isArray(list)) return this.setAside('it has no "runs" list');
		return {runs: list.filter(isEntry), other: list.filter(e => !isEntry(e))};
	}

	private setAside(why: string): Contents {
		const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
		try {
			fs.renameSync(this.file, aside);
		} catch (error) {
			throw new Error(`${this.file} is damaged (${why}) and cannot be moved aside: ${writeErrorReason(error)}; move it away by hand`);
		}
		this.onProblem(`${this.file} was damaged (${why}): kept as ${aside}; the runs it named are not offered`);
		return {runs: [], other: []};
	}

	/** Every valid entry. A file that cannot be read is reported and reads as none. */
	list(): InterruptedRun[] {
		try {
			return this.read().runs;
		} catch (error) {
			this.onProblem(`${(error as Error).message}; interrupted runs are not offered`);
			return [];
		}
	}

	/** Throws when the file cannot be read or written (the message names the file and the reason). */
	record(entry: InterruptedRun): void {
		const {runs, other} = this.read();
		this.save([...runs.filter(e => e.runId !== entry.runId), entry], other);
	}

	forget(runId: string): void {
		const {runs, other} = this.read();
		const rest = runs.filter(e => e.runId !== runId);
		if (rest.length !== runs.length) this.save(rest, other);
	}

	private save(runs: InterruptedRun[], other: unknown[]): void {
		if (runs.length === 0 && other.length === 0) {
			fs.rmSync(this.file, {force: true});
			return;
		}
		try {
			ensurePrivateDirectory(path.dirname(this.file));
			writeSecretFile(this.file, `${JSON.stringify({runs: [...runs, ...other]}, null, '\t')}\n`);
		} catch (error) {
			throw new Error(`cannot write ${this.file}: ${writeErrorReason(error)}; the runs recorded before are kept`);
		}
	}
}
