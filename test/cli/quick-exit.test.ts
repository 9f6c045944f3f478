import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {expect, test} from 'vitest';

// A one-shot command leaves through process.exit() once its event loop is empty (quick-exit.ts), so
// that Node does not tear its heap down page by page first. What the user must still get: every byte
// the command wrote (here 4 MB to a pipe, written without waiting), its exit code, and the 'exit'
// listeners (the code cache is written there).
const moduleUrl = new URL(`file://${path.resolve(import.meta.dirname, '../../dist/source/cli/quick-exit.js')}`).href;

function runChild(quick: boolean) {
	const script = `
		import {exitWhenIdle} from ${JSON.stringify(moduleUrl)};
		// process.exit() ends in process.reallyExit; a natural end of the loop does not call it.
		const reallyExit = process.reallyExit;
		process.reallyExit = (code) => { process.stderr.write('process.exit\\n'); reallyExit.call(process, code); };
		process.once('exit', (code) => process.stderr.write('exit listener ' + code + '\\n'));
		const kept = [];
		for (let i = 0; i < 200000; i++) kept.push({i, name: 'cluster-' + i});
		const piece = 'x'.repeat(64 * 1024);
		for (let i = 0; i < 64; i++) process.stdout.write(piece);
		setTimeout(() => {
			process.exitCode = 3;
			${quick ? 'exitWhenIdle();' : ''}
		}, 10);
	`;
	return spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024});
}

test('a command done with its work leaves through process.exit, with all its output, its exit code and its exit listeners', () => {
	const run = runChild(true);
	expect(run.stdout.length).toBe(64 * 64 * 1024);
	expect(run.status).toBe(3);
	expect(run.stderr).toBe('exit listener 3\nprocess.exit\n');
});

test('without it the same program ends without process.exit (the heap is torn down first)', () => {
	const run = runChild(false);
	expect(run.stdout.length).toBe(64 * 64 * 1024);
	expect(run.status).toBe(3);
	expect(run.stderr).toBe('exit listener 3\n');
});
