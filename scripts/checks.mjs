// npm test's steps before vitest, run side by side: the type check (which also emits dist/cli.js and
// dist/bench for the tests that run the built CLI and the bench), the bundle and the lint. Each is
// single-threaded, so one after another they left one of CI's two cores idle for most of a minute on
// a clean clone. Each step's output is printed whole when it ends, so that the three do not
// interleave; the exit code is non-zero when any step failed.
import {spawn} from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, URL} from 'node:url';
import {Buffer} from 'node:buffer';
import {performance} from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = name => path.join(root, 'node_modules', '.bin', name);

const steps = [
	{name: 'tsc -p tsconfig.test.json', command: bin('tsc'), args: ['-p', 'tsconfig.test.json']},
	{name: 'node scripts/bundle.mjs', command: process.execPath, args: ['scripts/bundle.mjs']},
	{name: 'eslint', command: bin('eslint'), args: ['--cache', '--cache-strategy', 'content', '--cache-location', 'node_modules/.cache/eslint/', '.']},
];

function run(step) {
	const start = performance.now();
	return new Promise(resolve => {
		const child = spawn(step.command, step.args, {cwd: root, stdio: ['ignore', 'pipe', 'pipe']});
		const output = [];
		child.stdout.on('data', chunk => output.push(chunk));
		child.stderr.on('data', chunk => output.push(chunk));
		let ended = false;
		const done = code => {
			if (ended) return; // 'error' can be followed by 'close'
			ended = true;
			const seconds = ((performance.now() - start) / 1000).toFixed(1);
			process.stdout.write(`--- ${step.name}: ${code === 0 ? 'ok' : `failed (${code})`} in ${seconds} s\n`);
			process.stdout.write(Buffer.concat(output));
			resolve(code);
		};
		child.on('error', error => {
			output.push(Buffer.from(`${error.message}\n`));
			done(127);
		});
		child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
	});
}

const codes = await Promise.all(steps.map(step => run(step)));
process.exitCode = codes.some(code => code !== 0) ? 1 : 0;
