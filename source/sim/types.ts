import type {WriteOptions} from './validation/admit.js';
import type {JsonSchema} from './validation/schema.js';

// Contracts inside the simulator (source/sim). The simulator is a separate program: nothing outside
// source/sim imports these except tests and benchmarks, which drive a Fleet.
//
//   fleet.ts ── owns N SimClusters; each = ObjectStore + ApiServer + Operator (+ token registry)
//   store.ts ── in-memory objects, resourceVersions, watch history, admission hooks, pod logs
//   api-server.ts ── the Kubernetes REST API over HTTP on 127.0.0.1, on top of one ObjectStore
//   operator.ts ── the simulated Tigera operator: reacts to store changes, writes TigerStatus etc.

export type ObjectMeta = {
	name: string;
	namespace?: string;
	generateName?: string;
	uid?: string;
	resourceVersion?: string;
	generation?: number;
	creationTimestamp?: string;
	deletionTimestamp?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	ownerReferences?: unknown[];
	managedFields?: unknown[];
	finalizers?: string[];
};

export type KubeObject = {
	apiVersion: string;
	kind: string;
	metadata: ObjectMeta;
	[key: string]: unknown;
};

/** A column of the Table format (`kubectl get`): from a CRD's additionalPrinterColumns, or built in. */
export type PrinterColumn = {
	name: string;
	type: string; // string, integer, date, ...
	jsonPath: string; // e.g. .status.conditions[?(@.type=="Available")].status
	description?: string;
	priority?: number;
	format?: string;
};

/** A served resource type (one group/version/resource). */
export type ResourceType = {
	group: string; // '' for the core group
	version: string;
	resource: string; // plural, lower case
	singular: string;
	kind: string;
	listKind: string;
	namespaced: boolean;
	shortNames?: string[];
	categories?: string[];
	verbs: string[];
	/** Has a /status subresource (status is only written through it). */
	statusSubresource: boolean;
	columns?: PrinterColumn[];
	/** A custom resource's structural schema (the CRD version's openAPIV3Schema); see validation/schema.ts. */
	schema?: JsonSchema;
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type StoreEvent = {
	type: WatchEventType;
	resourceType: ResourceType;
	object: KubeObject;
	/** The object before the change (MODIFIED, DELETED). */
	old?: KubeObject;
};

/** An error the API turns into a Kubernetes `Status` (code 400/401/403/404/409/410/422/...). */
export class ApiError extends Error {
	constructor(
		readonly code: number,
		readonly reason: string, // BadRequest, Unauthorized, Forbidden, NotFound, AlreadyExists, Conflict, Gone, Invalid, ...
		message: string,
		readonly details?: {name?: string; group?: string; kind?: string; causes?: unknown[]; retryAfterSeconds?: number},
		/** The Status's ListMeta: a 410 on a page carries the token that goes on at the newest revision. */
		readonly listMeta?: {continue?: string},
	) {
		super(message);
	}
}

export type AdmissionOp = 'create' | 'update' | 'delete';

/**
 * Hooks that the operator (and built-in logic) registers on a store. `validate` may throw ApiError to
 * refuse a write (e.g. ManagedCluster without a ManagementCluster) or return a changed object.
 * `createResponse` alters only what a create returns to the client, never what is stored
 * (ManagedCluster's spec.installationManifest).
 */
export type Admission = {
	validate?: (op: AdmissionOp, type: ResourceType, obj: KubeObject, old?: KubeObject) => KubeObject | void;
	createResponse?: (type: ResourceType, stored: KubeObject) => KubeObject;
};

export type ListOptions = {
	namespace?: string;
	labelSelector?: string;
	fieldSelector?: string;
	/**
	 * The store's own objects, not copies: never to be edited, and in the apiVersion they were written
	 * in (serve them through storedJson, or a shallow copy carrying the apiVersion asked for). Copying every object of every list deeply cost
	 * the simulator a tenth of its CPU in a 1,001-cluster start.
	 */
	stored?: boolean;
	/**
	 * The objects as they were at this revision (etcd's read at a revision: an exact list, or a page
	 * after the first). Not below `oldestRevision`.
	 */
	revision?: number;
};

export interface ObjectStore {
	/** The newest resourceVersion handed out (a cluster-wide counter, as etcd's revision). */
	readonly resourceVersion: number;
	/** The oldest revision still readable (etcd's compacted revision): older reads and resumes get 410. */
	readonly oldestRevision: number;

	// Types
	types(): ResourceType[];
	registerType(type: ResourceType): void;
	unregisterType(group: string, version: string, resource: string): void;
	lookup(group: string, version: string, resource: string): ResourceType | undefined;
	lookupKind(apiVersion: string, kind: string): ResourceType | undefined;

	// Objects. Writes assign uid, resourceVersion, creationTimestamp, generation and emit an event.
	get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
	/** As get, but the store's own object (see ListOptions.stored): never to be edited. */
	getStored(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
	list(type: ResourceType, options?: ListOptions): KubeObject[];
	/** Throws ApiError 409 AlreadyExists, 422 Invalid. Runs decoding, validation and admission. */
	create(type: ResourceType, obj: KubeObject, options?: WriteOptions): KubeObject;
	/**
	 * Replace. If obj.metadata.resourceVersion is set and stale: ApiError 409 Conflict.
	 * `subresource: 'status'` changes only .status; otherwise .status is kept from the stored object
	 * when the type has a status subresource.
	 */
	update(type: ResourceType, obj: KubeObject, options?: WriteOptions & {subresource?: 'status'}): KubeObject;
	/** Throws ApiError 404. Returns the deleted object. */
	delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject;

	// Change feed
	subscribe(listener: (event: StoreEvent) => void): () => void;
	/**
	 * Events of `type` after `resourceVersion`, for a watch that resumes. Throws ApiError 410 Gone when
	 * that version is older than the kept history (or was expired by expireHistory()).
	 */
	eventsSince(type: ResourceType, resourceVersion: number): StoreEvent[];
	/** Forget history: every watch that resumes from an older version gets 410 (fault `expire-watches`). */
	expireHistory(): void;

	addAdmission(admission: Admission): () => void;
	/** Applies every registered createResponse hook (used by the API server on create). */
	createResponse(type: ResourceType, stored: KubeObject): KubeObject;

	/** Pod logs (the operator writes its own log here; the API serves pods/<name>/log). */
	readonly logs: PodLogs;
}

export interface PodLogs {
	append(namespace: string, pod: string, line: string): void;
	read(namespace: string, pod: string, options?: {tailLines?: number}): string[];
	/** New lines as they are appended; returns an unsubscribe function. */
	follow(namespace: string, pod: string, onLine: (line: string) => void): () => void;
}

/** One simulated API server (one port). Fault switches are here; the fleet calls them. */
export interface ApiServer {
	readonly port: number;
	readonly url: string;
	/** Listen on 127.0.0.1 (port 0 = any). Rejects with a clear error when the port is in use. */
	listen(port?: number): Promise<number>;
	/** `api-down`: close the listener and every socket, so connections are refused; keeps the port. */
	down(): Promise<void>;
	/** `api-hang`: accept connections but never answer; open watches stop sending. */
	hang(): void;
	/** `api-up`: listen again on the same port and answer normally. */
	up(): Promise<void>;
	/** `expire-watches`: end every open watch stream and expire the store's history (resumes get 410). */
	expireWatches(): void;
	close(): Promise<void>;
	/** Connections accepted since start, and how each was spoken after the handshake. */
	readonly connections: ConnectionStats;
	/** The last requests received (at most receivedLimit), with the credentials they carried: tests check what reached the wire. */
	readonly received: readonly ReceivedRequest[];
}

/** Connections accepted; how many went to HTTP/2 or HTTP/1.1; how many TLS handshakes resumed a session (a ticket). */
export type ConnectionStats = {accepted: number; h2: number; http1: number; resumed: number};

/** One request as the server received it: the credential headers exactly as sent (absent: none). */
export type ReceivedRequest = {method: string; path: string; authorization?: string; impersonateUser?: string};

export const receivedLimit = 2000;

/**
 * Service-account tokens and the admin token of one cluster. TokenRequest issues tokens here;
 * the API server authenticates bearer tokens against it.
 */
export interface TokenRegistry {
	readonly adminToken: string;
	/** Issue a token for system:serviceaccount:<namespace>:<name>, valid for `seconds`. */
	issue(namespace: string, serviceAccount: string, seconds: number): {token: string; expirationTimestamp: string};
	/** null for an unknown or expired token. */
	authenticate(token: string): {user: string; groups: string[]; admin: boolean} | null;
}
