import {isKubeError, kubeErrorHint} from '../kube/errors.js';
import {eventKey, eventRow, sortEvents, type EventInput} from '../mcm/events.js';
import {describeRef} from '../mcm/object-ref.js';
import {maskText} from '../mcm/secrets.js';
import type {UiStore} from '../store/ui-store.js';
import type {ConsoleServices} from './services.js';
import {objectYaml} from './object-yaml.js';

// Fills the YAML and Events views from the cluster while they are shown: one request per object
// shown (the client's request timeout applies, and closing or switching aborts it), and one
// list+watch per Events scope, flushed into the store at most ten times a second.

/** Reads the YAML view's current object into the store. Returns abort(). */
export function loadYaml(fetch: NonNullable<ConsoleServices['fetchObject']>, ui: UiStore): () => void {
	const view = ui.getState().yamlView;
	if (!view) return () => {};
	const {seq} = view;
	const ref = view.targets[view.index]!;
	const controller = new AbortController();
	fetch(ref, controller.signal).then(
		obj => {
			if (controller.signal.aborted) return;
			const meta = (obj as {metadata?: {uid?: string; namespace?: string}} | undefined)?.metadata;
			ui.getState().yamlLoaded(seq, {state: 'ok', text: objectYaml(obj), uid: meta?.uid, namespace: meta?.namespace});
		},
		(error: unknown) => {
			if (controller.signal.aborted) return;
			const message = maskText(error instanceof Error ? error.message : String(error));
			const what = isKubeError(error, 'not-found') ? `${describeRef(ref)} does not exist` : `cannot read ${describeRef(ref)}: ${message}`;
			ui.getState().yamlLoaded(seq, {state: 'error', error: what, hint: isKubeError(error) ? kubeErrorHint(error, ref.context) : undefined});
		},
	);
	return () => controller.abort();
}

/** Follows the Events view's scope into the store. Returns stop(). */
export function feedEvents(follow: NonNullable<ConsoleServices['followEvents']>, ui: UiStore, flushMs = 100): () => void {
	const view = ui.getState().eventsView;
	if (!view) return () => {};
	const {seq} = view;
	const known = new Map<string, EventInput>();
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;
	const flush = () => {
		timer = undefined;
		if (!stopped) ui.getState().eventsRows(seq, sortEvents([...known.values()].map(eventRow)));
	};
	const later = () => {
		timer ??= setTimeout(flush, flushMs);
	};
	const stop = follow(view.scope, {
		reset(items) {
			known.clear();
			for (const e of items) known.set(eventKey(e), e);
			later();
		},
		change(type, e) {
			if (type === 'DELETED') known.delete(eventKey(e));
			else known.set(eventKey(e), e);
			later();
		},
		status(text, failed = false) {
			if (!stopped) ui.getState().eventsStatus(seq, maskText(text), failed);
		},
	});
	return () => {
		stopped = true;
		if (timer) clearTimeout(timer);
		stop();
	};
}
