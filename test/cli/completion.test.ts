// Shell completion as bash runs it: the script from `calico-mcm completion bash` is sourced into a
// real bash, `complete -p` shows it registered, and _calico_mcm is called with COMP_WORDS/COMP_CWORD
// set as bash sets them when Tab is pressed. calico-mcm is found on PATH through a small wrapper.
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {complete} from '../../source/cli/completion.js';
import {cliPath as cli} from '../helpers/cli.js';

let dir: string;
let kubeconfig: string;

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-completion-'));
	fs.writeFileSync(path.join(dir, 'calico-mcm'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, {mode: 0o755});
	kubeconfig = path.join(dir, 'kubeconfig');
	fs.writeFileSync(
		kubeconfig,
		['apiVersion: v1', 'kind: Config', 'contexts:', '- name: gke_acme_eu_prod', '  context: {cluster: a, user: a}', '- name: gke_acme_us_prod', '  context: {cluster: a, user: a}', '- name: kind-dev', '  context: {cluster: a, user: a}', ''].join('\n'),
	);
});
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

function bash(script: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile('bash', ['--norc', '--noprofile', '-c', script], {env: {...process.env, PATH: `${dir}:${process.env.PATH}`, ...env}, timeout: 120_000}, (error, stdout, stderr) => {
			if (error) reject(new Error(`${error.message}\n${stderr}`));
			else resolve(stdout);
		});
	});
}

/** What bash offers after typing each line (the last word may be partial, or empty after a space); one bash for all. */
async function tabs(lines: string[], env: NodeJS.ProcessEnv = {}): Promise<string[][]> {
	const script = ['source <(calico-mcm completion bash)'];
	for (const line of lines) {
		const words = line.split(' ');
		script.push(`COMP_WORDS=(${words.map(w => `'${w}'`).join(' ')})`, `COMP_CWORD=${words.length - 1}`, 'COMPREPLY=()', '_calico_mcm', 'printf "%s\\n" "${COMPREPLY[@]}" "---"');
	}
	const out = await bash(script.join('\n'), env);
	return out.split('---\n').slice(0, lines.length).map(block => block.split('\n').filter(Boolean));
}

describe('calico-mcm completion bash', () => {
	it('registers for both executables', async () => {
		const out = await bash('source <(calico-mcm completion bash); complete -p calico-mcm; complete -p kubectl-calico_mcm');
		expect(out).toBe('complete -o default -F _calico_mcm calico-mcm\ncomplete -o default -F _calico_mcm kubectl-calico_mcm\n');
	}, 60_000);

	it('completes subcommands, plans, flags and their values', async () => {
		const [commands, st, plans, un, grant, role, status, consoleFlags, shells] = await tabs([
			'calico-mcm ',
			'calico-mcm st',
			'calico-mcm run ',
			'calico-mcm run un',
			'calico-mcm run grant --',
			'calico-mcm run install --role ',
			'calico-mcm status --w',
			'calico-mcm --re',
			'calico-mcm completion ',
		]);
		expect(commands).toEqual(['status', 'run', 'sim', 'diags', 'help', 'completion', 'version']);
		expect(st).toEqual(['status']);
		expect(plans).toEqual(['install', 'make-management', 'create-admin', 'add-managed', 'join', 'grant', 'unmanage', 'unmake-management', 'fix-address', 'interrupted', 'resume']);
		expect(un).toEqual(['unmanage', 'unmake-management']);
		expect(grant).toEqual(expect.arrayContaining(['--user', '--role', '--context', '--dry-run', '--yes']));
		expect(grant).not.toContain('--manifests');
		expect(role).toEqual(['management', 'managed', 'standalone']);
		expect(status).toEqual(['--watch', '--wait-connected']);
		expect(consoleFlags).toEqual(['--request-timeout', '--read-only']);
		expect(shells).toEqual(['bash', 'zsh', 'fish']);
	}, 150_000);

	it('completes context names from --kubeconfig, else KUBECONFIG', async () => {
		const [fromFlag, fileArgument] = await tabs([`calico-mcm status --kubeconfig ${kubeconfig} --context gke`, 'calico-mcm --kubeconfig ']);
		expect(fromFlag).toEqual(['gke_acme_eu_prod', 'gke_acme_us_prod']);
		// A file argument: nothing from us, so bash falls back to file names (-o default).
		expect(fileArgument).toEqual([]);
		const [fromEnv] = await tabs(['calico-mcm run join --context kind-dev --management g'], {KUBECONFIG: kubeconfig});
		expect(fromEnv).toEqual(['gke_acme_eu_prod', 'gke_acme_us_prod']);
		const [none] = await tabs(['calico-mcm run join --context kind-dev --management '], {KUBECONFIG: path.join(dir, 'missing')});
		expect(none).toEqual([]);
	}, 150_000);

	it('completes `run resume` with the clusters of the runs interrupted on this kubeconfig, and all', async () => {
		const state = path.join(dir, 'state');
		fs.mkdirSync(path.join(state, 'calico-mcm'), {recursive: true, mode: 0o700});
		const run = (cluster: string, source: string) => ({runId: `r-${cluster}`, plan: 'join', cluster, options: {management: 'mgmt'}, source, cwd: dir, startedAt: 0});
		fs.writeFileSync(
			path.join(state, 'calico-mcm', 'runs.json'),
			JSON.stringify({runs: [run('managed-1', kubeconfig), run('managed-2', kubeconfig), run('elsewhere-1', path.join(dir, 'other'))]}),
			{mode: 0o600},
		);
		const env = {XDG_STATE_HOME: state};
		const [resume, partial, fromEnv, otherFile, none] = await tabs(
			[`calico-mcm run resume --kubeconfig ${kubeconfig} `, `calico-mcm run --kubeconfig ${kubeconfig} resume managed-2`, 'calico-mcm run resume ', `calico-mcm run resume --kubeconfig ${path.join(dir, 'other')} `, `calico-mcm run resume managed-1 `],
			{...env, KUBECONFIG: kubeconfig},
		);
		expect(resume).toEqual(['managed-1', 'managed-2', 'all']);
		expect(partial).toEqual(['managed-2']);
		expect(fromEnv).toEqual(['managed-1', 'managed-2', 'all']);
		// Runs of another kubeconfig are not offered (run resume would not find them either).
		expect(otherFile).toEqual(['elsewhere-1', 'all']);
		// resume takes one cluster.
		expect(none).toEqual([]);
		const [nothingRecorded] = await tabs(['calico-mcm run resume '], {XDG_STATE_HOME: path.join(dir, 'no-state'), KUBECONFIG: kubeconfig});
		expect(nothingRecorded).toEqual([]);
	}, 150_000);

	it('prints scripts for zsh and fish too, and refuses another shell with exit 2', async () => {
		expect(await bash('calico-mcm completion zsh | head -1')).toBe('#compdef calico-mcm kubectl-calico_mcm\n');
		expect(await bash('calico-mcm completion fish | grep -c "complete -c"')).toBe('2\n');
		expect(await bash('calico-mcm completion tcsh 2>&1; echo "exit $?"')).toBe('calico-mcm: unknown shell "tcsh" for `completion`\n  fix: one of: bash, zsh, fish (e.g. source <(calico-mcm completion bash))\nexit 2\n');
	}, 60_000);

	it('reads the flags from the usage text, so they cannot drift from --help', () => {
		expect(complete(['sim', '--k'])).toEqual(['--kubeconfig-out']);
		expect(complete(['run', 'join', '--man'])).toEqual(['--management', '--manifests']);
	});
});
