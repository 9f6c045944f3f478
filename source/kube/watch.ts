// The list+watch loop for one resource on one cluster. client-node's informer stops for good after one
// non-410 error and has no watchdog; this loop never gives up: it lists (paged), watches from the list's
// resourceVersion with bookmarks, relists at once on 410 Gone, backs off with jitter on any other
// error, and restarts a stream that has gone silent. A cluster that cannot be reached is a state
// (onState), never an exception. Cost is bounded: one stream plus at most one request at a time.
//
// The parts, one idea each, are in ./watch/: types (what callers give and get), start-gate (the
// process-wide limit on lists and stream opens), list (paged list), stream (one watch stream and its
// watchdog), events (stream lines and in-stream errors), backoff (pauses and wake), state (what an
// error means for the cluster) and loop (the decisions between them).

import type {ClusterClient} from './client.js';
import {WatchLoop} from './watch/loop.js';
import type {WatchHandle, WatchOptions} from './watch/types.js';

export type {WatchEventType, WatchHandle, WatchHandlers, WatchOptions, WatchState} from './watch/types.js';
export {jitteredDelay} from './watch/backoff.js';
export {setWatchStartConcurrency} from './watch/start-gate.js';
export {tooOld, watchStateOf} from './watch/state.js';

export function startWatch<T>(client: ClusterClient, options: WatchOptions<T>): WatchHandle {
	const loop = new WatchLoop(client, options);
	void Promise.resolve()
		.then(() => loop.run())
		.catch((error: unknown) => loop.failed(error));
	return loop;
}
