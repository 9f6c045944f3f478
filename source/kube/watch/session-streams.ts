// Which watch streams of a cluster ask for bookmarks. Over HTTP/2 every watch of a cluster is a stream
// of ONE session, and a session that dies takes all of them at once: one stream that hears from the
// server every minute (a bookmark) proves the session for all of them. So per client only one stream,
// the carrier, asks for bookmarks and has the silence watchdog; the others (riders) ask none. At 1,001
// clusters that is 1,001 bookmarks a minute to read instead of 4,004 (~60 µs of CPU each).
//
// What the riders give up, and what covers it:
// - A session that dies without a FIN/RST: the carrier's watchdog; and before it, the reachability
//   probe (api-probe.ts), whose timed-out request makes the transport PING the session and destroy it
//   when no answer comes (transport.ts), which ends every stream on it. Neither depends on the riders.
// - A server that hangs (its connection loop still answers PINGs, nothing else comes): the probe shows
//   it; when the carrier's watchdog fires, every rider is cut with it (they hung together) and resumes
//   from its resourceVersion, as their own watchdogs did; when the probe sees the server again it wakes
//   every watch.
// - A fresh resourceVersion to resume from. A rider resumes from its last event's. kube-apiserver's
//   watch cache takes that as long as it still holds the event window after it (watch_cache.go
//   getAllEventsSinceLocked: events leave only when newer ones of the same resource push them out, or
//   when the cache relists); a rider that watches its whole resource got every event of that window,
//   so its version is the newest it can be. Otherwise (a filtered watch whose resource is busy, a cache
//   that relisted, a reconnect to another API server of an HA control plane whose cache was filled
//   later) the answer is 410 and the loop relists (one list), as client-go's reflector does; sparing
//   that list is what bookmarks are for (cacher nextBookmarkTime: every minute and just before the
//   watch's deadline, nothing else outside WatchList).
// - A stream that stalls alone while its session lives (an HTTP/2-terminating proxy whose upstream
//   request died): the server would have ended it at its timeoutSeconds, so a rider silent for that
//   long and one watchdog limit more is cut (checked by the carrier's watchdog sweep).
// Over HTTP/1.1 every stream has its own connection, and each keeps its bookmarks and its watchdog.
//
// The carrier is whichever stream opens first while there is none: a resource that is not served (404)
// has no stream, so it never carries. When the carrier ends, its loop normally opens the next stream
// at once and carries again; if none comes within handoverMs (its resource went away, its loop backs
// off after an error), one rider is restarted from its resourceVersion to carry instead.
//
// The group is per client, not per session: a client holds one session, except for a moment after the
// server's GOAWAY or an exec plugin's new client certificate, when streams of the old session run out
// on it. Those riders keep the backstop above; the probe and PING cover the client's current session.

import type {ClusterClient} from '../client.js';

/** A stream as the group sees it (WatchStream). */
export interface SessionStream {
	/** Cut it; its loop resumes from its resourceVersion. */
	silenced(): void;
	/** When it opened or last sent a line (performance.now()), 0 before it opened. */
	readonly lastLineAt: number;
	/** How long it may stay silent as a rider: its server-side timeout and one watchdog limit more. */
	readonly riderLimitMs: number;
}

/** How long a group may go without a carrier while it has riders before one of them takes over. */
export const handoverMs = 2000;

export class SessionStreams {
	carrier: SessionStream | undefined;
	readonly riders = new Set<SessionStream>();
	private handover: NodeJS.Timeout | undefined;
	/**
	 * No rider can be past its limit before this (performance.now()): the earliest of their last lines
	 * plus their limits, as of the last look. A line only moves a rider's own moment later, so this is
	 * never late. The watchdog sweeps every carrier every 15 s, and a rider's limit is its server-side
	 * timeout (30-60 min) and the watchdog's: looking at each of ~3,000 riders at 1,001 clusters on
	 * every sweep was most of its ~5-7 ms, for a cut that cannot come for half an hour.
	 */
	private ridersDueAt = Number.POSITIVE_INFINITY;

	/** A stream opens: it carries if none does, else it rides. */
	join(stream: SessionStream): 'carrier' | 'rider' {
		if (this.carrier) {
			this.riders.add(stream);
			// It has not opened yet (no line): its silence starts no earlier than now.
			this.ridersDueAt = Math.min(this.ridersDueAt, performance.now() + stream.riderLimitMs);
			return 'rider';
		}
		this.carrier = stream;
		if (this.handover) clearTimeout(this.handover);
		this.handover = undefined;
		return 'carrier';
	}

	/** A stream ended. */
	leave(stream: SessionStream): void {
		if (this.carrier !== stream) {
			this.riders.delete(stream);
			return;
		}
		this.carrier = undefined;
		if (this.riders.size === 0 || this.handover) return;
		this.handover = setTimeout(() => {
			this.handover = undefined;
			if (this.carrier) return;
			const [next] = this.riders;
			next?.silenced();
		}, handoverMs);
		this.handover.unref();
	}

	/** The carrier went silent for its watchdog's limit: the session is suspect, every rider is cut too. */
	carrierSilenced(): void {
		for (const rider of [...this.riders]) rider.silenced();
	}

	/** From the carrier's watchdog sweep: a rider silent past its own limit is cut. */
	sweepRiders(now: number): void {
		if (now < this.ridersDueAt) return;
		let next = Number.POSITIVE_INFINITY;
		for (const rider of [...this.riders]) {
			const limit = rider.riderLimitMs;
			// Not opened yet: its silence starts no earlier than now.
			const since = rider.lastLineAt > 0 ? rider.lastLineAt : now;
			if (rider.lastLineAt > 0 && now - since >= limit) rider.silenced();
			else next = Math.min(next, since + limit);
		}
		this.ridersDueAt = next;
	}
}

const groups = new WeakMap<ClusterClient, SessionStreams>();

/** The group of a client whose watches share one HTTP/2 session; undefined over HTTP/1.1 (or before the protocol is known). */
export function sessionStreamsOf(client: ClusterClient): SessionStreams | undefined {
	if (client.protocol !== 'h2') return undefined;
	let group = groups.get(client);
	if (!group) groups.set(client, (group = new SessionStreams()));
	return group;
}
