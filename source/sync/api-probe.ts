import type {ClusterClient} from '../kube/client.js';
import {KubeError} from '../kube/errors.js';
import type {WatchState} from '../kube/watch.js';

// Is the API server answering? Watches cannot tell quickly: a server that hangs leaves its open
// streams silent, which looks like a quiet healthy cluster until the watchdog (75 s); and after an
// outage a watch may sit in a 15 s backoff while the server already answers. So each cluster gets a
// cheap periodic GET /version with the request timeout: a hung server is unreachable within the
// request timeout + one interval, and a server that answers again wakes the watches at once.
//
// A probe only asks what nothing else said: while the server is reachable, anything it answered (a
// response, a watch event or bookmark: the client's lastAnswerAt) moves the next probe to one interval
// after that answer. The bound stays: a server that hangs answers nothing more, so a probe goes out at
// most one interval after the hang began. An idle 1,000-cluster fleet got 100 probes a second.

export type ProbeOptions = {
	/** Time between two probes (the next starts this long after the last one ended). */
	intervalMs: number;
	/** Each probe's timeout; default: the client's request timeout. */
	timeoutMs?: number;
	/** The probe's verdict, on every change: ok, or unreachable with the error. */
	onState: (state: WatchState) => void;
	/** The server answers again after it did not: retry what waits (the watches). */
	onRecover: () => void;
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

export function startProbe(client: ClusterClient, options: ProbeOptions): {stop: () => void} {
	const stopper = new AbortController();
	let last: 'ok' | 'unreachable' | undefined;
	let error: string | undefined;
	let timer: NodeJS.Timeout | undefined;
	const schedule = (ms: number) => {
		if (!stopper.signal.aborted) timer = setTimeout(due, ms);
		timer?.unref?.();
	};
	/** A probe is due unless the server answered something within the last interval. */
	const due = () => {
		const answered = client.lastAnswerAt;
		if (last === 'ok' && answered !== undefined) {
			const wait = answered + options.intervalMs - performance.now();
			if (wait > 0) return schedule(wait);
		}
		void probe();
	};
	const probe = async () => {
		let state: 'ok' | 'unreachable' = 'ok';
		let why: string | undefined;
		try {
			await client.request({path: '/version', signal: stopper.signal, timeoutMs: options.timeoutMs});
		} catch (e) {
			if (stopper.signal.aborted) return;
			if (!answered(e)) {
				state = 'unreachable';
				why = e instanceof Error ? e.message : String(e);
			}
		}
		if (stopper.signal.aborted) return;
		const recovered = state === 'ok' && last === 'unreachable';
		if (state !== last || why !== error) {
			last = state;
			error = why;
			options.onState(state === 'ok' ? {state: 'ok'} : {state: 'unreachable', error: why});
		}
		if (recovered) options.onRecover();
		schedule(options.intervalMs);
	};
	// Spread the fleet's probes over one interval, so they do not all go at once.
	schedule(Math.random() * options.intervalMs);
	return {
		stop() {
			stopper.abort();
			if (timer) clearTimeout(timer);
		},
	};
}

/**
 * The probe interval for a fleet: 1.5 s (a hung server shows within the request timeout + 2 s, a
 * recovered one within 3 s), longer on big fleets so that the probes stay under ~100 requests a
 * second in all (1,000 clusters: every 10 s).
 */
export function probeIntervalFor(clusters: number): number {
	return Math.max(1500, clusters * 10);
}
