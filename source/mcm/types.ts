import type {MatchedBy} from './managed-identity.js';
import type {ObjectRef} from './object-ref.js';

// Types at the edge between the domain (source/mcm) and everything that shows or drives it.
// The store holds these; the UI and `status --json` render them. Keep them plain data (no classes,
// no functions) so a store snapshot can be serialised, diffed and compared in tests.
import type {AddressDrift, VersionSkew} from './drift.js';
import type {TunnelCertStatus} from './tunnel-cert.js';

/** What a cluster is, as far as MCM is concerned. */
export type ClusterRole =
	| 'unknown' // not read yet (connecting, or unreachable before the first read)
	| 'not-installed' // no Calico Enterprise (no Installation)
	| 'standalone'
	| 'management'
	| 'managed'
	| 'misconfigured'; // management and managed at once

/** Reachability of one cluster's API server, from the console's side. */
export type ApiState = 'connecting' | 'ok' | 'unreachable' | 'unauthorized' | 'forbidden';

export type ApiConnection = {
	state: ApiState;
	/** Epoch ms when the state last changed. */
	since: number;
	/** The last real error (not a generic "failed"): e.g. "connect ECONNREFUSED 127.0.0.1:41234". */
	error?: string;
	/** For `forbidden`: what was refused. */
	verb?: string;
	resource?: string;
};

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export type Condition = {
	type: string;
	status: ConditionStatus;
	reason?: string;
	message?: string;
	/** Epoch ms. */
	lastTransitionTime?: number;
};

/** One operator component's status (a TigerStatus object), flattened. */
export type TigerStatus = {
	name: string;
	available: ConditionStatus;
	progressing: ConditionStatus;
	degraded: ConditionStatus;
	/** Reason and message of the most relevant condition (Degraded, else Progressing, else Available). */
	reason?: string;
	message?: string;
	/** Epoch ms of the most recent condition transition. */
	since?: number;
};

/** A cluster's TigerStatus roll-up: `12/12`, or the names of what is not well. */
export type Rollup = {
	available: number;
	total: number;
	degraded: string[];
	progressing: string[];
};

/** The management↔managed tunnel, seen from both ends. */
export type ManagedConnection = {
	/** Context (or remote-only id) of the management cluster this one is joined to, when known. */
	management?: string;
	/** The ManagedCluster object's name on the management cluster. */
	managedName?: string;
	/** How this context was matched to its ManagedCluster (see managed-identity.ts). */
	matchedBy?: MatchedBy;
	/** `ManagedClusterConnected` on the management cluster: the real signal. */
	fromManagement?: ConditionStatus;
	/** `management-cluster-connection` TigerStatus Available on the managed cluster (the guardian runs). */
	fromManaged?: ConditionStatus;
	/** Both ends are known and say different things. */
	disagree: boolean;
	/** Epoch ms of the last transition of the management-side condition. */
	since?: number;
	message?: string;
};

/** Overall health, used for sorting, the status bar counts and exit codes. */
export type Health = 'healthy' | 'pending' | 'degraded' | 'disconnected' | 'unreachable';

type ClusterRow = {
	/** Stable key: the context name, or `<management context>/<managed name>` for remote-only rows. */
	id: string;
	/** What the user sees. */
	name: string;
	role: ClusterRole;
	/** Calico Enterprise version, e.g. `v3.24.0`, when installed. */
	version?: string;
	/** The API server connection (for remote-only rows: that of the management cluster). */
	api: ApiConnection;
	/** For managed clusters (and remote-only rows): the tunnel. */
	connection?: ManagedConnection;
	rollup: Rollup;
	health: Health;
	/** Epoch ms the cluster's Installation (or ManagedCluster) was created: the AGE column. */
	createdAt?: number;
	/** Managed rows: the tunnel certificates; management rows: the tunnel CA. Absent when not read (yet). */
	cert?: TunnelCertStatus;
	/** Managed rows: the address they dial differs from the one their management cluster advertises. */
	addressDrift?: AddressDrift;
	/** Managed rows: their Calico Enterprise version differs from their management cluster's. */
	versionSkew?: VersionSkew;
};

/** A cluster of the kubeconfig: the console can read and change it through its context. */
export type ContextCluster = ClusterRow & {remoteOnly: false; context: string};

/** A ManagedCluster seen only from its management cluster: no context here, so read-only and partial. */
export type RemoteCluster = ClusterRow & {remoteOnly: true; context?: undefined};

/** One row of the fleet: a kubeconfig context, or a ManagedCluster with no context of its own. */
export type Cluster = ContextCluster | RemoteCluster;

export type LogLevel = 'info' | 'warn' | 'error';

export type LogLine = {
	/** Epoch ms. */
	t: number;
	level: LogLevel;
	/** Cluster id the line is about, if any. */
	cluster?: string;
	text: string;
};

export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';

/** The progress of one step of a plan, as the step-progress pane shows it. */
export type StepProgress = {
	id: string;
	title: string;
	/** The equivalent kubectl command, shown to the user (secrets masked). */
	kubectl: string;
	state: StepState;
	skippable: boolean;
	startedAt?: number;
	endedAt?: number;
	/** The last real error, for a failed step. */
	error?: string;
	/** What the user can do about it. */
	hint?: string;
	/** A short note on what check() found, e.g. "already present". */
	detail?: string;
	/** The object the step applies or waits on, where known (`y` shows it). */
	object?: ObjectRef;
};

export type RunState = 'running' | 'done' | 'failed' | 'cancelled';

/** One execution of a plan on one cluster. */
export type RunProgress = {
	id: string;
	/** Plan id: install, make-management, create-admin, add-managed, join, grant, unmanage, unmake-management. */
	plan: string;
	/** Cluster id the plan runs on. */
	cluster: string;
	title: string;
	state: RunState;
	steps: StepProgress[];
	startedAt: number;
	endedAt?: number;
	/** Runs started together (the console's join of several marked clusters) share this id. */
	batch?: string;
	/** Said above the steps, e.g. an interrupted run offered for resuming. */
	note?: string;
};
