import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {ensurePrivateDirectory, writeFileAtomic} from '../../source/mcm/atomic-file.js';
import {InterruptedRuns, type InterruptedRun} from '../../source/mcm/interrupted-runs.js';
import {writeSecretFile} from '../../source/mcm/secrets.js';

// State and secret files are replaced whole or not at all: a full disk (here a file-size limit set
// with `ulimit -f` on a real child process) never costs the runs recorded before.

const built = path.resolve(import.meta.dirname, '../../dist/source/mcm/interrupted-runs.js');

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-state-'));
});
afterEach(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

const entry = (n: number, extra = ''): InterruptedRun => ({
	runId: `join:managed-${n}:x${n}`,
	plan: 'join',
	cluster: `managed-${n}`,
	options: {context: `managed-${n}`, management: 'mgmt', manifests: `demo/manifests${extra}`} as InterruptedRun['options'],
	source: '/home/u/.kube/config',
	cwd: '/home/u',
	startedAt: 1_700_000_000_000 + n,
});

describe('runs.json on a full disk', () => {
	test('a write that hits the file-size limit leaves every recorded run in place', () => {
		const runs = new InterruptedRuns(dir);
		for (const n of [1, 2, 3]) runs.record(entry(n));
		const before = fs.readFileSync(runs.file, 'utf8');
		expect(before.length).toBeLessThan(4096);
		// A fourth run whose options make the file ~20 KB, written by a child limited to 8 KB files.
		const script = `
			import {InterruptedRuns} from ${JSON.stringify(built)};
			const runs = new InterruptedRuns(${JSON.stringify(dir)});
			try {
				runs.record(${JSON.stringify(entry(4, '/x'.repeat(10_000)))});
				console.log('written');
			} catch (error) {
				console.log('error: ' + error.message);
			}`;
		const child = spawnSync('bash', ['-c', 'ulimit -f 8; exec "$0" --input-type=module -e "$1"', process.execPath, script], {encoding: 'utf8'});
		expect(child.stderr).toBe('');
		expect(child.stdout).toMatch(/^error: cannot write .*runs\.json: the file is larger than the file-size limit \(ulimit -f\); the runs recorded before are kept/);
		expect(fs.readFileSync(runs.file, 'utf8')).toBe(before);
		expect(runs.list().map(r => r.cluster)).toEqual(['managed-1', 'managed-2', 'managed-3']);
		// No temporary file left behind.
		expect(fs.readdirSync(dir)).toEqual(['runs.json']);
	});

	test('a damaged runs.json is kept aside, said so, and never overwritten', () => {
		const problems: string[] = [];
		const runs = new InterruptedRuns(dir, {onProblem: m => problems.push(m)});
		const damaged = '{"runs": [{"runId": "join:managed-1:x1", "plan": "jo';
		fs.writeFileSync(runs.file, damaged);
		expect(runs.list()).toEqual([]);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/runs\.json was damaged \(it is not valid JSON.*\): kept as .*runs\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z; the runs it named are not offered/);
		const aside = fs.readdirSync(dir).filter(f => f.startsWith('runs.json.corrupt-'));
		expect(aside).toHaveLength(1);
		expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(damaged);
		// Recording a new run writes a new file; the damaged one stays where it was put.
		runs.record(entry(5));
		expect(runs.list().map(r => r.cluster)).toEqual(['managed-5']);
		expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(damaged);
	});

	test('entries this version does not understand are kept when another run is recorded', () => {
		const runs = new InterruptedRuns(dir);
		const future = {runId: 'upgrade:mgmt:1', plan: 'upgrade', cluster: 'mgmt'};
		fs.writeFileSync(runs.file, JSON.stringify({runs: [future]}));
		runs.record(entry(1));
		runs.forget(entry(1).runId);
		expect(JSON.parse(fs.readFileSync(runs.file, 'utf8'))).toEqual({runs: [future]});
	});
});

describe('secret files and private directories', () => {
	test('a secret file is 0600 from its creation, also when it replaces a wider file, whatever the umask', () => {
		const file = path.join(dir, 'token');
		fs.writeFileSync(file, 'old', {mode: 0o644});
		fs.chmodSync(file, 0o644);
		const umask = process.umask(0);
		try {
			writeSecretFile(file, 'new-token\n');
		} finally {
			process.umask(umask);
		}
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.readFileSync(file, 'utf8')).toBe('new-token\n');
	});

	test('overwrite: false refuses an existing file and leaves it unchanged', () => {
		const file = path.join(dir, 'token');
		fs.writeFileSync(file, 'keep');
		expect(() => writeFileAtomic(file, 'other', {overwrite: false})).toThrow(/EEXIST/);
		expect(fs.readFileSync(file, 'utf8')).toBe('keep');
		expect(fs.readdirSync(dir)).toEqual(['token']);
	});

	test('private directories are made 0700, missing parents too', () => {
		const leaf = path.join(dir, 'a', 'b');
		ensurePrivateDirectory(leaf);
		expect(fs.statSync(leaf).mode & 0o777).toBe(0o700);
		expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o700);
		fs.chmodSync(leaf, 0o755);
		ensurePrivateDirectory(leaf);
		expect(fs.statSync(leaf).mode & 0o777).toBe(0o700);
	});
});

// A read-only state directory: a read-only tmpfs where this runs as root (root ignores permission
// bits), else a directory without write permission.
function readOnlyDirectory(): {path: string; expected: RegExp; cleanup: () => void} | string {
	const target = path.join(dir, 'ro');
	fs.mkdirSync(target);
	if (process.getuid?.() !== 0) {
		fs.chmodSync(target, 0o555);
		return {path: target, expected: /permission denied/, cleanup: () => fs.chmodSync(target, 0o755)};
	}
	const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', target], {encoding: 'utf8'});
	if (mount.status !== 0) return `cannot mount a read-only tmpfs as root here: ${mount.stderr.trim() || mount.error?.message}`;
	return {path: target, expected: /the file system is read-only/, cleanup: () => void spawnSync('umount', [target])};
}

describe('a read-only state directory', () => {
	test('is reported as read-only (EROFS/EACCES), not as a missing directory', context => {
		const ro = readOnlyDirectory();
		if (typeof ro === 'string') {
			console.warn(`skipped: ${ro}`);
			context.skip();
			return;
		}
		try {
			const state = path.join(ro.path, 'state', 'calico-mcm');
			expect(() => ensurePrivateDirectory(state)).toThrow(/EROFS|EACCES/);
			const runs = new InterruptedRuns(state);
			expect(() => runs.record(entry(1))).toThrow(ro.expected);
			expect(() => runs.record(entry(1))).not.toThrow(/does not exist|ENOENT/);
		} finally {
			ro.cleanup();
		}
	});
});
