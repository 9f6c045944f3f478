import type {EventInput} from '../mcm/events.js';
import type {ObjectRef} from '../mcm/object-ref.js';
import type {Cluster} from '../mcm/types.js';
import type {EventScope} from '../store/inspect-slice.js';
import type {PaneId} from '../store/ui-store.js';
import type {TokenHandle, Workflow} from './workflow-types.js';

// What the console may do beyond reading the store, as the UI sees it. The UI never talks to a
// cluster: start-up (source/cli/console.tsx) builds these from the kube clients and passes them to
// <App>. Actions never draw either: they ask the UI for what to show through ConsoleIntents.

export type OperatorLogSink = {
	/** New lines of the pod log (already split; may be called with many at once). */
	lines: (lines: string[]) => void;
	/** What the follower is doing: `following tigera-operator-abc`, or the last real error (failed). */
	status: (text: string, failed?: boolean) => void;
};

/** What a follower of Events hears: the full list after every (re)list, then each change. */
export type EventSink = {
	reset: (items: EventInput[]) => void;
	change: (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: EventInput) => void;
	/** `following`, or the last real error (failed: unreachable, forbidden, ...). */
	status: (text: string, failed?: boolean) => void;
};

/** What an action may ask of the screen. The UI implements them; the overlay owns the keyboard while open. */
export type ConsoleIntents = {
	/** Opens a workflow overlay: its prompts, preflight checklist, confirmation, then start. */
	openWorkflow: (workflow: Workflow) => void;
	/** Shows the login token (masked). False, and nothing shown, while another overlay is open. */
	showToken: (token: TokenHandle) => boolean;
	/** Puts the steps pane in front, following the running step. */
	focusSteps: () => void;
	flash: (text: string, level?: 'info' | 'warn' | 'error') => void;
	/** Asks a y/n question in the status bar; `yes` runs on y, any other key says `no` and does nothing. */
	ask: (question: string, yes: () => void, no?: string) => void;
};

export type ActionContext = ConsoleIntents & {
	/** Every cluster of the fleet, by id. */
	clusters: Record<string, Cluster>;
	/** The cluster under the cursor in the fleet pane, if any. */
	selected?: Cluster;
	/** Marked clusters (space), in fleet order; empty when none are marked. */
	marked: Cluster[];
};

/** A key that starts a workflow (i m J a g u ...). */
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
	/** Read one live object (`y`), with the request timeout, cancelled by the signal. Throws the real error. */
	fetchObject?: (ref: ObjectRef, signal: AbortSignal) => Promise<unknown>;
	/** List and follow Events (`e`); returns stop(). */
	followEvents?: (scope: EventScope, sink: EventSink) => () => void;
	/** Send text to the user's clipboard (OSC 52); says what was sent and whether tmux lets it through. */
	copyText?: (text: string, what: string, instead?: string) => {text: string; bad: boolean};
	actions: ConsoleAction[];
	/** Where the console runs (kubeconfig path, or `demo`), for the title. */
	source?: string;
	/** The first frame's: the actions and services are still loading (drawn before the modules that talk to clusters). */
	loading?: boolean;
};

export const noServices: ConsoleServices = {readOnly: false, actions: []};
