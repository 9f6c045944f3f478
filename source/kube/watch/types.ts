// What a caller of startWatch gives and gets back.

export type WatchState = {
	state: 'connecting' | 'ok' | 'unreachable' | 'unauthorized' | 'forbidden';
	/** The last real error, for every state but ok/connecting. */
	error?: string;
	/** For forbidden: what was refused. */
	verb?: string;
	resource?: string;
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type WatchHandlers<T = unknown> = {
	/** The full list after every (re)list: replaces whatever the caller knew. */
	onReset: (items: T[]) => void;
	onEvent: (type: WatchEventType, object: T) => void;
	/** Only on changes. */
	onState: (state: WatchState) => void;
	/**
	 * The resource type is not served (404 on the list: CRD not installed, not a management cluster).
	 * onReset([]) is called too; the loop keeps checking with a backoff growing from 1 s to 10 s so an
	 * install is picked up soon.
	 */
	onAbsent?: () => void;
};

/** A backoff that doubles from initialMs up to maxMs. */
export type BackoffSettings = {initialMs: number; maxMs: number};

export type WatchOptions<T = unknown> = {
	/** The list path, e.g. /apis/operator.tigera.io/v1/tigerastatuses. */
	path: string;
	handlers: WatchHandlers<T>;
	/**
	 * Restart (resume from the last resourceVersion) a stream that sent nothing, not even a bookmark, for
	 * this long (noticed within a fifth of it more: one timer looks at every stream, see stream.ts).
	 * Default 75 s: kube-apiserver sends a bookmark about once a minute, so a quiet healthy watch is
	 * never restarted for nothing. Over HTTP/2 only one stream per client asks for bookmarks and keeps
	 * this watchdog; the others are cut when it fires (session-streams.ts).
	 */
	watchdogMs?: number;
	/** Backoff after errors (jittered, doubling). Default 500 ms growing to 15 s. */
	backoff?: BackoffSettings;
	/** Backoff while the resource is absent (404). Default 1 s growing to 10 s. */
	absentBackoff?: BackoffSettings;
	/**
	 * The shortest server-side watch timeout; each watch gets between this and twice this, so thousands of
	 * watches end and re-open spread out, not in waves. Default 1800 s: 30-60 min, what kube-apiserver
	 * gives a watch that names no timeout (--min-request-timeout 1800 s, randomised up to twice that).
	 * client-go's reflector asks for 5-10 min, a guard against a watch that hangs; here the watchdog and
	 * the reachability probe are that guard, and at 5-10 min a 1,001-cluster fleet re-opened ~9 watches
	 * a second from minute 5 on, each a request, for nothing.
	 */
	timeoutSeconds?: number;
	/** Page size of the list. Default 500. */
	pageSize?: number;
	/** Extra query for list and watch (labelSelector, fieldSelector). */
	query?: Record<string, string | undefined>;
	/** Timeout of each list page; default: the client's. */
	requestTimeoutMs?: number;
	/**
	 * 'high': the stream opens with the lists' priority at the start gate (see start-gate.ts). For the
	 * few watches that carry many rows (ManagedCluster on a management cluster: the connection of the
	 * whole fleet), which must not wait behind thousands of other streams after start-up.
	 */
	priority?: 'high';
};

export type WatchHandle = {
	stop(): void;
	/**
	 * Try again now: cut a backoff pause short and restart an open stream from its resourceVersion.
	 * For when something else (the reachability probe) knows the server answers again: a stream that
	 * hung with its server stays silent until the watchdog, and a backoff may be 15 s long.
	 */
	wake(): void;
	/** The resourceVersion the loop resumes from (diagnostics, tests). */
	readonly resourceVersion: string | undefined;
};
