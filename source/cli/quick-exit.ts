import process from 'node:process';

// A one-shot command (status, run, diags...) is done once its event loop is empty. Left to itself, Node
// then tears its environment down: every V8 heap page freed one by one, the isolate disposed, then the
// process exits. The pages go back to the system with the process anyway; at 1,001 clusters `status
// --json` spent ~2.5 % of its CPU samples in Heap::TearDown (perf, ~60-90 ms). process.exit() from
// 'beforeExit' leaves at the same point without that teardown: the loop is empty by then (nothing
// left to write to stdout or stderr, no socket, no timer), and the 'exit' listeners still run (the
// code cache is written there, code-cache.ts) with the exit code the command set.

/** From now on, the process exits as soon as its event loop is empty, without tearing its heap down. */
export function exitWhenIdle(): void {
	process.once('beforeExit', () => process.exit());
}
