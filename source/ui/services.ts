import type {ReactNode} from 'react';
import type {Cluster} from '../mcm/types.js';
import type {AppStore} from '../store/store.js';
import type {PaneId, UiStore} from '../store/ui-store.js';

// What the console may do beyond reading the store. The UI never talks to a cluster: start-up
// (source/cli/console.tsx) builds these from the kube clients and passes them to <App>.

export type OperatorLogSink = {
	/** New lines of the pod log (already split; may be called with many at once). */
	lines: (lines: string[]) => void;
	/** What the follower is doing: `following tigera-operator-abc`, or the last real error (failed). */
	status: (text: string, failed?: boolean) => void;
};

/** Draws a modal overlay in the pane area; it owns the keyboard while open (ctrl-c still quits). */
export type OverlayRender = (props: {width: number; height: number; close: () => void}) => ReactNode;

export type ActionContext = {
	store: AppStore;
	ui: UiStore;
	/** The cluster under the cursor in the fleet pane, if any. */
	selected?: Cluster;
	/** Marked clusters (space), in fleet order; empty when none are marked. */
	marked: Cluster[];
	openOverlay: (render: OverlayRender) => void;
	closeOverlay: () => void;
	flash: (text: string, level?: 'info' | 'warn' | 'error') => void;
};

/** A key that starts a workflow (issue 6: i m j a g u ...). */
export type ConsoleAction = {
	/** One printable character, e.g. `m`, or `escape` / `enter`. Checked before the built-in keys. */
	key: string;
	/** Short name for hints and the help overlay, e.g. `make management`. */
	title: string;
	description?: string;
	/** Changes a cluster: refused (with a message in the status bar) in --read-only mode. */
	mutating: boolean;
	/** Only while one of these panes has focus (default: any pane). */
	panes?: PaneId[];
	/** Shown in the idle step-progress pane as a key that starts a plan. */
	startsPlan?: boolean;
	run: (ctx: ActionContext) => void;
};

export type ConsoleServices = {
	readOnly: boolean;
	/** Follow the tigera-operator pod log of a cluster; returns stop(). Absent: `o` says it is unavailable. */
	followOperatorLog?: (clusterId: string, sink: OperatorLogSink) => () => void;
	actions: ConsoleAction[];
	/** Where the console runs (kubeconfig path, or `demo`), for the title. */
	source?: string;
};

export const noServices: ConsoleServices = {readOnly: false, actions: []};
