import fs from 'node:fs';
import path from 'node:path';
import type {InstallInputs} from '../app/session.js';

// The demo's release manifests, pull secret and license (demo/ beside the program, from source or
// dist): the install prompts' defaults under --demo, so the whole how-to runs with enter, enter.

export function demoInputs(): InstallInputs {
	let dir = import.meta.dirname;
	for (let i = 0; i < 6; i++) {
		const candidate = path.join(dir, 'demo');
		if (fs.existsSync(path.join(candidate, 'manifests', 'tigera-operator.yaml'))) {
			return {manifests: path.join(candidate, 'manifests'), pullSecret: path.join(candidate, 'pull-secret.json'), license: path.join(candidate, 'license.yaml')};
		}
		dir = path.dirname(dir);
	}
	return {};
}
