// When kube-apiserver sends a watch its bookmarks (k8s.io/apiserver/pkg/storage/cacher: cacher.go
// dispatchEvents, cache_watcher.go nextBookmarkTime, watcherBookmarkTimeBuckets):
// - each resource's cacher has one timer that fires every 1-1.25 s (wait.Jitter(time.Second, 0.25));
// - a firing sends a bookmark to every watcher whose next bookmark time lies in a whole second,
//   counted from the cacher's start, at or before the firing;
// - a watcher's next bookmark time is a minute after it began or after its last bookmark
//   (defaultBookmarkFrequency), or 2 s before its deadline if that comes first; none once that passed.
// What a client sees: the first bookmark a minute after the watch began, never sooner; the watches of
// one resource on one server that began within the same second get theirs in the same instant (a
// console that opens 4,000 watches together gets 4,000 bookmarks within about a second, a minute
// later); a watch with a deadline gets one 2 s before it ends.
//
// No timer per cacher every second here (a 1,001-cluster fleet has 4,004 cachers in use): the firings
// are a grid of 1.125 s (the jitter's mean) from a random phase, computed when needed, and a timer
// runs only for the next firing that has watchers.

import type {ObjectStore, ResourceType} from './types.js';

/** A watch that asked for bookmarks. */
export type BookmarkTarget = {bookmark(): void};

export type ClockHooks = {
	now: () => number;
	setTimer: (fn: () => void, ms: number) => unknown;
	clearTimer: (timer: unknown) => void;
	random: () => number;
};

const realHooks: ClockHooks = {
	now: () => performance.now(),
	setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
	clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
	random: Math.random,
};

export class BookmarkClock {
	/** One "second" of the cacher: a sixtieth of the bookmark frequency (tests shorten the frequency). */
	private readonly unit: number;
	private readonly period: number;
	private readonly start: number;
	private readonly phase: number;
	/** The watchers due at each firing, by the firing's index on the grid. */
	private readonly firings = new Map<number, Set<BookmarkTarget>>();
	private readonly due = new Map<BookmarkTarget, {firing: number; deadline: number | undefined}>();
	private armed?: {firing: number; timer: unknown};

	constructor(private readonly frequencyMs: number, private readonly hooks: ClockHooks = realHooks) {
		this.unit = frequencyMs / 60;
		this.period = this.unit * 1.125;
		this.start = hooks.now();
		this.phase = hooks.random() * this.period;
	}

	/** A watch began (or got a bookmark) at `from`: schedules its next bookmark, if it gets one. */
	add(target: BookmarkTarget, deadline: number | undefined, from = this.hooks.now()): void {
		this.delete(target);
		let next = from + this.frequencyMs;
		if (deadline !== undefined) next = Math.min(next, deadline - 2 * this.unit);
		if (next < from) return;
		const bucketStart = this.start + Math.floor((next - this.start) / this.unit) * this.unit;
		const firing = Math.max(0, Math.ceil((bucketStart - this.start - this.phase) / this.period));
		let set = this.firings.get(firing);
		if (!set) this.firings.set(firing, (set = new Set()));
		set.add(target);
		this.due.set(target, {firing, deadline});
		if (!this.armed || firing < this.armed.firing) this.arm(firing);
	}

	delete(target: BookmarkTarget): void {
		const due = this.due.get(target);
		if (!due) return;
		this.due.delete(target);
		const set = this.firings.get(due.firing);
		set?.delete(target);
		if (set?.size === 0) this.firings.delete(due.firing);
		if (this.armed?.firing === due.firing && !this.firings.has(due.firing)) this.rearm();
	}

	/** Watchers waiting for a bookmark (for tests and leak checks). */
	get size(): number {
		return this.due.size;
	}

	private timeOf(firing: number): number {
		return this.start + this.phase + firing * this.period;
	}

	private arm(firing: number): void {
		if (this.armed) this.hooks.clearTimer(this.armed.timer);
		const timer = this.hooks.setTimer(() => this.fire(firing), Math.max(0, this.timeOf(firing) - this.hooks.now()));
		this.armed = {firing, timer};
	}

	private rearm(): void {
		if (this.armed) this.hooks.clearTimer(this.armed.timer);
		this.armed = undefined;
		let first = Number.POSITIVE_INFINITY;
		for (const firing of this.firings.keys()) first = Math.min(first, firing);
		if (first !== Number.POSITIVE_INFINITY) this.arm(first);
	}

	private fire(firing: number): void {
		this.armed = undefined;
		const set = this.firings.get(firing);
		this.firings.delete(firing);
		// The next ones are counted from the firing's own instant, so a late timer does not shift them.
		const at = this.timeOf(firing);
		for (const target of set ?? []) {
			const {deadline} = this.due.get(target)!;
			this.due.delete(target);
			target.bookmark();
			this.add(target, deadline, at);
		}
		if (!this.armed) this.rearm();
	}
}

const cachers = new WeakMap<ObjectStore, Map<string, BookmarkClock>>();

/** The bookmark clock of one resource's cacher on one server (its store): every version of a resource shares it. */
export function bookmarkClockFor(store: ObjectStore, type: ResourceType, frequencyMs: number): BookmarkClock {
	let byResource = cachers.get(store);
	if (!byResource) cachers.set(store, (byResource = new Map()));
	const key = `${type.group}/${type.resource}/${frequencyMs}`;
	let clock = byResource.get(key);
	if (!clock) byResource.set(key, (clock = new BookmarkClock(frequencyMs)));
	return clock;
}
