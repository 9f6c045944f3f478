import type {Key} from 'ink';
import {clusterObjects, kindOf, objectRef, type ObjectRef} from '../mcm/object-ref.js';
import type {Cluster, RunProgress} from '../mcm/types.js';
import {nextMatch, searchMatches, topShowing, yamlLines} from '../store/inspect-selectors.js';
import type {EventScope} from '../store/inspect-slice.js';
import {selectCurrentRun, selectSortedStatuses} from '../store/selectors.js';
import {editLine, lineAt} from './input/line-edit.js';
import type {KeyPress} from './input/keys.js';
import type {KeyEnv} from './key-handler.js';
import type {Layout} from './layout.js';
import {scrollKey} from './scroll-keys.js';

// `y` (YAML of the live object) and `e` (Events), and the keys of both views while open. The views
// fill the pane area: a title, the lines, two lines for the search prompt or what the last key said,
// and the key hints.

/** Namespaces whose Events `e` shows for a cluster: the operator's and the components'. */
export const eventNamespaces = ['tigera-operator', 'calico-system'];

/** Lines of content in the YAML or Events view. */
export function inspectRows(layout: Layout): number {
	return Math.max(1, layout.body - 4);
}

/** The step `y` shows in the steps pane: the one in focus (running, failed) if it has an object, else the last started one that has. */
export function stepObject(run: RunProgress | undefined): ObjectRef | undefined {
	if (!run) return undefined;
	const focus = run.steps.find(s => s.state === 'running') ?? run.steps.find(s => s.state === 'failed' || s.state === 'cancelled');
	if (focus?.object) return focus.object;
	const started = run.steps.filter(s => s.object && s.startedAt !== undefined);
	return (started.at(-1) ?? run.steps.find(s => s.object))?.object;
}

/** The TigerStatus component `y` takes in the TigerStatus pane: the first one shown. */
export function statusIndex(statusTop: number, count: number): number {
	return Math.max(0, Math.min(statusTop, count - 1));
}

/** `y`: what it opens depends on the focused pane; says why when there is nothing to show. */
export function openYaml(env: KeyEnv, selected: {cluster?: Cluster}): void {
	const ui = env.ui.getState();
	const cluster = selected.cluster;
	const rowObjects = cluster ? clusterObjects(cluster) : [];
	if (ui.focus === 'steps') {
		const state = env.store.getState();
		const object = stepObject(selectCurrentRun(state.runs, state.runOrder));
		if (!object) return ui.flashMessage('y: no step object to show (the steps pane shows no plan, or its steps apply files)', 'warn');
		return ui.openYaml([object]);
	}
	if (!cluster) return ui.flashMessage('Select a cluster first: y shows its objects as YAML', 'warn');
	if (ui.focus === 'status' && !cluster.remoteOnly) {
		const sorted = selectSortedStatuses(env.store.getState().statuses[cluster.id]);
		if (sorted.length > 0) {
			const component = sorted[statusIndex(ui.statusTop, sorted.length)]!;
			return ui.openYaml([objectRef(cluster.context, 'tigerStatuses', component.name), ...rowObjects]);
		}
	}
	if (rowObjects.length === 0) return ui.flashMessage(`${cluster.name} has no Calico Enterprise objects to show (not installed, or not read yet)`, 'warn');
	ui.openYaml(rowObjects);
}

/** `e` outside the YAML view: the Events of the selected cluster's Tigera namespaces. */
export function openClusterEvents(env: KeyEnv, selected: {cluster?: Cluster}): void {
	const ui = env.ui.getState();
	const c = selected.cluster;
	if (!c) return ui.flashMessage('Select a cluster first: e shows its Events', 'warn');
	if (c.remoteOnly) return ui.flashMessage(`${c.name} has no kubeconfig context: its Events cannot be read`, 'warn');
	if (!env.services.followEvents) return ui.flashMessage('Events are not available in this session', 'warn');
	ui.openEvents({context: c.context, title: `${c.name}: ${eventNamespaces.join(', ')}`, namespaces: eventNamespaces});
}

function jump(env: KeyEnv, dir: 1 | -1, inclusive: boolean): void {
	const ui = env.ui.getState();
	const v = ui.yamlView;
	if (!v) return;
	if (!v.search) return ui.patchYaml({said: {text: 'no search yet: / searches', bad: true}});
	const lines = yamlLines(v);
	const matches = searchMatches(lines, v.search);
	const from = inclusive ? v.top : v.match ?? v.top;
	const hit = nextMatch(matches, from, dir, inclusive || v.match === undefined);
	if (!hit) return ui.patchYaml({match: undefined, said: {text: `"${v.search}" not found`, bad: true}});
	const rows = inspectRows(env.layout);
	const n = matches.indexOf(hit.line) + 1;
	ui.patchYaml({
		match: hit.line,
		top: topShowing(hit.line, v.top, rows, lines.length),
		said: {text: `"${v.search}": match ${n} of ${matches.length}${hit.wrapped ? (dir === 1 ? ', wrapped to the top' : ', wrapped to the bottom') : ''}`, bad: false},
	});
}

function editSearch(env: KeyEnv, press: KeyPress): void {
	const ui = env.ui.getState();
	const v = ui.yamlView!;
	const {state, submit, cancel} = editLine(lineAt(v.search, v.searchCursor), press);
	if (cancel) return ui.patchYaml({searchEditing: false, search: '', searchCursor: 0, match: undefined, said: undefined});
	if (submit) {
		ui.patchYaml({searchEditing: false});
		return jump(env, 1, true);
	}
	if (state.value !== v.search || state.cursor !== v.searchCursor) ui.patchYaml({search: state.value, searchCursor: state.cursor, match: undefined});
}

function copyView(env: KeyEnv): void {
	const ui = env.ui.getState();
	const v = ui.yamlView!;
	if (v.load.state !== 'ok') return ui.patchYaml({said: {text: 'nothing to copy yet', bad: true}});
	if (!env.services.copyText) return ui.patchYaml({said: {text: 'copying is not available in this session', bad: true}});
	const ref = v.targets[v.index]!;
	const lines = yamlLines(v).length;
	const kubectl = `\`kubectl --context ${ref.context} get ${kindOf(ref).resource}${ref.namespace ? ` -n ${ref.namespace}` : ''} ${ref.name} -o yaml\` prints it`;
	ui.patchYaml({said: env.services.copyText(v.load.text, `the YAML of ${ref.kind} ${ref.name} (${lines} lines, secrets masked)`, kubectl)});
}

function objectEvents(env: KeyEnv): void {
	const ui = env.ui.getState();
	const v = ui.yamlView!;
	const ref = v.targets[v.index]!;
	if (!env.services.followEvents) return ui.patchYaml({said: {text: 'Events are not available in this session', bad: true}});
	const load = v.load;
	const scope: EventScope = {
		context: ref.context,
		title: `${ref.kind} ${ref.name} on ${ref.context}`,
		object: {kind: ref.kind, name: ref.name, namespace: load.state === 'ok' ? load.namespace : ref.namespace, uid: load.state === 'ok' ? load.uid : undefined},
	};
	ui.openEvents(scope);
}

const plain = (key: Key) => !key.ctrl && !key.meta;

/** A key while the YAML view is open (and the Events view is not). */
export function handleYamlKey(env: KeyEnv, press: KeyPress): string {
	const ui = env.ui.getState();
	const v = ui.yamlView!;
	if (v.searchEditing) {
		editSearch(env, press);
		return 'yaml-search';
	}
	const {input, key} = press;
	if (press.paste) return 'yaml';
	if (key.escape || (plain(key) && input === 'q')) {
		ui.closeYaml();
		return 'yaml-close';
	}
	if (key.tab) {
		ui.switchYaml(v.index + (key.shift ? -1 : 1));
		return 'yaml-switch';
	}
	if (plain(key) && /^[1-5]$/.test(input)) {
		const index = Number(input) - 1;
		if (index < v.targets.length) ui.switchYaml(index);
		return 'yaml-switch';
	}
	if (plain(key)) {
		switch (input) {
			case '/':
				// A new search, as in less and vim: the prompt starts empty.
				ui.patchYaml({searchEditing: true, search: '', searchCursor: 0, match: undefined, said: undefined});
				return 'yaml-search';
			case 'n':
				jump(env, 1, false);
				return 'yaml-next';
			case 'N':
				jump(env, -1, false);
				return 'yaml-prev';
			case 'c':
				copyView(env);
				return 'yaml-copy';
			case 'e':
				objectEvents(env);
				return 'yaml-events';
			case 'r':
				ui.reloadYaml();
				return 'yaml-reload';
			default:
		}
	}
	const rows = inspectRows(env.layout);
	const max = Math.max(0, yamlLines(v).length - rows);
	const next = scrollKey(input, key, Math.min(v.top, max), rows, max);
	if (next !== undefined) ui.patchYaml({top: next});
	return 'yaml';
}

/** A key while the Events view is open. */
export function handleEventsKey(env: KeyEnv, press: KeyPress): string {
	const ui = env.ui.getState();
	const v = ui.eventsView!;
	const {input, key} = press;
	if (press.paste) return 'events';
	if (key.escape || (plain(key) && (input === 'q' || input === 'e'))) {
		ui.closeEvents();
		return 'events-close';
	}
	// Title and table header above, one status line and the hints below.
	const rows = inspectRows(env.layout);
	const max = Math.max(0, v.rows.length - rows);
	const next = scrollKey(input, key, Math.min(v.top, max), rows, max);
	if (next !== undefined) ui.scrollEvents(next);
	return 'events';
}
