// Kubernetes Events as the console lists them: one row per Event, newest first, with the columns of
// `kubectl events` (TYPE, REASON, OBJECT, AGE as last seen, COUNT, MESSAGE).

export type EventRow = {
	/** metadata.uid, else namespace/name: the key watch events replace and delete by. */
	key: string;
	namespace: string;
	type: string;
	reason: string;
	/** `Kind/name` of the object it is about, as kubectl events shows it (`Pod/tigera-operator-…`). */
	object: string;
	count: number;
	message: string;
	/** Epoch ms it was last seen (lastTimestamp, series, eventTime, then creation). */
	last: number;
};

/** The core/v1 Event fields read here (kube/events.ts RawEvent is assignable). */
export type EventInput = {
	metadata: {name: string; namespace?: string; uid?: string; creationTimestamp?: string};
	involvedObject?: {kind?: string; name?: string};
	reason?: string;
	message?: string;
	type?: string;
	count?: number;
	lastTimestamp?: string | null;
	firstTimestamp?: string | null;
	eventTime?: string | null;
	series?: {count?: number; lastObservedTime?: string} | null;
};

const time = (t: string | null | undefined) => (t ? Date.parse(t) : Number.NaN);

/** When an Event was last seen, as kubectl events sorts them. */
export function lastSeen(e: EventInput): number {
	for (const t of [e.series?.lastObservedTime, e.lastTimestamp, e.eventTime, e.firstTimestamp, e.metadata.creationTimestamp]) {
		const ms = time(t);
		if (Number.isFinite(ms)) return ms;
	}
	return 0;
}

export function eventKey(e: EventInput): string {
	return e.metadata.uid ?? `${e.metadata.namespace ?? ''}/${e.metadata.name}`;
}

export function eventRow(e: EventInput): EventRow {
	const kind = e.involvedObject?.kind ?? '';
	const name = e.involvedObject?.name ?? '';
	return {
		key: eventKey(e),
		namespace: e.metadata.namespace ?? '',
		type: e.type ?? '',
		reason: e.reason ?? '',
		object: kind ? `${kind}/${name}` : name,
		count: e.series?.count ?? e.count ?? 1,
		message: e.message ?? '',
		last: lastSeen(e),
	};
}

/** Newest first; equal times by key, so the order is stable across updates. */
export function sortEvents(rows: Iterable<EventRow>): EventRow[] {
	return [...rows].sort((a, b) => b.last - a.last || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
