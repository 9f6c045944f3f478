// kube-apiserver's checks of a list or watch request's options (apimachinery's
// meta/internalversion/validation ValidateListOptions), answered as its 422 on ListOptions.meta.k8s.io.
import {invalid, type FieldCause} from './status-error.js';

/**
 * The simulator claims v1.33, whose kube-apiserver ships the WatchList feature gate off: a watch that
 * asks for sendInitialEvents is refused there, so a client must fall back to list + watch here too.
 */
export const watchListEnabled = false;

const exact = 'Exact';
const notOlderThan = 'NotOlderThan';

function forbidden(field: string, detail: string): FieldCause {
	return {field, message: `Forbidden: ${detail}`, reason: 'FieldValueForbidden'};
}

function notSupported(field: string, value: string, supported: string[]): FieldCause {
	return {field, message: `Unsupported value: "${value}": supported values: ${supported.map((s) => `"${s}"`).join(', ')}`, reason: 'FieldValueNotSupported'};
}

/** Throws the API server's 422 when `params` is not a list (or, with `watch`, a watch) it accepts. */
export function checkListOptions(params: URLSearchParams, watch: boolean): void {
	const causes = watch ? watchCauses(params) : listCauses(params);
	if (causes.length > 0) throw invalid({group: 'meta.k8s.io', kind: 'ListOptions'}, '', causes);
}

function listCauses(params: URLSearchParams): FieldCause[] {
	const causes: FieldCause[] = [];
	const match = params.get('resourceVersionMatch') ?? '';
	if (match) {
		if (!params.get('resourceVersion')) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
		if (params.get('continue')) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
		if (match !== exact && match !== notOlderThan) causes.push(notSupported('resourceVersionMatch', match, [exact, notOlderThan, '']));
		if (match === exact && params.get('resourceVersion') === '0') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
	}
	// Go decodes the parameter into a *bool: present at all, whatever its value, is "set".
	if (params.has('sendInitialEvents')) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
	return causes;
}

function watchCauses(params: URLSearchParams): FieldCause[] {
	const causes: FieldCause[] = [];
	const match = params.get('resourceVersionMatch') ?? '';
	const initialEvents = params.has('sendInitialEvents');
	if (initialEvents) {
		if (match !== notOlderThan) causes.push(forbidden('resourceVersionMatch', `sendInitialEvents requires setting resourceVersionMatch to ${notOlderThan}`));
		if (!watchListEnabled) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'));
	}
	if (match) {
		if (!initialEvents) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
		if (match !== notOlderThan) causes.push(notSupported('resourceVersionMatch', match, [notOlderThan]));
		if (params.get('continue')) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
	}
	return causes;
}
