import path from 'node:path';
import {writeErrorReason} from '../mcm/atomic-file.js';
import {maskToken, writeSecretFile} from '../mcm/secrets.js';
import type {Plan} from '../mcm/step.js';
import {clipboardReport} from './clipboard.js';
import type {TokenHandle} from './workflow-types.js';

// The login token a create-admin run produced, as a handle: the UI shows it masked and may ask to
// copy it (OSC 52) or write it (0600); the clear text stays in here.

export type TokenDeps = {
	cwd: string;
	/** Writes an OSC 52 sequence to the user's terminal. */
	clipboard: (text: string) => void;
};

/** The handle for the token among the plan's outputs; undefined when the run produced none. */
export function tokenHandle(deps: TokenDeps, plan: Plan, user: string): TokenHandle | undefined {
	const raw = plan.outputs().find(o => o.label === 'login token' && o.secret)?.value;
	if (!raw) return undefined;
	const expires = plan.outputs().find(o => o.label === 'token expires')?.value;
	return {
		cluster: plan.cluster,
		user,
		masked: maskToken(raw),
		expires,
		defaultPath: path.join(deps.cwd, `${plan.cluster}-${user}.token`),
		savedTo: plan.outputs().find(o => o.label === 'login token file')?.value,
		copy() {
			deps.clipboard(raw);
			return clipboardReport(`the token (${raw.length} characters)`);
		},
		write(file, options) {
			const target = path.resolve(deps.cwd, file);
			try {
				// Create-only unless the user confirmed replacing (the file may hold another token).
				writeSecretFile(target, `${raw}\n`, {overwrite: options?.overwrite === true});
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`${target} exists already`), {code: 'EEXIST'});
				throw new Error(`cannot write ${target}: ${writeErrorReason(error)}; choose a writable path`);
			}
			return `written to ${target} (mode 0600)`;
		},
	};
}
