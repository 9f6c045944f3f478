// Shell completion. `calico-mcm completion bash|zsh|fish` prints a small script that asks the program
// itself (`calico-mcm __complete WORDS...`) for candidates, as cobra-based tools (kubectl) do: the
// subcommands, plans and flags come from the usage text (so they cannot drift from --help), and
// context names from the kubeconfig the command line (or KUBECONFIG) points at.

import fs from 'node:fs';
import yaml from 'js-yaml';
import {kubeconfigFiles} from '../kube/kubeconfig.js';
import {InterruptedRuns, stateDirectory} from '../mcm/interrupted-runs.js';
import {usage, UsageError} from './usage.js';

export const commands = ['status', 'run', 'sim', 'diags', 'help', 'completion', 'version'];
const shells = ['bash', 'zsh', 'fish'];

/** The flags named in a block of usage text. */
function flagsIn(text: string): string[] {
	return [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].filter(f => f !== '--help');
}

/** Plans and their own flags, from `calico-mcm help run`. */
function plans(): Map<string, string[]> {
	const text = usage('run');
	const section = text.slice(text.indexOf('\nPlans\n') + 7, text.indexOf('\n\n', text.indexOf('\nPlans\n') + 7));
	const out = new Map<string, string[]>();
	let current: string | undefined;
	for (const line of section.split('\n')) {
		const plan = /^ {2}([a-z][a-z-]*)/.exec(line);
		if (plan) {
			current = plan[1]!;
			out.set(current, []);
		}
		if (current) out.get(current)!.push(...flagsIn(line));
	}
	return out;
}

function commandFlags(command: string | undefined, plan: string | undefined): string[] {
	if (command === undefined) {
		const text = usage();
		return flagsIn(text.slice(text.indexOf('Console options'), text.indexOf('Console keys'))).concat('--help', '--version');
	}
	if (command === 'run') {
		const text = usage('run');
		const common = ['--context', ...flagsIn(text.slice(text.indexOf('\nOptions\n')))];
		return [...new Set([...(plan ? plans().get(plan) ?? [] : []), ...common, '--help'])];
	}
	if (command === 'status' || command === 'sim' || command === 'diags') return [...flagsIn(usage(command)), '--help'];
	return [];
}

/** Context names of the kubeconfig: raw, so one broken entry does not hide the others. */
function contextNames(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): string[] {
	const names: string[] = [];
	for (const file of kubeconfigFiles({kubeconfig, env}).files) {
		try {
			const doc = yaml.load(fs.readFileSync(file, 'utf8')) as {contexts?: Array<{name?: unknown}>} | undefined;
			for (const c of doc?.contexts ?? []) if (typeof c?.name === 'string' && !names.includes(c.name)) names.push(c.name);
		} catch {
			// unreadable: nothing to offer from it
		}
	}
	return names;
}

/** `run`'s words besides the plans: the interrupted runs' list and resume. */
const runCommands = ['interrupted', 'resume'];

/** The clusters `run resume` can take: those of the runs interrupted on this kubeconfig, then `all`. */
function resumable(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): string[] {
	const source = kubeconfigFiles({kubeconfig, env}).files.join(', ');
	// A damaged state file is reported by `run interrupted`, not by a Tab press.
	const runs = new InterruptedRuns(stateDirectory(env)).list().filter(r => r.source === source);
	return [...new Set(runs.map(r => r.cluster)), ...(runs.length > 0 ? ['all'] : [])];
}

const valueFlags = new Set(['--kubeconfig', '--context', '--request-timeout', '--manifests', '--pull-secret', '--license', '--managed', '--standalone', '--bare', '--speed', '--timeout', '--role', '--address', '--service', '--user', '--token-file', '--output', '--management', '--name', '--kubeconfig-out', '--enterprise-version']);

/**
 * Candidates for the last word of `words` (the words after the program name; the last one is being
 * typed, possibly empty). An empty list lets the shell fall back to file names.
 */
export function complete(words: string[], env: NodeJS.ProcessEnv = process.env): string[] {
	const current = words.at(-1) ?? '';
	const before = words.slice(0, -1);
	const positional: string[] = [];
	let kubeconfig: string | undefined;
	for (let i = 0; i < before.length; i++) {
		const word = before[i]!;
		if (word.startsWith('--')) {
			const [name, inline] = word.split('=', 2) as [string, string | undefined];
			if (inline === undefined && valueFlags.has(name)) {
				if (name === '--kubeconfig') kubeconfig = before[i + 1];
				i++;
			} else if (name === '--kubeconfig') kubeconfig = inline;
		} else positional.push(word);
	}
	const [command, second] = positional;
	const prev = before.at(-1);
	const pick = (list: string[]) => list.filter(c => c.startsWith(current));

	if (prev !== undefined && valueFlags.has(prev) && !current.startsWith('--')) {
		if (prev === '--context' || prev === '--management') return pick(contextNames(kubeconfig, env));
		if (prev === '--role') return pick(command === 'run' && second === 'install' ? ['management', 'managed', 'standalone'] : ['tigera-network-admin', 'tigera-ui-user']);
		if (prev === '--service') return pick(['nodeport', 'loadbalancer']);
		if (prev === '--enterprise-version') return pick(['3.22', '3.24']);
		return [];
	}
	if (current.startsWith('-')) return pick(commandFlags(command, command === 'run' ? second : undefined));
	if (command === undefined) return pick(commands);
	if (command === 'run' && second === undefined) return pick([...plans().keys(), ...runCommands]);
	if (command === 'run' && second === 'resume' && positional.length === 2) return pick(resumable(kubeconfig, env));
	if (command === 'help' && second === undefined) return pick(commands.filter(c => c !== 'help'));
	if (command === 'completion' && second === undefined) return pick(shells);
	return [];
}

const scripts: Record<string, string> = {
	bash: `# bash completion for calico-mcm; load with: source <(calico-mcm completion bash)
_calico_mcm() {
	local IFS=$'\\n'
	COMPREPLY=($(calico-mcm __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _calico_mcm calico-mcm
complete -o default -F _calico_mcm kubectl-calico_mcm
`,
	zsh: `#compdef calico-mcm kubectl-calico_mcm
# zsh completion for calico-mcm; load with: source <(calico-mcm completion zsh)
_calico_mcm() {
	local -a candidates
	candidates=("\${(@f)$(calico-mcm __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if [[ -n "\${candidates[1]}" ]]; then compadd -- "\${candidates[@]}"; else _files; fi
}
compdef _calico_mcm calico-mcm kubectl-calico_mcm
`,
	fish: `# fish completion for calico-mcm; load with: calico-mcm completion fish | source
function __calico_mcm_complete
	set -l words (commandline -opc) (commandline -ct)
	calico-mcm __complete $words[2..-1] 2>/dev/null
end
complete -c calico-mcm -a '(__calico_mcm_complete)'
complete -c kubectl-calico_mcm -a '(__calico_mcm_complete)'
`,
};

/** `calico-mcm completion SHELL`. */
export async function main(argv: string[]): Promise<number> {
	const [shell, ...rest] = argv;
	if (shell === '--help' || shell === '-h') {
		process.stdout.write(usage('completion'));
		return 0;
	}
	if (!shell || !scripts[shell] || rest.length > 0) {
		throw new UsageError(shell && !scripts[shell] ? `unknown shell "${shell}" for \`completion\`` : '`completion` needs one shell', `one of: ${shells.join(', ')} (e.g. source <(calico-mcm completion bash))`);
	}
	process.stdout.write(scripts[shell]);
	return 0;
}

/** `calico-mcm __complete WORDS...`: one candidate per line. */
export async function completeMain(argv: string[]): Promise<number> {
	const candidates = complete(argv.length === 0 ? [''] : argv);
	if (candidates.length > 0) process.stdout.write(`${candidates.join('\n')}\n`);
	return 0;
}
