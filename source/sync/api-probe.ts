import type {ClusterClient} from '../kube/client.js';
import {KubeError} from '../kube/errors.js';
import type {WatchState} from '../kube/watch.js';
import type {CoarseTimers} from './coarse-timers.js';

// Is the API server answering? Watches cannot tell quickly: a server that hangs leaves its open
// streams silent, which looks like a quiet healthy cluster until the watchdog (75 s); and after an
// outage a watch may sit in a 15 s backoff while the server already answers. So each cluster gets a
// cheap periodic GET /version with the request timeout: a hung server is unreachable within the
// request timeout + one interval, and a server that answers again wakes the watches at once.
//
// A probe only asks what nothing else said: while the server is reachable, anything it answered (a
// response, a watch event or bookmark: the client's lastAnswerAt) moves the next probe to one interval
// after that answer. The bound stays: a server that hangs answers nothing more, so a probe goes out at
// most one interval after the hang began.
//
// Why not an HTTP/2 PING on the cluster's session (~40 µs of CPU against ~500 µs for a request)? A
// PING is answered by the server's connection loop (Go's net/http2 acks it before any handler runs,
// as Node's does), so a server whose handlers hang still answers it: only a request proves that the
// API answers. The transport PINGs a session after a request timed out (transport.ts), which catches
// a dead connection; the probe is about the API.
//
// What it costs is the interval, so the interval depends on what the user looks at (ProbeTier): the
// selected row and the rows on screen are probed often, the rest of a big fleet about once a
// bookmark interval (see probeIntervalsFor).
//
// And what it costs is as much the process's wake-ups as the requests: on this kind of VM a wake-up
// after a sleep costs ~0.5-1 ms of CPU by itself, more than a probe's own work, and each probe on its
// own timer woke the process twice (the timer, then the answer). So the rows on screen probe on one
// beat, the steps of the fleet's grid at the selected row's interval: the selected row at every step,
// the others every few steps (never later than their interval), and a screenful of probes and their
// answers is ~2 wake-ups a step instead of ~2 a row.

/** How closely a cluster is looked at: its row is selected, on screen, or neither (or there is no screen). */
export type ProbeTier = 'selected' | 'on-screen' | 'off-screen';

export type ProbeIntervals = Record<ProbeTier, number>;

export type ProbeOptions = {
	/**
	 * Time between two probes (the next starts this long after the last one ended); a function is asked
	 * at every scheduling, with the probe's last verdict, so the interval can follow the screen.
	 */
	intervalMs: number | ((state: 'ok' | 'unreachable' | undefined) => number);
	/** Each probe's timeout; default: the client's request timeout. */
	timeoutMs?: number;
	/** The probe's verdict, on every change: ok, or unreachable with the error. */
	onState: (state: WatchState) => void;
	/** The server answers again after it did not: retry what waits (the watches). */
	onRecover: () => void;
	/** The fleet's shared grid (coarse-timers.ts) for the beat and for waits of coarseFromMs and more; without it every wait is exact. */
	coarse?: CoarseTimers;
	/** The cluster's row is on screen (selected or not): its probe goes out on the fleet's beat, the grid's steps. */
	onBeat?: () => boolean;
};

/**
 * Waits this long or longer (the off-screen rows of a big fleet: tens of seconds) share the fleet's
 * grid (coarse-timers.ts, one per fleet sync, stepping at the beat: probeBeatMs): ~20 re-armed probe
 * timers a second on a 1,001-cluster fleet were ~20 wake-ups a second; on the grid, one a step. A
 * probe then goes out up to one step early, never late. The rows on screen wait on it whatever their
 * interval (onBeat).
 */
const coarseFromMs = 10_000;

export type Probe = {
	stop: () => void;
	/** The interval changed (the row came on screen): a probe that is now due goes out within the new interval. */
	retune: () => void;
};

/**
 * Only a failure to get an answer counts: any HTTP answer (even 401/403 on /version) proves the server
 * is there. A request that never left (no credentials: the exec plugin failed or waits for a login, a
 * kubeconfig that cannot be used) says nothing about the server either: the watches report that state.
 */
export function answered(error: unknown): boolean {
	if (!(error instanceof KubeError)) return false;
	if (error.kind === 'exec' || error.kind === 'config') return true;
	return error.status !== undefined && error.status < 500 && error.kind !== 'timeout';
}

export function startProbe(client: ClusterClient, options: ProbeOptions): Probe {
	let stopped = false;
	/**
	 * Ends the probe under way (stop()). The request hands it over (onCut) rather than listening on an
	 * AbortSignal: an abort listener added and removed on an EventTarget for each of the ~4 probes a
	 * second of the rows on screen was work for a cut that comes once, when the fleet stops.
	 */
	let cutUnderWay: (() => void) | undefined;
	let last: 'ok' | 'unreachable' | undefined;
	let error: string | undefined;
	/** Cancels the pending timer. */
	let cancel: (() => void) | undefined;
	/** When the pending timer is due (performance.now()); undefined while a probe is under way. */
	let dueAt: number | undefined;
	/** When the last probe ended (or the probe started): the next one is due an interval after it. */
	let lastEnded = performance.now();
	const interval = () => (typeof options.intervalMs === 'number' ? options.intervalMs : options.intervalMs(last));
	/** Long waits go on the fleet's grid (up to one step early, see coarseFromMs); short ones stay exact. */
	const {coarse} = options;
	const onGrid = () => coarse !== undefined && (options.onBeat?.() === true || interval() >= coarseFromMs);
	const slack = () => (coarse && onGrid() ? coarse.gridMs : 0);
	const schedule = (ms: number) => {
		if (stopped) return;
		cancel?.();
		dueAt = performance.now() + ms;
		if (coarse && onGrid()) {
			cancel = coarse.at(dueAt, due);
			return;
		}
		const timer = setTimeout(due, ms);
		timer.unref?.();
		cancel = () => clearTimeout(timer);
	};
	/**
	 * A probe is due unless the server answered something within the last interval. Before the first
	 * probe, the answers are the first lists' (the probe starts after them): a server that answered those
	 * within the interval needs no probe yet either (1,000 clusters probed once each in the first minute).
	 */
	const due = () => {
		cancel = undefined;
		dueAt = undefined;
		const answered = client.lastAnswerAt;
		if (last !== 'unreachable' && answered !== undefined) {
			const wait = answered + interval() - performance.now();
			// Within one grid step of due: probe now, a little early, rather than late.
			if (wait > slack()) return schedule(wait);
		}
		void probe();
	};
	const probe = async () => {
		let state: 'ok' | 'unreachable' = 'ok';
		let why: string | undefined;
		try {
			await client.request({path: '/version', timeoutMs: options.timeoutMs, onCut: cut => (cutUnderWay = cut)});
		} catch (e) {
			if (stopped) return;
			if (!answered(e)) {
				state = 'unreachable';
				why = e instanceof Error ? e.message : String(e);
			}
		} finally {
			cutUnderWay = undefined;
		}
		if (stopped) return;
		lastEnded = performance.now();
		const recovered = state === 'ok' && last === 'unreachable';
		if (state !== last || why !== error) {
			last = state;
			error = why;
			options.onState(state === 'ok' ? {state: 'ok'} : {state: 'unreachable', error: why});
		}
		if (recovered) options.onRecover();
		schedule(interval());
	};
	// Spread the fleet's probes over one interval, so they do not all go at once.
	schedule(Math.random() * interval());
	return {
		stop() {
			stopped = true;
			cutUnderWay?.();
			cutUnderWay = undefined;
			cancel?.();
			cancel = undefined;
		},
		retune() {
			// A probe under way schedules the next one with the new interval when it ends.
			if (dueAt === undefined || stopped) return;
			const now = performance.now();
			const every = interval();
			const wanted = lastEnded + every;
			if (wanted >= dueAt) return;
			// Overdue under the new interval (a page of rows scrolled into view): within one new interval,
			// spread, so that a page of rows does not probe in one burst.
			schedule(wanted > now ? wanted - now : Math.random() * every);
		},
	};
}

/**
 * The probe intervals for a fleet of `clusters`. Small fleets: 1.5 s for every cluster (a hung
 * server shows within the request timeout + 2 s, a recovered one within 3 s). Big ones spend the
 * probes where the user looks, within ~15 probes a second for the rows off screen:
 * - selected row: 1.5 s at any size;
 * - rows on screen: 1.5 s up to 300 clusters, then up to 5 s (40 rows: 8 probes a second);
 * - off screen: 65 ms per cluster, up to 65 s, just over kube-apiserver's bookmark interval (about
 *   a minute per watch): a healthy cluster's watches answer within it, so on an idle big fleet almost
 *   no probe goes out, and a hung server still shows within 65 s + the request timeout, before the
 *   watch watchdog (75 s).
 * An unreachable cluster is probed as the selected row while on screen (recovery within 3 s), and
 * at least every 15 s (the watches' longest backoff) off screen.
 */
export function probeIntervalsFor(clusters: number): ProbeIntervals {
	const clamp = (ms: number, max: number) => Math.min(max, Math.max(1500, ms));
	return {'selected': 1500, 'on-screen': clamp(clusters * 5, 5000), 'off-screen': clamp(clusters * 65, 65_000)};
}

/** The interval of one cluster's probe, for its tier and its last verdict. */
export function probeIntervalOf(intervals: ProbeIntervals, tier: ProbeTier, state: 'ok' | 'unreachable' | undefined): number {
	if (state !== 'unreachable') return intervals[tier];
	return tier === 'off-screen' ? Math.min(intervals['off-screen'], 15_000) : Math.min(intervals.selected, intervals[tier]);
}

/** The same interval for every tier (a fixed probeMs). */
export function uniformProbe(ms: number): ProbeIntervals {
	return {'selected': ms, 'on-screen': ms, 'off-screen': ms};
}

/**
 * The step of the fleet's probe grid: the selected row's interval (1.5 s), or 1 s without probes.
 * The selected row then probes at every step and the other rows on screen every few steps (5 s:
 * every third, 4.5 s apart), in the same wake-ups: 40 rows on screen probed each at its own instant
 * were ~16 wake-ups a second (the timer, then the answer), on the beat ~2. Off screen, a wait then
 * ends up to one step early.
 */
export function probeBeatMs(intervals: ProbeIntervals | undefined): number {
	return intervals && intervals.selected > 0 ? intervals.selected : 1000;
}
