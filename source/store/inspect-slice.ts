import type {StoreApi} from 'zustand/vanilla';
import type {EventRow} from '../mcm/events.js';
import type {ObjectRef} from '../mcm/object-ref.js';

// What `y` and `e` show: the YAML view of a live object (one of the objects behind a row, switched
// with tab or 1-5) and the Events view, each a full-body view over the panes. State only: the app
// layer fetches and follows, and writes here (see app/inspect-feed.ts); the UI reads.

export type YamlLoad =
	| {state: 'loading'}
	| {state: 'ok'; text: string; uid?: string; namespace?: string}
	| {state: 'error'; error: string; hint?: string};

export type YamlView = {
	/** Bumped on every open, switch and reload: what a late answer carries, so it can be ignored. */
	seq: number;
	targets: ObjectRef[];
	index: number;
	load: YamlLoad;
	/** First line shown. */
	top: number;
	/** The applied search text (any case), as typed after `/`. */
	search: string;
	searchEditing: boolean;
	searchCursor: number;
	/** Line of the current match (n / N move it). */
	match?: number;
	/** What the last key said (copy, no match, ...). */
	said?: {text: string; bad: boolean};
};

/** Which Events: of namespaces of a cluster, or about one object. */
export type EventScope = {
	context: string;
	/** For the title: `mgmt: tigera-operator, calico-system`, `ManagedCluster managed-1`. */
	title: string;
	namespaces?: string[];
	object?: {kind: string; name: string; namespace?: string; uid?: string};
};

export type EventsView = {
	seq: number;
	scope: EventScope;
	rows: EventRow[];
	/** `listing`, `following`, or the last real error (failed). */
	status: string;
	failed: boolean;
	top: number;
};

export type InspectState = {
	yamlView?: YamlView;
	eventsView?: EventsView;
};

export type InspectActions = {
	openYaml: (targets: ObjectRef[], index?: number) => void;
	/** Shows target `index` (wraps); refetches. */
	switchYaml: (index: number) => void;
	reloadYaml: () => void;
	/** The answer for `seq`; ignored once another object is shown. */
	yamlLoaded: (seq: number, load: YamlLoad) => void;
	patchYaml: (patch: Partial<Omit<YamlView, 'seq' | 'targets' | 'load'>>) => void;
	closeYaml: () => void;
	openEvents: (scope: EventScope) => void;
	eventsRows: (seq: number, rows: EventRow[]) => void;
	eventsStatus: (seq: number, status: string, failed: boolean) => void;
	scrollEvents: (top: number) => void;
	closeEvents: () => void;
};

export type InspectSlice = InspectState & InspectActions;

let seqCounter = 0;
const nextSeq = () => ++seqCounter;

const freshYaml = (targets: ObjectRef[], index: number): YamlView => ({
	seq: nextSeq(),
	targets,
	index,
	load: {state: 'loading'},
	top: 0,
	search: '',
	searchEditing: false,
	searchCursor: 0,
});

export function createInspectSlice<S extends InspectSlice>(set: StoreApi<S>['setState'], get: StoreApi<S>['getState']): InspectSlice {
	const setPart = (patch: Partial<InspectState>) => set(patch as Partial<S>);
	return {
		openYaml(targets, index = 0) {
			if (targets.length === 0) return;
			setPart({yamlView: freshYaml(targets, Math.max(0, Math.min(index, targets.length - 1))), eventsView: undefined});
		},
		switchYaml(index) {
			const v = get().yamlView;
			if (!v) return;
			const n = v.targets.length;
			// The search stays: looking for the same field in the next object is the point.
			setPart({yamlView: {...freshYaml(v.targets, ((index % n) + n) % n), search: v.search, searchCursor: v.searchCursor}});
		},
		reloadYaml() {
			const v = get().yamlView;
			if (v) setPart({yamlView: {...v, seq: nextSeq(), load: {state: 'loading'}, said: undefined}});
		},
		yamlLoaded(seq, load) {
			const v = get().yamlView;
			if (v && v.seq === seq) setPart({yamlView: {...v, load}});
		},
		patchYaml(patch) {
			const v = get().yamlView;
			if (v) setPart({yamlView: {...v, ...patch}});
		},
		closeYaml: () => setPart({yamlView: undefined, eventsView: undefined}),
		openEvents: scope => setPart({eventsView: {seq: nextSeq(), scope, rows: [], status: 'listing', failed: false, top: 0}}),
		eventsRows(seq, rows) {
			const v = get().eventsView;
			if (v && v.seq === seq) setPart({eventsView: {...v, rows}});
		},
		eventsStatus(seq, status, failed) {
			const v = get().eventsView;
			if (v && v.seq === seq && (v.status !== status || v.failed !== failed)) setPart({eventsView: {...v, status, failed}});
		},
		scrollEvents(top) {
			const v = get().eventsView;
			if (v && v.top !== top) setPart({eventsView: {...v, top: Math.max(0, top)}});
		},
		closeEvents: () => setPart({eventsView: undefined}),
	};
}
