import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import type {FleetConfig} from '../../source/kube/kubeconfig.js';
import {useManagedHints} from '../../source/cli/managed-hint-file.js';

// Which contexts were managed at the last one-shot `status` (managed-hint-file.ts): those, and only
// those at the same server, get their connection Secret asked with their lists on the next run.

let dir: string;
let file: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'managed-hints-'));
	fs.chmodSync(dir, 0o700);
	file = path.join(dir, 'managed', 'contexts');
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const config = (servers: Record<string, string>) =>
	({files: [], contexts: [], entries: new Map(Object.entries(servers).map(([context, server]) => [context, {cluster: {server}}]))}) as unknown as FleetConfig;
const env = {};

test('a run finds the contexts the last run found managed; a context whose server moved is not among them', () => {
	const fleet = config({a: 'https://10.0.0.1:6443', b: 'https://10.0.0.2:6443', mgmt: 'https://10.0.0.3:6443'});
	const first = useManagedHints(fleet, env, file);
	expect([...first.managed]).toEqual([]);
	expect(first.save(new Set(['a', 'b']), new Set(['a', 'b', 'mgmt']))).toBe(true);
	expect(fs.statSync(file).mode & 0o777).toBe(0o600);
	expect([...useManagedHints(fleet, env, file).managed].sort()).toEqual(['a', 'b']);
	// b's server moved (a simulator started again): not asked ahead until a run finds it managed there.
	expect([...useManagedHints(config({a: 'https://10.0.0.1:6443', b: 'https://10.0.0.9:6443'}), env, file).managed]).toEqual(['a']);
});

test('a cluster no longer managed is dropped, one that did not answer keeps its line, and an unchanged fleet writes nothing', () => {
	const fleet = config({a: 'https://10.0.0.1:6443', b: 'https://10.0.0.2:6443'});
	useManagedHints(fleet, env, file).save(new Set(['a', 'b']), new Set(['a', 'b']));
	const second = useManagedHints(fleet, env, file);
	// a answered without a connection; b did not answer at all.
	expect(second.save(new Set(), new Set(['a']))).toBe(true);
	const third = useManagedHints(fleet, env, file);
	expect([...third.managed]).toEqual(['b']);
	const before = fs.statSync(file).mtimeMs;
	expect(third.save(new Set(['b']), new Set(['a', 'b']))).toBe(false);
	expect(fs.statSync(file).mtimeMs).toBe(before);
});

test("another kubeconfig's lines are kept, and CALICO_MCM_NO_MANAGED_HINTS turns the hints off", () => {
	useManagedHints(config({x: 'https://10.1.0.1:6443'}), env, file).save(new Set(['x']), new Set(['x']));
	useManagedHints(config({a: 'https://10.0.0.1:6443'}), env, file).save(new Set(['a']), new Set(['a']));
	expect([...useManagedHints(config({x: 'https://10.1.0.1:6443'}), env, file).managed]).toEqual(['x']);
	const off = useManagedHints(config({x: 'https://10.1.0.1:6443'}), {CALICO_MCM_NO_MANAGED_HINTS: '1'}, file);
	expect([...off.managed]).toEqual([]);
});
