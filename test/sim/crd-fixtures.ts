// The real Tigera CRDs (copied from tigera/operator v1.43.0) that the simulator tests register.
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import yaml from 'js-yaml';
import type {KubeObject} from '../../source/sim/types.js';

export const crdFiles = {
	tigeraStatus: 'operator.tigera.io_tigerastatuses.yaml',
	managementCluster: 'operator.tigera.io_managementclusters.yaml',
	managedCluster: 'projectcalico.org_managedclusters.yaml',
};

export function crdPath(file: string): string {
	return fileURLToPath(new URL(`../fixtures/crds/${file}`, import.meta.url));
}

export function loadCrd(file: string): KubeObject {
	return yaml.load(readFileSync(crdPath(file), 'utf8')) as KubeObject;
}
