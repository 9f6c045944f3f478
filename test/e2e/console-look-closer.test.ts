import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startConsole, type ConsoleScreen} from './console-screen.js';
import {answer, keys, press, startSim, type Sim} from './workflow-helpers.js';

// Issue 11's "look closer" keys, by keys on a read-only console: Z zooms the focused pane (a log
// line too long for the pane is read whole), / n N search the log pane without taking the fleet's
// `/`, and D writes the support bundle (reading only, so read-only mode allows it) with a row per
// cluster, an unreachable one skipped, never waited for.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-closer-'));
const tail = 'END-OF-A-VERY-LONG-MESSAGE';
let sim: Sim;
let c: ConsoleScreen;

const titles = () => c.screen().filter(l => /^─ (Fleet|TigerStatus|Steps|Log) /.test(l)).map(l => l.split(' ')[1]);

beforeAll(async () => {
	sim = await startSim(path.join(dir, 'kubeconfig'), ['--managed', '2', '--standalone', '1', '--bare', '0']);
	// FORCE_COLOR: the highlight is drawn in inverse video (CI, set by vitest, turns styles off).
	c = startConsole(['--kubeconfig', sim.kubeconfig, '--read-only'], {cols: 120, rows: 34, cwd: dir, env: {FORCE_COLOR: '1'}});
	await c.waitFor(t => t.includes('4 healthy'), 'four healthy clusters', 30_000);
	// A log line far longer than the pane is wide.
	await sim.control(`degrade managed-1 compliance the compliance controller cannot reach Elasticsearch at https://tigera-secure-es-http.tigera-elasticsearch.svc:9200 (the certificate is not trusted yet) ${tail}`);
	await c.waitFor(t => /tigerstatus compliance degraded/.test(t), 'the degradation logged', 20_000);
}, 90_000);

afterAll(async () => {
	c?.kill('SIGKILL');
	await c?.exited;
	await sim?.stop();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('look closer without leaving the console', () => {
	test('Z zooms the focused pane to the full screen, where a long log line wraps whole; tab zooms the next pane; Z again restores the four', async () => {
		expect(titles()).toEqual(['Fleet', 'TigerStatus', 'Steps', 'Log']);
		expect(c.text()).not.toContain(tail);
		await press(c, '4');
		await answer(c, 'Z', 'zoomed · Z back');
		expect(titles()).toEqual(['Log']);
		// The whole message, wrapped over as many lines as it needs.
		// Wrapped: the rest of the line continues under the text; read without the line breaks.
		const flat = (text: string) => text.replace(/\s+/g, '');
		await c.waitFor(t => flat(t).includes(flat(`(the certificate is not trusted yet) ${tail}`)), 'the long line read whole');
		expect(c.text()).toContain('Z: unzoom');
		await answer(c, '\t', /^─ Fleet /m);
		expect(titles()).toEqual(['Fleet']);
		await answer(c, 'Z', /^─ Log /m);
		expect(titles()).toEqual(['Fleet', 'TigerStatus', 'Steps', 'Log']);
	});

	test('/ in the log pane searches it, highlighted, n and N move between matches; / in the fleet pane still filters', async () => {
		await press(c, '4', '/');
		await c.waitFor(t => /─ Log ─ console ─ \/_/.test(t), 'the search prompt in the log title');
		await press(c, ...'API'.split(''));
		await answer(c, keys.enter, /search:API \d+\/\d+ · n\/N/);
		const [, first, count] = /search:API (\d+)\/(\d+)/.exec(c.text())!;
		// enter goes to the newest match; every shown match is highlighted, whatever its case.
		expect(first).toBe(count);
		expect(Number(count)).toBeGreaterThanOrEqual(2);
		expect(c.inverseRuns().filter(r => /^api$/i.test(r)).length, JSON.stringify(c.inverseRuns())).toBeGreaterThanOrEqual(1);
		await answer(c, 'N', `search:API ${Number(count) - 1}/${count}`);
		expect(c.text()).toMatch(/paused/);
		await answer(c, 'n', `search:API ${count}/${count}`);
		await answer(c, 'n', 'Search wrapped to the oldest match');
		expect(c.text()).toContain(`search:API 1/${count}`);
		// The fleet's filter is the fleet pane's `/`, unchanged.
		await press(c, '1', '/');
		await c.waitFor(t => /─ Fleet .*\/_/.test(t), 'the fleet filter prompt');
		await press(c, ...'standalone'.split(''));
		await answer(c, keys.enter, 'filter:standalone');
		expect(c.screen().filter(l => /^[ ›][●◐▲○✕] /.test(l)).map(l => l.slice(3).split(/\s+/)[0])).toEqual(['standalone-1']);
		expect(c.text()).toContain(`search:API 1/${count}`);
		await press(c, keys.escape);
		await c.waitFor(t => !t.includes('filter:standalone'), 'the filter cleared');
		// esc in the log pane clears the search.
		await press(c, '4', keys.escape);
		await c.waitFor(t => !t.includes('search:API'), 'the search cleared');
	});

	test('D writes the support bundle in read-only mode: a bad path is refused first, then one row per cluster, the unreachable one skipped', async () => {
		await sim.control('api-down standalone-1');
		await c.waitFor(t => / standalone-1 .*unreachable/.test(t), 'standalone-1 unreachable', 20_000);
		await press(c, '1');
		await answer(c, 'D', 'Bundle file (.tar.gz)');
		// ctrl-u clears the suggested name.
		await press(c, '\u0015', ...'/no/such/dir/b.tar.gz'.split(''));
		await answer(c, keys.enter, 'cannot write in /no/such/dir: ENOENT');
		expect(fs.existsSync('/no/such/dir')).toBe(false);
		await press(c, '\u0015', ...'bundle.tar.gz'.split(''));
		await answer(c, keys.enter, 'All checks passed');
		await answer(c, keys.enter, `Write the support bundle to ${path.join(dir, 'bundle.tar.gz')}?`);
		await answer(c, 'y', /diags on 4 clusters/);
		await c.waitFor(t => t.includes(`support bundle written: ${path.join(dir, 'bundle.tar.gz')}`), 'the path of the bundle', 60_000);
		// Zoomed, the steps pane shows every cluster's row.
		await press(c, '3');
		// (The status bar says where the bundle went for a few seconds, in place of the key hints.)
		await press(c, 'Z');
		await c.waitFor(t => /^─ Steps ─ diags on 4 clusters ─ 3 done, 1 failed/.test(t) && !/^─ Fleet/m.test(t) && t.includes('✗ standalone-1'), 'every row of the batch');
		const screen = c.text();
		expect(screen).toMatch(/✗ standalone-1 .*failed at Collect diags: skipped: /);
		for (const name of ['managed-1', 'managed-2', 'mgmt']) expect(screen).toMatch(new RegExp(`✓ ${name} .* done`));
		expect(screen).not.toContain('read-only');
		await answer(c, 'Z', /^─ Fleet /m);
		expect(titles()).toEqual(['Fleet', 'TigerStatus', 'Steps', 'Log']);
		expect(fs.statSync(path.join(dir, 'bundle.tar.gz')).mode & 0o777).toBe(0o600);
		await sim.control('api-up standalone-1');
	}, 90_000);
});
