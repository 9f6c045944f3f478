import process from 'node:process';

// The program's word to the bin (bin.ts, code-cache.ts) that what it wants in V8's code cache has now
// run: an event on `process`, the one object the bin and the program it runs share.

export const codeCacheWarmEvent = 'calico-mcm:code-cache-warm';

/** What has been compiled so far is worth keeping (the console: once its first frame is out). */
export function codeCacheWarm(): void {
	(process as NodeJS.EventEmitter).emit(codeCacheWarmEvent);
}
