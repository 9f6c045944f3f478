// What an exec credential plugin's failure looks like to the rows and the log: an error that names
// the context, and the plugin's own words with whatever looks like a secret masked.

import {KubeError} from './errors.js';

/** Stands for the context's name in a message template (see ExecError.forContext). */
export const contextMark = '\u0000context\u0000';

/**
 * A plugin failure. One provider may serve several contexts (those sharing a kubeconfig user), so the
 * message is kept as a template and each client names its own context with forContext().
 */
export class ExecError extends KubeError {
	/** The plugin ran and exited non-zero: with a terminal, it may succeed when it can prompt. */
	exited = false;

	constructor(
		readonly template: string,
		context: string,
		cause?: unknown,
	) {
		super({kind: 'exec', message: template.split(contextMark).join(context), context, cause});
	}

	forContext(context: string): ExecError {
		if (context === this.context) return this;
		const error = new ExecError(this.template, context, this.cause);
		error.exited = this.exited;
		return error;
	}
}

/**
 * A plugin's stderr is shown on the row, and plugins do print secrets there (a device code, a token
 * in a debug line): mask what looks like one.
 */
export function maskPluginOutput(text: string): string {
	return text
		.replace(/-----BEGIN ([A-Z ]+)-----[\s\S]*?(-----END \1-----|$)/g, (_m, label: string) => `<${label.toLowerCase()} masked>`)
		.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, '$1****')
		.replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, m => `<token masked, ${m.length} chars>`)
		.replace(/("?(?:token|access_token|id_token|refresh_token|password|secret|clientKeyData)"?\s*[:=]\s*"?)[^\s",}]+/gi, '$1****');
}
