import type {Key} from 'ink';
import type {Cluster} from '../mcm/types.js';
import type {ActionContext, ConsoleIntents, ConsoleServices} from '../app/services.js';
import {selectRunningCount, type FleetView} from '../store/selectors.js';
import type {AppStore} from '../store/store.js';
import type {PaneId, UiStore} from '../store/ui-store.js';
import {resolveSelection, type FleetRowsOf} from './fleet-rows.js';
import {glyphsFor} from './glyphs.js';
import {helpLines} from './help-overlay.js';
import {editLine, lineAt} from './input/line-edit.js';
import type {KeyPress} from './input/keys.js';
import {resolveKey, type Command} from './keymap.js';
import {scrollKey} from './scroll-keys.js';
import {contentRows, scrollTo, type Layout} from './layout.js';
import {scrollLog} from './log-window.js';
import {handleEventsKey, handleYamlKey, openClusterEvents, openYaml} from './inspect-keys.js';

// What a key does, given the state of both stores. Kept out of the components so the order of
// precedence is in one place: quit prompt, filter prompt, help, workflow actions, then the keymap.

export type KeyEnv = {
	store: AppStore;
	ui: UiStore;
	services: ConsoleServices;
	layout: Layout;
	fleetView: FleetRowsOf;
	exit: () => void;
	intents: ConsoleIntents;
};

/** The help's last top line (as far as G goes): HelpOverlay shows body - 1 lines under its title. */
function helpMax(env: KeyEnv): number {
	return Math.max(0, helpLines(env.services.actions, glyphsFor(true), env.services.readOnly).length - (env.layout.body - 1));
}

function currentView(env: KeyEnv): FleetView {
	return env.fleetView(env.store.getState().clusters, env.ui.getState());
}

export function selectedCluster(env: KeyEnv): {view: FleetView; cluster?: Cluster; index: number} {
	const view = currentView(env);
	const ui = env.ui.getState();
	return {view, ...resolveSelection(view, ui.selectedId, ui.selectedIndex)};
}

function quit(env: KeyEnv): void {
	if (selectRunningCount(env.store.getState().runs) > 0) env.ui.getState().set({confirmQuit: true});
	else env.exit();
}

function moveFleet(env: KeyEnv, to: (index: number, count: number, page: number) => number): void {
	const {view, index} = selectedCluster(env);
	if (view.rows.length === 0) return;
	const size = Math.max(1, contentRows(env.layout, 'fleet'));
	const next = Math.max(0, Math.min(view.rows.length - 1, to(index, view.rows.length, size)));
	const ui = env.ui.getState();
	ui.select(view.rows[next].id, next);
	ui.set({fleetTop: scrollTo(scrollTo(ui.fleetTop, index, size, view.rows.length), next, size, view.rows.length)});
}

function move(env: KeyEnv, command: 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom'): void {
	const ui = env.ui.getState();
	const pane = ui.focus;
	const size = Math.max(1, contentRows(env.layout, pane));
	const delta = {up: -1, down: 1, 'page-up': -size, 'page-down': size, top: -Infinity, bottom: Infinity}[command];
	if (pane === 'fleet') {
		moveFleet(env, (i, count) => (delta === -Infinity ? 0 : delta === Infinity ? count - 1 : i + delta));
		return;
	}
	if (pane === 'status') {
		const {cluster} = selectedCluster(env);
		const total = cluster ? (env.store.getState().statuses[cluster.id]?.length ?? 0) : 0;
		const max = Math.max(0, total - size + 1);
		ui.set({statusTop: Math.max(0, Math.min(max, delta === -Infinity ? 0 : delta === Infinity ? max : ui.statusTop + delta))});
		return;
	}
	if (pane === 'steps') {
		if (command === 'bottom') ui.set({stepsFollow: true, stepsTop: 0});
		else ui.set({stepsFollow: false, stepsTop: Math.max(0, delta === -Infinity ? 0 : ui.stepsTop + delta)});
		return;
	}
	// Log: moving up pauses; End (or f) follows again.
	const op = ui.logSource === 'operator' ? ui.operatorLog : undefined;
	const length = op ? op.lines.length : env.store.getState().log.length;
	const dropped = op ? op.dropped : env.store.getState().logDropped;
	const logSize = Math.max(1, env.layout.panes.log.height - 1);
	if (command === 'bottom') {
		ui.set({logFollow: true});
		return;
	}
	const top = scrollLog(length, dropped, logSize, ui.logFollow, ui.logTop, delta === -Infinity ? -(dropped + length) : delta);
	ui.set({logFollow: false, logTop: top});
}

function toggleOperatorLog(env: KeyEnv): void {
	const ui = env.ui.getState();
	if (ui.logSource === 'operator') {
		ui.showConsoleLog();
		return;
	}
	const {cluster} = selectedCluster(env);
	if (!cluster) return ui.flashMessage('Select a cluster first: o follows its tigera-operator log', 'warn');
	if (!env.services.followOperatorLog) return ui.flashMessage('The operator log is not available in this session', 'warn');
	if (cluster.remoteOnly) return ui.flashMessage(`${cluster.name} has no kubeconfig context: its operator log cannot be read`, 'warn');
	ui.showOperatorLog(cluster.id);
}

function run(env: KeyEnv, command: Command): void {
	const ui = env.ui.getState();
	switch (command) {
		case 'quit':
			return quit(env);
		case 'help':
			return ui.openHelp();
		case 'focus-next':
			return ui.focusNext(1);
		case 'focus-prev':
			return ui.focusNext(-1);
		case 'focus-fleet':
		case 'focus-status':
		case 'focus-steps':
		case 'focus-log':
			return ui.focusPane(command.slice('focus-'.length) as PaneId);
		case 'open':
			return ui.focusPane('status');
		case 'filter':
			return ui.set({filterEditing: true, focus: 'fleet', filterCursor: [...ui.filter].length});
		case 'clear-filter':
			if (ui.filter) ui.set({filter: ''});
			else if (Object.keys(ui.marked).length) ui.clearMarks();
			return;
		case 'sort-name':
			return ui.sortBy('name');
		case 'sort-health':
			return ui.sortBy('health');
		case 'sort-age':
			return ui.sortBy('age');
		case 'unhealthy-only':
			return ui.set({unhealthyOnly: !ui.unhealthyOnly});
		case 'mark': {
			const {cluster} = selectedCluster(env);
			if (cluster) ui.toggleMark(cluster.id);
			return moveFleet(env, i => i + 1);
		}
		case 'follow':
			return ui.set({logFollow: !ui.logFollow, logTop: logTopNow(env)});
		case 'operator-log':
			return toggleOperatorLog(env);
		case 'yaml':
			return openYaml(env, selectedCluster(env));
		case 'events':
			return openClusterEvents(env, selectedCluster(env));
		default:
			return move(env, command);
	}
}

/** Where the log is now, so pausing keeps the lines on screen where they are. */
function logTopNow(env: KeyEnv): number {
	const ui = env.ui.getState();
	const op = ui.logSource === 'operator' ? ui.operatorLog : undefined;
	const length = op ? op.lines.length : env.store.getState().log.length;
	const dropped = op ? op.dropped : env.store.getState().logDropped;
	return scrollLog(length, dropped, Math.max(1, env.layout.panes.log.height - 1), ui.logFollow, ui.logTop, 0);
}

function editFilter(env: KeyEnv, press: KeyPress): void {
	const ui = env.ui.getState();
	const {state, submit, cancel} = editLine(lineAt(ui.filter, ui.filterCursor), press);
	if (submit) return ui.set({filterEditing: false});
	if (cancel) return ui.set({filterEditing: false, filter: '', filterCursor: 0});
	if (state.value !== ui.filter) ui.set({filter: state.value, filterCursor: state.cursor, selectedIndex: 0, fleetTop: 0});
	else if (state.cursor !== ui.filterCursor) ui.set({filterCursor: state.cursor});
}

function actionContext(env: KeyEnv): ActionContext {
	const {view, cluster} = selectedCluster(env);
	const marked = env.ui.getState().marked;
	const clusters = env.store.getState().clusters;
	const markedRows = view.rows.filter(c => marked[c.id]);
	// Marked rows hidden by a filter still count: the user marked them on purpose.
	for (const id of Object.keys(marked)) if (clusters[id] && !view.index.has(id)) markedRows.push(clusters[id]);
	return {...env.intents, clusters, selected: cluster, marked: markedRows};
}

function actionMatches(name: string, input: string, key: Key): boolean {
	if (name === 'escape') return key.escape;
	if (name === 'enter') return key.return;
	return name.length === 1 && input === name && !key.ctrl && !key.meta;
}

/** Handles one key press. Returns the command or action it ran (for tests), if any. */
export function handleKey(env: KeyEnv, input: string, key: Key, paste = false): string | undefined {
	const ui = env.ui.getState();
	if (ui.confirmQuit) {
		if (input === 'y' || input === 'Y' || (key.ctrl && input === 'c')) env.exit();
		else ui.set({confirmQuit: false});
		return 'confirm-quit';
	}
	if (ui.question) {
		if (key.ctrl && input === 'c') {
			ui.answer(false);
			return run(env, 'quit'), 'quit';
		}
		ui.answer((input === 'y' || input === 'Y') && !paste);
		return 'answer';
	}
	if (ui.filterEditing) {
		if (key.ctrl && input === 'c') return run(env, 'quit'), 'quit';
		editFilter(env, {input, key, paste});
		return 'filter-edit';
	}
	// The YAML and Events views take every key while open (a paste only into the search prompt).
	if (ui.eventsView || ui.yamlView) {
		if (key.ctrl && input === 'c') return run(env, 'quit'), 'quit';
		return ui.eventsView ? handleEventsKey(env, {input, key, paste}) : handleYamlKey(env, {input, key, paste});
	}
	// A paste outside a text input is text, not a string of commands: it must not start actions.
	if (paste) return undefined;
	if (ui.helpOpen) {
		if (key.escape || input === '?' || input === 'q') ui.closeHelp();
		else if (key.ctrl && input === 'c') run(env, 'quit');
		else {
			const next = scrollKey(input, key, ui.helpTop, env.layout.body - 2, helpMax(env));
			if (next !== undefined) ui.scrollHelp(next - ui.helpTop);
		}
		return 'help';
	}
	const action = env.services.actions.find(a => actionMatches(a.key, input, key) && (!a.panes || a.panes.includes(ui.focus)));
	if (action) {
		if (action.mutating && env.services.readOnly) ui.flashMessage(`read-only: "${action.title}" would change a cluster; refused`, 'warn');
		else action.run(actionContext(env));
		return `action:${action.key}`;
	}
	const command = resolveKey(input, key, ui.focus);
	if (command) run(env, command);
	return command;
}
