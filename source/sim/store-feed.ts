// The change feed of one store: listeners called in resourceVersion order (a listener that writes
// queues its events behind the current one), and the bounded history that watches resume from.
import {slashPair} from './flat-string.js';
import {gone} from './status-error.js';
import type {ResourceType, StoreEvent} from './types.js';

/** How many change events a store keeps for watches that resume; older resumes get 410 Gone. */
export const watchHistoryLimit = 10_000;

type HistoryEntry = {rv: number; storageKey: string; event: StoreEvent};

export const storageKeyOf = (t: Pick<ResourceType, 'group' | 'resource'>) => slashPair(t.group, t.resource);

export class ChangeFeed {
	private readonly listeners = new Set<(event: StoreEvent) => void>();
	private history: HistoryEntry[] = [];
	/** Watches may resume from any version >= floor. */
	private floor = 0;
	private readonly pending: StoreEvent[] = [];
	private emitting = false;

	constructor(private readonly inVersion: (event: StoreEvent, type: ResourceType) => StoreEvent) {}

	subscribe(listener: (event: StoreEvent) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	emit(event: StoreEvent): void {
		this.remember(event);
		this.pending.push(event);
		if (this.emitting) return;
		this.emitting = true;
		try {
			while (this.pending.length > 0) this.deliver(this.pending.shift() as StoreEvent);
		} finally {
			this.emitting = false;
		}
	}

	/** Events of `type` after `resourceVersion`; 410 Gone when that version is older than the history. */
	since(type: ResourceType, resourceVersion: number): StoreEvent[] {
		if (resourceVersion < this.floor) throw gone(`too old resource version: ${resourceVersion} (${this.floor})`);
		const key = storageKeyOf(type);
		const out: StoreEvent[] = [];
		for (let i = this.firstAfter(resourceVersion); i < this.history.length; i++) {
			const entry = this.history[i];
			if (entry.storageKey === key) out.push(entry.event.resourceType === type ? entry.event : this.inVersion(entry.event, type));
		}
		return out;
	}

	/** Forget everything before `revision`: every older resume gets 410. */
	expire(revision: number): void {
		this.history = [];
		this.floor = revision;
	}

	private remember(event: StoreEvent): void {
		const rv = Number(event.object.metadata.resourceVersion);
		this.history.push({rv, storageKey: storageKeyOf(event.resourceType), event});
		if (this.history.length > watchHistoryLimit + watchHistoryLimit / 10) {
			const drop = this.history.length - watchHistoryLimit;
			this.floor = this.history[drop - 1].rv;
			this.history = this.history.slice(drop);
		}
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
