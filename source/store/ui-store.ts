import {createStore, type StoreApi} from 'zustand/vanilla';
import {appendCapped} from './capped-lines.js';
import {createInspectSlice, type InspectSlice} from './inspect-slice.js';

// The console's own state (focus, selection, scroll, sort, filter, log mode), in a small vanilla store
// of its own: the fleet store is shared with headless commands that have no screen, and tests can
// drive this one without React.

export type PaneId = 'fleet' | 'status' | 'steps' | 'log';
export const paneOrder: readonly PaneId[] = ['fleet', 'status', 'steps', 'log'];

export type SortKey = 'name' | 'health' | 'age';
/** tree: each management cluster with its managed clusters under it; flat: one sorted list. */
export type FleetLayout = 'tree' | 'flat';
export type LogSource = 'console' | 'operator';

export type Flash = {text: string; level: 'info' | 'warn' | 'error'; until: number};

export type Question = {text: string; yes: () => void; no?: string};

/** Lines of the followed tigera-operator pod log (a ring, like the console log). */
export type OperatorLog = {
	cluster: string;
	lines: string[];
	dropped: number;
	/** `connecting`, `following <pod>`, or the last real error. */
	status: string;
	failed: boolean;
};

export type UiState = {
	focus: PaneId;
	/** Selected fleet row by id, so the selection survives re-sorting and filtering. */
	selectedId?: string;
	/** Last known index of the selection: where it falls when the selected row disappears. */
	selectedIndex: number;
	/** First visible row of the fleet pane (virtualised list). */
	fleetTop: number;
	/** Marked rows (space) for actions on several clusters at once. */
	marked: Record<string, true>;
	sort: SortKey;
	sortDesc: boolean;
	/** The applied filter text, as typed: `text`, `/regex/`, `~regex`, each optionally prefixed by `!`. */
	filter: string;
	/** The `/` prompt is open: keys edit the filter. */
	filterEditing: boolean;
	/** Where the cursor is in the filter prompt (code points). */
	filterCursor: number;
	unhealthyOnly: boolean;
	layout: FleetLayout;
	statusTop: number;
	/** The TigerStatus component under the cursor (y shows it), an index into the sorted list. */
	statusCursor: number;
	stepsTop: number;
	/** The steps pane keeps the running step in view until the user scrolls it. */
	stepsFollow: boolean;
	logFollow: boolean;
	/** Absolute number (log.logDropped + index) of the top line while paused. */
	logTop: number;
	logSource: LogSource;
	operatorLog?: OperatorLog;
	/** The focused pane fills the screen (Z), so truncated lines can be read whole. */
	zoomed: boolean;
	/** The log search as typed (case-insensitive text); empty: no search. */
	logSearch: string;
	/** The log pane's `/` prompt is open: keys edit the search. */
	logSearchEditing: boolean;
	logSearchCursor: number;
	/** Absolute number (dropped + index) of the line the last n/N (or enter) went to. */
	logMatch?: number;
	helpOpen: boolean;
	helpTop: number;
	confirmQuit: boolean;
	/** A y/n question in the status bar (esc: "cancel join on managed-2? y/n"): the next key answers it. */
	question?: Question;
	/** The terminal is lent to an exec plugin's login prompt: the console reads no keys meanwhile. */
	terminalLent: boolean;
	flash?: Flash;
	/**
	 * The contexts whose fleet rows are on screen (a remote-only row: its management cluster's) and the
	 * selected one, as the fleet pane last drew them: the console probes their API more often.
	 */
	onScreen?: OnScreen;
};

export type OnScreen = {contexts: readonly string[]; selected?: string};

export type UiActions = {
	set: (patch: Partial<UiState>) => void;
	focusNext: (delta: 1 | -1) => void;
	/** The steps pane in front, following the running step (a plan just started). */
	focusSteps: () => void;
	select: (id: string | undefined, index: number) => void;
	toggleMark: (id: string) => void;
	clearMarks: () => void;
	/** Sort by `key`; the same key again reverses the order (as k9s does). */
	sortBy: (key: SortKey) => void;
	flashMessage: (text: string, level?: Flash['level'], ms?: number) => void;
	operatorLogLines: (cluster: string, lines: string[], capacity?: number) => void;
	/** What the follower of `cluster`'s operator log says it is doing (ignored once another is shown). */
	operatorLogStatus: (cluster: string, status: string, failed: boolean) => void;
	/** The log pane shows the operator log of `cluster` from now on (connecting). */
	showOperatorLog: (cluster: string) => void;
	/** The log pane shows the console's own log again. */
	showConsoleLog: () => void;
	/** Help overlay: open at the top, scroll, close. */
	openHelp: () => void;
	scrollHelp: (delta: number) => void;
	closeHelp: () => void;
	focusPane: (pane: PaneId) => void;
	/** Asks a y/n question in the status bar. */
	ask: (question: Question) => void;
	/** The answer to the open question: y runs it, anything else says no. */
	answer: (yes: boolean) => void;
	/** Clears this flash message if it is still the one shown. */
	clearFlash: (flash: Flash) => void;
};

export type UiStore = StoreApi<UiState & UiActions & InspectSlice>;

export function initialUiState(): UiState {
	return {
		focus: 'fleet',
		selectedIndex: 0,
		fleetTop: 0,
		marked: {},
		sort: 'name',
		sortDesc: false,
		filter: '',
		filterEditing: false,
		filterCursor: 0,
		unhealthyOnly: false,
		// Flat by default: the order every sort key promises; `t` groups the fleet as a tree.
		layout: 'flat',
		statusTop: 0,
		statusCursor: 0,
		stepsTop: 0,
		stepsFollow: true,
		logFollow: true,
		logTop: 0,
		logSource: 'console',
		zoomed: false,
		logSearch: '',
		logSearchEditing: false,
		logSearchCursor: 0,
		helpOpen: false,
		helpTop: 0,
		confirmQuit: false,
		terminalLent: false,
	};
}

export function createUiStore(initial: Partial<UiState> = {}): UiStore {
	return createStore<UiState & UiActions & InspectSlice>()((set, get) => ({
		...initialUiState(),
		...createInspectSlice(set, get),
		...initial,
		set: patch => set(patch),
		focusNext(delta) {
			const i = paneOrder.indexOf(get().focus);
			set({focus: paneOrder[(i + delta + paneOrder.length) % paneOrder.length]});
		},
		focusSteps: () => set({focus: 'steps', stepsFollow: true, stepsTop: 0}),
		select(id, index) {
			const s = get();
			if (s.selectedId === id && s.selectedIndex === index) return;
			set({selectedId: id, selectedIndex: index, statusTop: 0, statusCursor: 0});
		},
		toggleMark(id) {
			const marked = {...get().marked};
			if (marked[id]) delete marked[id];
			else marked[id] = true;
			set({marked});
		},
		clearMarks: () => set({marked: {}}),
		sortBy(key) {
			const s = get();
			set(s.sort === key ? {sortDesc: !s.sortDesc} : {sort: key, sortDesc: false});
		},
		flashMessage(text, level = 'info', ms = 4000) {
			set({flash: {text, level, until: Date.now() + ms}});
		},
		operatorLogStatus(cluster, status, failed) {
			const op = get().operatorLog;
			if (op && op.cluster === cluster) set({operatorLog: {...op, status, failed}});
		},
		// Another log: line numbers mean other lines, so the search position goes (the search text stays).
		showOperatorLog: cluster => set({logSource: 'operator', logFollow: true, logMatch: undefined, operatorLog: {cluster, lines: [], dropped: 0, status: 'connecting', failed: false}}),
		showConsoleLog: () => set({logSource: 'console', operatorLog: undefined, logFollow: true, logMatch: undefined}),
		openHelp: () => set({helpOpen: true, helpTop: 0}),
		scrollHelp: delta => set({helpTop: Math.max(0, get().helpTop + delta)}),
		closeHelp: () => set({helpOpen: false}),
		focusPane: pane => set({focus: pane}),
		ask: question => set({question, flash: undefined}),
		answer(yes) {
			const q = get().question;
			if (!q) return;
			set({question: undefined});
			if (yes) q.yes();
			else if (q.no) get().flashMessage(q.no, 'info');
		},
		clearFlash(flash) {
			if (get().flash === flash) set({flash: undefined});
		},
		operatorLogLines(cluster, lines, capacity = 1000) {
			const current = get().operatorLog;
			if (!current || current.cluster !== cluster || lines.length === 0) return;
			set({operatorLog: {...current, ...appendCapped(current, lines, capacity)}});
		},
	}));
}
