import type {StoreApi} from 'zustand/vanilla';
import type {RunProgress, StepProgress} from '../mcm/types.js';

export type RunsSlice = {
	/** Every run of this session, keyed by RunProgress.id, in start order in `runOrder`. */
	runs: Record<string, RunProgress>;
	runOrder: string[];
	/**
	 * The run the steps pane shows, and the one esc, r and s act on: the run the user started last,
	 * or picked with [ and ]. It stays put when another run starts or ends elsewhere (a pane that
	 * jumped to whichever run was running made esc cancel a plan the user was not looking at).
	 * Unset: the newest running run, else the newest.
	 */
	shownRun?: string;
	showRun: (runId: string) => void;
	putRun: (run: RunProgress) => void;
	updateStep: (runId: string, stepId: string, patch: Partial<StepProgress>) => void;
	updateRun: (runId: string, patch: Partial<Omit<RunProgress, 'steps' | 'id'>>) => void;
};

export function createRunsSlice<S extends RunsSlice>(
	set: StoreApi<S>['setState'],
	get: StoreApi<S>['getState'],
	_api: StoreApi<S>,
): RunsSlice {
	return {
		runs: {},
		runOrder: [],
		showRun(runId) {
			if (get().runs[runId] && get().shownRun !== runId) set({shownRun: runId} as Partial<S>);
		},
		putRun(run) {
			const {runs, runOrder} = get();
			set({runs: {...runs, [run.id]: run}, runOrder: runs[run.id] ? runOrder : [...runOrder, run.id]} as Partial<S>);
		},
		updateStep(runId, stepId, patch) {
			const {runs} = get();
			const run = runs[runId];
			if (!run) return;
			const steps = run.steps.map(s => (s.id === stepId ? {...s, ...patch} : s));
			set({runs: {...runs, [runId]: {...run, steps}}} as Partial<S>);
		},
		updateRun(runId, patch) {
			const {runs} = get();
			const run = runs[runId];
			if (!run) return;
			set({runs: {...runs, [runId]: {...run, ...patch}}} as Partial<S>);
		},
	};
}
