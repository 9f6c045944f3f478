// Package: what `npm install calico-mcm` puts on disk (the packed package's unpacked size: the bundle
// has no dependency tree to install), against the kubectl binary an SRE installs for the same job.
import fs from 'node:fs';
import {kubectlPath, noKubectl, repoRoot, runOk, single, withTarget, type Row} from './harness.js';

export async function measurePackage(): Promise<Row[]> {
	const r = await runOk('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {timeoutMs: 120_000, cwd: repoRoot});
	const [pack] = JSON.parse(r.stdout) as Array<{unpackedSize: number; size: number; entryCount: number; files: Array<{path: string}>}>;
	if (!pack) throw new Error('npm pack --dry-run printed no package');
	if (!pack.files.some(f => f.path.startsWith('dist/bundle/'))) throw new Error('the packed package has no dist/bundle: run `npm run build` first');
	const kubectl = kubectlPath();
	const kubectlMb = kubectl ? fs.statSync(fs.realpathSync(kubectl)).size / 1024 / 1024 : undefined;
	return [
		withTarget({
			id: 'package.installed',
			measure: 'Package: installed size',
			what: `unpacked size of \`npm pack\` (${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KB packed; no dependencies to install: ink, react and the rest are in the bundle); peer: the kubectl binary`,
			console: single(pack.unpackedSize / 1024 / 1024, 'MB'),
			peer: kubectlMb !== undefined ? {...single(kubectlMb, 'MB'), name: 'kubectl binary'} : undefined,
			note: kubectlMb !== undefined ? 'no target in the issue' : `peer ${noKubectl}`,
		}),
	];
}
