import {spawnSync} from 'node:child_process';
import process from 'node:process';
import {expect, test} from 'vitest';
import {favourMemoryFromNowOn, steadyHeapFlags} from '../../source/cli/steady-heap.js';

test('the steady state asks V8 to favour memory', () => {
	const asked: string[] = [];
	favourMemoryFromNowOn(flags => void asked.push(flags));
	expect(asked).toEqual(['--optimize-for-size']);
});

test('this Node\'s V8 knows the flags, set while running (an unknown flag is only printed, never thrown)', () => {
	const run = spawnSync(process.execPath, ['-e', 'require("node:v8").setFlagsFromString(process.argv[1]); console.log("set")', '--', steadyHeapFlags], {encoding: 'utf8'});
	expect(run.status).toBe(0);
	expect(run.stdout + run.stderr).not.toMatch(/unrecognized|error/i);
	expect(run.stdout.trim()).toBe('set');
	// The check itself can fail: a misspelt flag is reported.
	const wrong = spawnSync(process.execPath, ['-e', 'require("node:v8").setFlagsFromString(process.argv[1])', '--', `${steadyHeapFlags}x`], {encoding: 'utf8'});
	expect(wrong.stdout + wrong.stderr).toMatch(/unrecognized flag/);
});
