// What the errors of a list or watch mean for the cluster the caller shows.

import {KubeError} from '../errors.js';
import type {WatchState} from './types.js';

/** What an error of a list or watch means for the cluster: refused credentials, refused access, or unreachable. */
export function watchStateOf(error: unknown): WatchState {
	if (error instanceof KubeError) {
		if (error.kind === 'unauthorized' || error.kind === 'exec') return {state: 'unauthorized', error: error.message};
		if (error.kind === 'forbidden') return {state: 'forbidden', error: error.message, verb: error.verb, resource: error.resource};
	}
	return {state: 'unreachable', error: error instanceof Error ? error.message : String(error)};
}

/** Only our own signals abort our requests; an 'aborted' error while running means the client was closed. */
export const clientClosed = (error: unknown) => error instanceof KubeError && error.kind === 'aborted';

/** The error says the resource type is not served (404). */
export const notServed = (error: unknown) => error instanceof KubeError && error.kind === 'not-found';

/** The error says the resourceVersion (or continue token) is too old (410). */
export const tooOld = (error: unknown) => error instanceof KubeError && error.kind === 'gone';

export const sameState = (a: WatchState | undefined, b: WatchState) =>
	a !== undefined && a.state === b.state && a.error === b.error && a.verb === b.verb && a.resource === b.resource;

/** The error a request gets when the loop stopped while it waited at the start gate. */
export const stopped = (context: string) => new KubeError({kind: 'aborted', message: 'stopped', context});
