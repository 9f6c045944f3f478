// Usage text for every subcommand. Kept in one place so `--help`, `help <cmd>` and the README agree.

export class UsageError extends Error {
	constructor(
		message: string,
		readonly hint?: string,
	) {
		super(message);
	}
}

const global = `Usage
  $ calico-mcm [options]                 the console on your kubeconfig's contexts
  $ calico-mcm --demo [--managed N ...]  the console on an embedded simulated fleet
  $ calico-mcm status [options]          fleet health, as a table, JSON or a change log
  $ calico-mcm run <plan> [options]      run an MCM plan headless (see: calico-mcm help run)
  $ calico-mcm sim [options]             serve a simulated fleet (see: calico-mcm help sim)
  $ calico-mcm diags [options]           write a support bundle (see: calico-mcm help diags)
  $ calico-mcm completion bash|zsh|fish  shell completion script (see: calico-mcm help completion)
  $ calico-mcm version                   print the version
  $ kubectl calico-mcm ...               the same, as a kubectl plugin

Console options
  --kubeconfig FILE        kubeconfig to read (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME           limit the fleet to this context (repeatable)
  --request-timeout DUR    timeout of every API request (default 10s)
  --read-only              refuse every change to a cluster
  --managed-cluster-name CONTEXT=NAME   the ManagedCluster a context is, when its tunnel
                           certificate cannot be read (repeatable)
  --ascii                  no Unicode glyphs (also with TERM=dumb)
  --cert-refresh DUR       how often tunnel certificates are read again (default 60s, past 100
                           clusters 0.6s per cluster: 10m at 1,000; demo 5s)
  --timeout DUR            how long each wait of a workflow's steps may take (default 10m, as run)
  --demo                   start the embedded simulator and use its kubeconfig
  --managed N --standalone N --bare N   demo fleet size (default 3, 1, 1)
  --speed X                demo operator delays: 0 = at once, 1 = realistic (default 1)
  --manifests DIR|URL      release manifests offered by the install key (demo: demo/manifests)
  --pull-secret FILE       pull secret offered by the install key (demo: demo/pull-secret.json)
  --license FILE           license offered by the install key (demo: demo/license.yaml)

Console keys: ? in the console lists them all (k9s-like: / filter, N/S/A sort, z unhealthy only, q quit)
  workflows on the selected (or space-marked) clusters: i install, m make management, J join,
  a admin user + token, g grant, u back to standalone; in the steps pane r retry, s skip, esc cancel

Other
  --help, -h               this text; \`calico-mcm help <command>\` for one command
  --version                print the version
`;

const perCommand: Record<string, string> = {
	completion: `Usage
  $ calico-mcm completion bash|zsh|fish

Prints a completion script for subcommands, plans, flags and the context names of your kubeconfig.
  bash   source <(calico-mcm completion bash)          (add it to ~/.bashrc)
  zsh    source <(calico-mcm completion zsh)           (after compinit, in ~/.zshrc)
  fish   calico-mcm completion fish | source          (or save it in ~/.config/fish/completions/)
`,
	sim: `Usage
  $ calico-mcm sim [--managed N] [--standalone N] [--bare N] [--remote-managed N]
                   [--kubeconfig-out FILE] [--speed X] [--enterprise-version V] [--plain-http C,...]

Serves one simulated Kubernetes API server per cluster on 127.0.0.1, writes a kubeconfig (mode 0600)
with one context each (mgmt, managed-1..N, standalone-1..N, bare-1..N), prints "ready <kubeconfig>"
and serves until SIGINT/SIGTERM.

Options
  --managed N              managed clusters joined to mgmt (default 3)
  --standalone N           standalone Calico Enterprise clusters (default 1)
  --bare N                 plain Kubernetes clusters, no Calico (default 1)
  --remote-managed N       ManagedClusters on mgmt with no cluster (or context) behind them,
                           connected: a large fleet seen from its management cluster (default 0)
  --kubeconfig-out FILE    where to write the kubeconfig (default: a new temp file)
  --speed X                multiplies the simulated operator's delays; 0 = at once (default 1)
  --enterprise-version V   e.g. 3.22 (tigera-manager names) or 3.24 (calico-system names; default)
  --plain-http C,...       serve these clusters on http:// (no TLS), their kubeconfig user still
                           holding the token; requests without it get 401 as over TLS

Controls (one per line on stdin; each answered by one line on stdout)
  api-down C | api-hang C | api-up C          the cluster's API server
  tunnel-down C | tunnel-up C                 a managed cluster's tunnel to its management cluster
  expire-watches C                            end watches; resuming gets 410 Gone
  degrade C COMPONENT [message] | recover C COMPONENT
`,
	status: `Usage
  $ calico-mcm status [--json] [--watch] [--context NAME]... [--wait-connected [--timeout DUR]]

Options
  --json                   one object per cluster (schema in the README)
  --watch                  print one line per change, until interrupted
  --wait-connected         wait until every managed cluster is connected
  --timeout DUR            how long --wait-connected waits (default 5m)
  --kubeconfig FILE, --context NAME, --request-timeout DUR, --managed-cluster-name CONTEXT=NAME
                           as for the console

Exit codes: 0 every cluster healthy, 1 any degraded, disconnected or unreachable, 2 usage or config error.
`,
	diags: `Usage
  $ calico-mcm diags [--context C]... [--output FILE] [--tail N]

Writes one support bundle (.tar.gz, mode 0600): per cluster its TigerStatus, Installation,
ManagementCluster, ManagementClusterConnection and ManagedClusters, the Events of tigera-operator and
calico-system, the last N lines (default 500) of the operator's and the guardian's logs, and the
versions; plus this run's own log. Every Secret's data and every token is removed. An unreachable
cluster is skipped with the reason in the bundle; none holds up the others.

Options
  --output FILE            default: calico-mcm-diags-<time>.tar.gz here (must not exist)
  --tail N                 log lines per pod (default 500)
  --kubeconfig FILE, --context NAME, --request-timeout DUR   as for the console
`,
	run: `Usage
  $ calico-mcm run <plan> --context C [options] [--dry-run] [--yes] [--read-only]

Plans
  install --role management|managed|standalone --manifests DIR|URL --pull-secret FILE [--license FILE]
  make-management [--address HOST:PORT] [--service nodeport|loadbalancer]
  create-admin [--user mcm-user] [--token-file FILE] [--show-token]
  add-managed NAME [--output FILE] [--recreate]
  join --management MGMT [--name NAME] [--manifests DIR|URL --pull-secret FILE] [--output FILE]
       [--recreate] [--user mcm-user] [--role tigera-network-admin]
  grant [--user mcm-user] [--role tigera-network-admin]
  unmanage [--management MGMT] [--name NAME]
  unmake-management [--force]
  fix-address --management MGMT [--context C]...
       point every managed cluster of MGMT that dials another address at MGMT's ManagementCluster
       address, 3 at a time (--context limits which contexts are considered)

Runs the console left unfinished (it quit, or its SSH session dropped)
  $ calico-mcm run interrupted                 list them: cluster, plan, steps done now, start
  $ calico-mcm run resume CLUSTER|all [--yes]  resume one of them, or all

Every plan checks first (permissions, input files, address, the clusters' roles) and changes nothing
unless all is well. Steps already done are reported done, so running a plan again resumes it.
Tokens and installation manifests are written with mode 0600 and never printed (except --show-token).

Options
  --dry-run                print the plan, its kubectl commands and objects; change nothing
  --yes                    do not ask for confirmation (required when stdin is not a terminal)
  --read-only              refuse every mutating step
  --timeout DUR            how long each wait may take (default 10m)
  --kubeconfig FILE, --request-timeout DUR   as for the console

Exit codes: 0 done, 1 preflight or a step failed (the step and its error are named), 2 usage error
or not confirmed, 130 cancelled (run it again to resume).
`,
};

export function usage(command?: string): string {
	if (command && perCommand[command]) return perCommand[command];
	return global;
}
