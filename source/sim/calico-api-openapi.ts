// The OpenAPI schemas the Calico Enterprise API server publishes for its projectcalico.org/v3 types,
// from the upstream definition in ./schemas (see schemas/SOURCES.md), read once per process.
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import yaml from 'js-yaml';
import type {KubeObject} from './types.js';

const files = ['projectcalico.org_managedclusters.yaml'];

let loaded: KubeObject[] | undefined;

function schemaDirectory(): string | undefined {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		for (const candidate of [join(dir, 'schemas'), join(dir, 'source', 'sim', 'schemas')]) {
			if (existsSync(join(candidate, files[0]))) return candidate;
		}
		dir = dirname(dir);
	}
	return undefined;
}

/** The definitions (CRD-shaped) of the aggregated types that have a published schema. */
export function calicoApiDefinitions(): KubeObject[] {
	if (!loaded) {
		const dir = schemaDirectory();
		if (!dir) throw new Error('calico-mcm sim: the projectcalico.org/v3 schemas (source/sim/schemas) were not found beside the program');
		loaded = files.map((f) => yaml.load(readFileSync(join(dir, f), 'utf8')) as KubeObject);
	}
	return loaded;
}
