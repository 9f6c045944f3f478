import type {Key} from 'ink';
import type {Cluster} from '../mcm/types.js';
import type {ActionContext, ConsoleIntents, ConsoleServices} from '../app/services.js';
import {selectBatchRuns, selectRunningCount, selectShownRun, type FleetView} from '../store/selectors.js';
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
import {consoleLineText, matchingLines, stepMatch} from './log-search.js';
import {scrollLog} from './log-window.js';
import {stepLines} from './steps-pane.js';
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
		// A cursor over the components (y shows the one under it); the window follows it.
		const cursor = Math.max(0, Math.min(total - 1, delta === -Infinity ? 0 : delta === Infinity ? total - 1 : ui.statusCursor + delta));
		ui.set({statusCursor: cursor, statusTop: scrollTo(ui.statusTop, cursor, size, total)});
		return;
	}
	if (pane === 'steps') {
		const {max, running} = stepsExtent(env, size);
		// End follows the running step again; on a finished run it goes to the last line.
		if (command === 'bottom') ui.set(running ? {stepsFollow: true, stepsTop: 0} : {stepsFollow: false, stepsTop: max});
		else ui.set({stepsFollow: false, stepsTop: Math.max(0, Math.min(max, delta === -Infinity ? 0 : ui.stepsTop + delta))});
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

/** How far the steps pane scrolls (its last top line), and whether the run it shows is going. */
function stepsExtent(env: KeyEnv, size: number): {max: number; running: boolean} {
	const {runs, runOrder, shownRun} = env.store.getState();
	const run = selectShownRun(runs, runOrder, shownRun);
	if (!run) return {max: 0, running: false};
	const members = run.batch ? selectBatchRuns(runs, runOrder, run.batch) : [];
	const lines = members.length > 1 ? members.length : stepLines(run, 0, glyphsFor(true), 0).lines.length;
	const running = members.length > 1 ? members.some(r => r.state === 'running') : run.state === 'running';
	return {max: Math.max(0, lines - (size - (run.note ? 1 : 0))), running};
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
		case 'toggle-tree':
			return ui.set({layout: ui.layout === 'tree' ? 'flat' : 'tree'});
		case 'mark': {
			const {cluster} = selectedCluster(env);
			if (cluster) ui.toggleMark(cluster.id);
			return moveFleet(env, i => i + 1);
		}
		case 'follow':
			return ui.set({logFollow: !ui.logFollow, logTop: logTopNow(env)});
		case 'operator-log':
			return toggleOperatorLog(env);
		case 'zoom':
			return ui.set({zoomed: !ui.zoomed});
		case 'log-search':
			return ui.set({logSearchEditing: true, logSearchCursor: [...ui.logSearch].length});
		case 'log-search-next':
			return searchLog(env, 1);
		case 'log-search-prev':
			return searchLog(env, -1);
		case 'clear-log-search':
			return ui.set({logSearch: '', logSearchCursor: 0, logMatch: undefined});
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

/** The shown log's lines as searched, and how many fell off its cap. */
function logLines(env: KeyEnv): {texts: string[]; dropped: number} {
	const ui = env.ui.getState();
	if (ui.logSource === 'operator') return {texts: ui.operatorLog?.lines ?? [], dropped: ui.operatorLog?.dropped ?? 0};
	const {log, logDropped} = env.store.getState();
	return {texts: log.map(consoleLineText), dropped: logDropped};
}

/** Moves to the next (1: newer) or previous (-1: older) match, or the newest one (from undefined), pausing the log there. */
function searchLog(env: KeyEnv, dir: 1 | -1, from = env.ui.getState().logMatch): void {
	const ui = env.ui.getState();
	if (!ui.logSearch) return ui.flashMessage('No search yet: / searches the log', 'warn');
	const {texts, dropped} = logLines(env);
	const step = stepMatch(matchingLines(texts, dropped, ui.logSearch), from, dir);
	if (!step) return ui.set({logMatch: undefined}), ui.flashMessage(`No log line contains "${ui.logSearch}"`, 'warn');
	const size = Math.max(1, env.layout.panes.log.height - 1);
	// The match a third of the way down: the lines before it say how it came about.
	const top = scrollLog(texts.length, dropped, size, false, step.line - Math.floor(size / 3), 0);
	ui.set({logMatch: step.line, logFollow: false, logTop: top});
	if (step.wrapped) ui.flashMessage(dir === 1 ? 'Search wrapped to the oldest match' : 'Search wrapped to the newest match', 'info');
}

function editLogSearch(env: KeyEnv, press: KeyPress): void {
	const ui = env.ui.getState();
	const {state, submit, cancel} = editLine(lineAt(ui.logSearch, ui.logSearchCursor), press);
	if (submit) {
		ui.set({logSearchEditing: false});
		if (ui.logSearch) searchLog(env, -1, undefined);
		return;
	}
	if (cancel) return ui.set({logSearchEditing: false, logSearch: '', logSearchCursor: 0, logMatch: undefined});
	if (state.value !== ui.logSearch || state.cursor !== ui.logSearchCursor) ui.set({logSearch: state.value, logSearchCursor: state.cursor, logMatch: undefined});
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
	if (ui.logSearchEditing) {
		if (key.ctrl && input === 'c') return run(env, 'quit'), 'quit';
		editLogSearch(env, {input, key, paste});
		return 'log-search-edit';
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
