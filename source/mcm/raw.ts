import type {TunnelCertFacts} from './tunnel-cert.js';
import type {ManagedIdentity} from './managed-identity.js';
import type {ApiConnection, TigerStatus} from './types.js';

// The raw inputs of the domain: the objects one cluster's watches hold, as plain JSON. The domain
// reads only the few fields it needs, so this is deliberately loose (no dependency on kube/ or sim/).

export type RawObject = {
	apiVersion?: string;
	kind?: string;
	metadata: {
		name: string;
		namespace?: string;
		creationTimestamp?: string;
		resourceVersion?: string;
		[key: string]: unknown;
	};
	spec?: Record<string, unknown>;
	status?: Record<string, unknown>;
	[key: string]: unknown;
};

/** The resources watched on every cluster (ManagedCluster answers "absent" where it is not served). */
export const rawKinds = [
	'installations',
	'tigerstatuses',
	'managementclusters',
	'managementclusterconnections',
	'managedclusters',
] as const;

export type RawKind = (typeof rawKinds)[number];

/**
 * What the watches keep of an object of a kind: a TigerStatus as its flattened row (all the domain
 * reads of one), every other kind as a slim RawObject (raw-slim.ts).
 */
export type Kept<K extends RawKind> = K extends 'tigerstatuses' ? TigerStatus : RawObject;

/** The kept objects by name, per watched resource. */
export type RawObjects = {[K in RawKind]: ReadonlyMap<string, Kept<K>>};

/** Everything known about one kubeconfig context, as its watches last reported it. */
export type RawClusterState = {
	context: string;
	api: ApiConnection;
	/** Objects by name, per watched resource. */
	objects: RawObjects;
	/** Resources whose first list has answered (possibly "absent"): until then their maps mean nothing. */
	listed: ReadonlySet<RawKind>;
	/** The tunnel certificates, as the last read found them (read by GET, not watched: see tunnel-cert-read.ts). */
	tunnelCerts?: TunnelCertFacts;
	/** The tunnel certificate in the tigera-managed-cluster-connection Secret, read on managed clusters. */
	identity?: ManagedIdentity;
};

/** A RawClusterState with nothing read yet. */
export function emptyRawState(context: string, now: number): RawClusterState {
	return {
		context,
		api: {state: 'connecting', since: now},
		objects: {
			installations: new Map(),
			tigerstatuses: new Map(),
			managementclusters: new Map(),
			managementclusterconnections: new Map(),
			managedclusters: new Map(),
		},
		listed: new Set(),
	};
}

/**
 * The last text parseTime read and what it read: a fleet's objects mostly carry the same few
 * timestamps (conditions that changed together), and Date.parse is the dear part of a TigerStatus row.
 */
let lastText = '';
let lastTime: number | undefined;

/** Epoch ms of an RFC 3339 timestamp, undefined when absent or unparsable. */
export function parseTime(value: unknown): number | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	if (value === lastText) return lastTime;
	const t = Date.parse(value);
	lastText = value;
	lastTime = Number.isNaN(t) ? undefined : t;
	return lastTime;
}

export function stringField(object: Record<string, unknown> | undefined, key: string): string | undefined {
	const value = object?.[key];
	return typeof value === 'string' && value !== '' ? value : undefined;
}
