// Kubernetes Events (core/v1, what `kubectl events` and `kubectl describe` read), listed and then
// followed with the one list+watch loop (watch.ts): per namespace, or about one object through
// kube-apiserver's field selectors on involvedObject.*.
import type {ClusterClient} from './client.js';
import {resourcePath} from './paths.js';
import {startWatch, type WatchHandlers, type WatchState} from './watch.js';

/** The fields of a core/v1 Event the console reads. */
export type RawEvent = {
	metadata: {name: string; namespace?: string; uid?: string; creationTimestamp?: string};
	involvedObject?: {kind?: string; name?: string; namespace?: string; uid?: string; apiVersion?: string};
	reason?: string;
	message?: string;
	type?: string;
	count?: number;
	firstTimestamp?: string | null;
	lastTimestamp?: string | null;
	eventTime?: string | null;
	series?: {count?: number; lastObservedTime?: string} | null;
	source?: {component?: string; host?: string};
	reportingComponent?: string;
};

/** Which Events: those of a namespace, or those about one object (any namespace). */
export type EventSelector = {namespace: string} | {object: {kind: string; name: string; namespace?: string; uid?: string}};

/** `involvedObject.kind=K,involvedObject.name=N,...`: the selector kubectl describe sends. */
export function involvedObjectSelector(object: {kind: string; name: string; namespace?: string; uid?: string}): string {
	const terms = [`involvedObject.kind=${object.kind}`, `involvedObject.name=${object.name}`, `involvedObject.namespace=${object.namespace ?? ''}`];
	if (object.uid) terms.push(`involvedObject.uid=${object.uid}`);
	return terms.join(',');
}

/**
 * Lists and follows the Events `selector` picks. Events of a cluster-scoped object are recorded in
 * `default`, so the object form asks every namespace, narrowed by the field selector. Returns stop().
 */
export function followEvents(client: ClusterClient, selector: EventSelector, handlers: WatchHandlers<RawEvent>): () => void {
	const path = resourcePath({version: 'v1', resource: 'events'}, 'namespace' in selector ? {namespace: selector.namespace} : {});
	const query = 'object' in selector ? {fieldSelector: involvedObjectSelector(selector.object)} : undefined;
	const handle = startWatch<RawEvent>(client, {path, query, handlers});
	return () => handle.stop();
}

export type {WatchState};
