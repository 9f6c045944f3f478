// The fault-control protocol: one line in (stdin, or Fleet.control() in tests), one line out.
//   api-down C | api-hang C | api-up C | tunnel-down C | tunnel-up C | expire-watches C
//   degrade C COMPONENT [message...] | recover C COMPONENT | cert-expire C DAYS
//   lb-withhold C | lb-assign C   (a cloud that gives LoadBalancer Services no ingress, and then does)
// Answers: `ok <the control, normalised>` or `error: <what is wrong and what is accepted>`.

export const controlVerbs = ['api-down', 'api-hang', 'api-up', 'tunnel-down', 'tunnel-up', 'expire-watches', 'degrade', 'recover', 'cert-expire', 'lb-withhold', 'lb-assign'] as const;

export type ControlVerb = (typeof controlVerbs)[number];

export type Control = {verb: ControlVerb; cluster: string; component?: string; message?: string; days?: number};

export const controlUsage = 'api-down C | api-hang C | api-up C | tunnel-down C | tunnel-up C | expire-watches C | degrade C COMPONENT [message] | recover C COMPONENT | cert-expire C DAYS | lb-withhold C | lb-assign C';

export function parseControl(line: string): Control | {error: string} {
	const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
	const [verb, cluster, component, ...rest] = words;
	if (!verb) return {error: `empty control (expected: ${controlUsage})`};
	if (!(controlVerbs as readonly string[]).includes(verb)) return {error: `unknown control "${verb}" (expected: ${controlUsage})`};
	const v = verb as ControlVerb;
	if (!cluster) return {error: `${v} needs a cluster name: ${v} C${v === 'degrade' || v === 'recover' ? ' COMPONENT' : ''}`};
	if (v === 'degrade' || v === 'recover') {
		if (!component) return {error: `${v} needs a component: ${v} ${cluster} COMPONENT${v === 'degrade' ? ' [message]' : ''}`};
		if (v === 'recover' && rest.length > 0) return {error: `recover takes no message: recover ${cluster} ${component}`};
		return {verb: v, cluster, component, ...(rest.length > 0 ? {message: rest.join(' ')} : {})};
	}
	if (v === 'cert-expire') {
		// DAYS: from now, may be negative (already expired) or fractional.
		const days = component === undefined || !/^-?\d+(\.\d+)?$/.test(component) ? NaN : Number(component);
		if (!Number.isFinite(days) || rest.length > 0) return {error: `cert-expire needs a number of days from now (negative: already expired): cert-expire ${cluster} DAYS`};
		return {verb: v, cluster, days};
	}
	if (component !== undefined) return {error: `${v} takes one cluster name, got "${words.slice(1).join(' ')}"`};
	return {verb: v, cluster};
}

export function formatControl(control: Control): string {
	return [control.verb, control.cluster, control.component, control.message, control.days === undefined ? undefined : String(control.days)].filter((w) => w !== undefined).join(' ');
}
