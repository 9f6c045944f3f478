// The change feed of one store: listeners called in resourceVersion order (a listener that writes
// queues its events behind the current one), and the bounded history that watches resume from.
//
// The history keeps the store's own objects (each stored version is never changed again, a write stores
// a new one), not copies: a copy of the object and of its previous version per event was ~45 % of a
// 1,001-cluster simulator's heap, which every major GC marks again. A resuming watch gets its copies
// made when it asks, in the version it asks for: the same events as before.
import {slashPair} from './flat-string.js';
import {gone} from './status-error.js';
import type {KubeObject, ResourceType, StoreEvent} from './types.js';

/** How many change events a store keeps for watches that resume; older resumes get 410 Gone. */
export const watchHistoryLimit = 10_000;

/**
 * One object an event: the event's own fields beside its revision and storage key (a wrapper around
 * the event was a second object for each of a 1,001-cluster simulator's ~128,000 remembered events,
 * on the old space that every major GC marks again).
 */
type HistoryEntry = {rv: number; storageKey: string; type: StoreEvent['type']; resourceType: ResourceType; object: KubeObject; old: KubeObject | undefined};

/** A stored version (or a deleted object's last one) → the copy a listener or a watch gets, in `type`'s version. */
export type Materialize = (stored: KubeObject, type: ResourceType) => KubeObject;

/**
 * The event listeners get. The previous version is copied when first read: of the listeners only a
 * label-selected watch and the tunnel's fingerprint check look at it, and a copy of it for every
 * MODIFIED event was a third of the copying in a 1,001-cluster start.
 */
class FeedEvent implements StoreEvent {
	#oldCopy: KubeObject | undefined;
	#oldStored: KubeObject | undefined;
	readonly #materialize: Materialize;

	constructor(readonly type: StoreEvent['type'], readonly resourceType: ResourceType, public object: KubeObject, old: KubeObject | undefined, materialize: Materialize) {
		this.#oldStored = old;
		this.#materialize = materialize;
	}

	get old(): KubeObject | undefined {
		if (this.#oldStored !== undefined) {
			this.#oldCopy = this.#materialize(this.#oldStored, this.resourceType);
			this.#oldStored = undefined;
		}
		return this.#oldCopy;
	}

	set old(value: KubeObject | undefined) {
		this.#oldStored = undefined;
		this.#oldCopy = value;
	}
}

export const storageKeyOf = (t: Pick<ResourceType, 'group' | 'resource'>) => slashPair(t.group, t.resource);

export class ChangeFeed {
	private readonly listeners = new Set<(event: StoreEvent) => void>();
	private history: HistoryEntry[] = [];
	/** Watches may resume from any version >= floor. */
	private floor = 0;
	private readonly pending: StoreEvent[] = [];
	private emitting = false;

	constructor(private readonly materialize: Materialize) {}

	subscribe(listener: (event: StoreEvent) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/**
	 * `stored` holds the store's own objects, which nobody may change afterwards; listeners get copies.
	 * Returns the event the listeners get.
	 */
	emit(stored: StoreEvent): StoreEvent {
		this.remember(stored);
		const event = this.copyOf(stored, stored.resourceType);
		this.pending.push(event);
		if (this.emitting) return event;
		this.emitting = true;
		try {
			while (this.pending.length > 0) this.deliver(this.pending.shift() as StoreEvent);
		} finally {
			this.emitting = false;
		}
		return event;
	}

	/** Events of `type` after `resourceVersion`; 410 Gone when that version is older than the history. */
	since(type: ResourceType, resourceVersion: number): StoreEvent[] {
		if (resourceVersion < this.floor) throw gone(`too old resource version: ${resourceVersion} (${this.floor})`);
		const key = storageKeyOf(type);
		const out: StoreEvent[] = [];
		for (let i = this.firstAfter(resourceVersion); i < this.history.length; i++) {
			const entry = this.history[i];
			if (entry.storageKey === key) out.push(this.copyOf(entry, type));
		}
		return out;
	}

	/** The oldest revision a watch may resume from or a list be read at: etcd's compacted revision. */
	get oldestRevision(): number {
		return this.floor;
	}

	/**
	 * `objects` (key → the stored version now) turned back to how they were at `revision`: each change
	 * of `type` after it undone, newest first. The caller makes sure `revision` >= oldestRevision.
	 */
	rewind(type: ResourceType, revision: number, objects: Map<string, KubeObject>, keyOf: (obj: KubeObject) => string): void {
		const key = storageKeyOf(type);
		for (let i = this.history.length - 1; i >= 0 && this.history[i].rv > revision; i--) {
			const event = this.history[i];
			if (event.storageKey !== key) continue;
			if (event.type === 'ADDED') objects.delete(keyOf(event.object));
			else if (event.old) objects.set(keyOf(event.old), event.old);
		}
	}

	/** Forget everything before `revision`: every older resume gets 410. */
	expire(revision: number): void {
		this.history = [];
		this.floor = revision;
	}

	private remember(event: StoreEvent): void {
		const rv = Number(event.object.metadata.resourceVersion);
		this.history.push({rv, storageKey: storageKeyOf(event.resourceType), type: event.type, resourceType: event.resourceType, object: event.object, old: event.old});
		if (this.history.length > watchHistoryLimit + watchHistoryLimit / 10) {
			const drop = this.history.length - watchHistoryLimit;
			this.floor = this.history[drop - 1].rv;
			this.history = this.history.slice(drop);
		}
	}

	private copyOf(stored: StoreEvent | HistoryEntry, type: ResourceType): StoreEvent {
		return new FeedEvent(stored.type, type, this.materialize(stored.object, type), stored.old, this.materialize);
	}

	private deliver(event: StoreEvent): void {
		for (const listener of [...this.listeners]) {
			try {
				listener(event);
			} catch (error) {
				console.error(`sim store: a change listener failed: ${error instanceof Error ? error.stack : String(error)}`);
			}
		}
	}

	/** History is ordered by rv: binary search for the first newer event. */
	private firstAfter(resourceVersion: number): number {
		let lo = 0;
		let hi = this.history.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.history[mid].rv <= resourceVersion) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}
}
