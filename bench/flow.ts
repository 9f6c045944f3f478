// Flow: make a cluster a management cluster and join one cluster to it, on a fresh simulator at
// speed 0 per side and run: `calico-mcm run make-management` + `calico-mcm run join` (headless,
// --yes) against bench/howto-flow.sh, the how-to's kubectl commands with its `watch` replaced by a
// look every 2 s. The simulator always has `mgmt` (already a management cluster), so the flow runs on
// two standalone clusters (`--standalone 2 --managed 0 --bare 0`): standalone-1 becomes the
// management cluster, standalone-2 joins it. Both sides are then checked for the same end state.
import path from 'node:path';
import process from 'node:process';
import {binPath, figure, kubectlPath, noKubectl, repoRoot, runCommand, runOk, Skip, startSim, withTarget, type BenchOptions, type Row, type Sim} from './harness.js';

const management = 'standalone-1';
const joining = 'standalone-2';

async function connected(kubectl: string, sim: Sim): Promise<string> {
	const r = await runOk(kubectl, ['--kubeconfig', sim.kubeconfig, '--context', management, 'get', 'managedclusters', joining, '-o', 'jsonpath={.status.conditions[?(@.type=="ManagedClusterConnected")].status}']);
	return r.stdout.trim();
}

async function consoleFlow(sim: Sim): Promise<number> {
	const common = ['--kubeconfig', sim.kubeconfig, '--yes'];
	const a = await runCommand(process.execPath, [binPath, 'run', 'make-management', '--context', management, ...common], {timeoutMs: 120_000});
	if (a.code !== 0) throw new Error(`run make-management exited ${a.code}: ${(a.stderr || a.stdout).trim().split('\n').slice(-3).join(' / ')}`);
	const b = await runCommand(process.execPath, [binPath, 'run', 'join', '--context', joining, '--management', management, ...common], {timeoutMs: 120_000});
	if (b.code !== 0) throw new Error(`run join exited ${b.code}: ${(b.stderr || b.stdout).trim().split('\n').slice(-3).join(' / ')}`);
	return a.ms + b.ms;
}

async function howtoFlow(kubectl: string, sim: Sim): Promise<number> {
	const script = path.join(repoRoot, 'bench', 'howto-flow.sh');
	const r = await runCommand('bash', [script, sim.kubeconfig, management, joining, joining], {timeoutMs: 180_000, env: {...process.env, KUBECTL: kubectl}});
	if (r.code !== 0) throw new Error(`howto-flow.sh exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
	return r.ms;
}

export async function measureFlow(options: BenchOptions): Promise<Row[]> {
	const kubectl = kubectlPath();
	if (!kubectl) throw new Skip(`${noKubectl} (the how-to side and the end-state check need it)`);
	const runs = options.quick ? 1 : 3;
	const mine: number[] = [];
	const theirs: number[] = [];
	const problems: string[] = [];
	for (let i = 0; i < runs; i++) {
		for (const side of ['console', 'howto'] as const) {
			const sim = await startSim({managed: 0, standalone: 2, bare: 0, speed: 0, enterpriseVersion: '3.22'});
			try {
				if (side === 'console') mine.push(await consoleFlow(sim));
				else theirs.push(await howtoFlow(kubectl, sim));
				const state = await connected(kubectl, sim);
				if (state !== 'True') problems.push(`${side} run ${i + 1}: ManagedClusterConnected is "${state || 'absent'}" afterwards`);
			} finally {
				await sim.stop();
			}
		}
	}
	const row = withTarget({
		id: 'flow.make-management-join',
		measure: 'Flow: make-management + join one cluster',
		what: 'simulator at speed 0, Enterprise 3.22, fresh per side and run: `calico-mcm run make-management --yes` + `run join --yes` (spawn → exit, summed) against bench/howto-flow.sh (the how-to\'s kubectl commands, its watch replaced by polling every 2 s); both must end with ManagedClusterConnected=True',
		console: figure(mine, 'ms'),
		peer: {...figure(theirs, 'ms'), name: 'how-to kubectl script'},
		target: {on: 'ratio', op: '<=', value: 1, text: 'no slower (<= 1x)'},
		note: problems.length ? problems.join('; ') : undefined,
	});
	// Fast is worth nothing if a side did not get the cluster connected.
	if (problems.length) row.pass = false;
	return [row];
}
