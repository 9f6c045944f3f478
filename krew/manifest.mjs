#!/usr/bin/env node
// Prints the krew plugin manifest (krew.googlecontainertools.github.com/v1alpha2 Plugin) for a packed
// release tarball: `npm pack && node krew/manifest.mjs calico-mcm-X.Y.Z.tgz [URL] > calico-mcm.yaml`.
// The sha256 must be the released file's, so the manifest is made from the tarball, not kept by hand.
import {createHash} from 'node:crypto';
import process from 'node:process';
import {readFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const [tarball, url] = process.argv.slice(2);
if (!tarball) {
	process.stderr.write('usage: node krew/manifest.mjs calico-mcm-X.Y.Z.tgz [download URL]\n');
	process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8'));
const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
const uri = url ?? `https://registry.npmjs.org/${pkg.name}/-/${basename(tarball)}`;
const platform = os => `  - selector:
      matchLabels:
        os: ${os}
    uri: ${uri}
    sha256: ${sha256}
    files:
    - from: package/*
      to: .
    bin: kubectl-calico_mcm`;
process.stdout.write(`apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: calico-mcm
spec:
  version: v${pkg.version}
  homepage: https://www.npmjs.com/package/${pkg.name}
  shortDescription: Calico Enterprise multi-cluster management console
  description: |
    ${pkg.description}.
    Runs the console (kubectl calico-mcm), status and run against your kubeconfig's contexts.
  caveats: |
    Needs Node.js ${pkg.engines.node} on PATH. If the plugin reports missing modules, install it
    with npm instead: npm install -g ${pkg.name}
  platforms:
${['linux', 'darwin'].map(platform).join('\n')}
`);
