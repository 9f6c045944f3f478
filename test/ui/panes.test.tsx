import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App, type AppProps} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import type {OperatorLogSink} from '../../source/app/services.js';
import {fixtureStore, now, run, sec, waitFor} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

async function open(props: Partial<AppProps> = {}, columns = 120, rows = 40) {
	const store = props.store ?? fixtureStore();
	const ui = props.ui ?? createUiStore();
	const clock = createFixedClock(now);
	const h = await renderAt(<App store={store} ui={ui} clock={clock} size={{columns, rows}} {...props} />, columns, rows);
	return {h, store, ui, clock};
}

/** Lines of one pane: from its title to the next title (or the status bar). */
function pane(frame: string, title: string): string[] {
	const all = lines(frame);
	const start = all.findIndex(l => new RegExp(`^[─-] ${title}\\b`).test(l));
	if (start < 0) return [];
	let end = all.findIndex((l, i) => i > start && /^[─-] (Fleet|TigerStatus|Steps|Log)\b/.test(l));
	if (end < 0) end = all.length - 1;
	return all.slice(start, end);
}

describe('TigerStatus pane', () => {
	test("lists the selected cluster's components, Degraded first, with reason, message and age", async () => {
		const {h, ui} = await open();
		ui.getState().select('standalone-1', 6);
		await h.press();
		const p = pane(h.lastFrame(), 'TigerStatus');
		expect(p[0]).toContain('standalone-1 standalone v3.24.0');
		expect(p[0]).toContain('3/4 available, 1 degraded');
		const rows = p.slice(2).filter(l => l.trim());
		expect(rows[0]).toMatch(/apiserver\s+False\s+False\s+True\s+30s\s+ResourceNotReady\s+Deployment calico-apiserver is not available/);
		expect(rows[1]).toMatch(/zz-progressing\s+True\s+True\s+False/);
		expect(rows.slice(2).map(r => r.trim().split(/\s+/)[1])).toEqual(['calico', 'compliance']);
	});

	test('says why the statuses of an unreachable cluster are stale, with the real error', async () => {
		const {h, ui} = await open();
		ui.getState().select('edge-9', 1);
		await h.press();
		expect(pane(h.lastFrame(), 'TigerStatus').join('\n')).toContain('API unreachable for 40s: connect ECONNREFUSED 127.0.0.1:41234');
	});

	test("shows a managed cluster's tunnel from both ends and when they disagree", async () => {
		const {h, ui} = await open({}, 159);
		ui.getState().select('managed-2', 3);
		await h.press();
		expect(pane(h.lastFrame(), 'TigerStatus').join('\n')).toContain(
			'tunnel to mgmt: ManagedClusterConnected False for 12s: tunnel closed by peer; guardian Available True (the ends disagree)',
		);
	});
});

describe('step-progress pane', () => {
	test('idle: says no plan runs and which keys start one', async () => {
		const noop = () => {};
		const {h} = await open({
			services: {
				actions: [
					{key: 'm', title: 'make management', mutating: true, startsPlan: true, run: noop},
					{key: 'j', title: 'join', mutating: true, startsPlan: true, run: noop},
				],
			},
		});
		const p = pane(h.lastFrame(), 'Steps').join('\n');
		expect(p).toContain('No plan running.');
		expect(p).toContain('m make management · j join');
	});

	test('a running plan: every step with its state, elapsed time and the kubectl of the running step', async () => {
		const store = fixtureStore();
		store.getState().putRun(run());
		const {h} = await open({store});
		const p = pane(h.lastFrame(), 'Steps');
		expect(p[0]).toContain('Make management cluster @ standalone-1');
		expect(p[0]).toContain('running 20s');
		expect(p[1]).toMatch(/^✓ 1\. Create the management cluster service\s+2\.0s/);
		expect(p[2]).toMatch(/^. 2\. Create the ManagementCluster\s+5\.0s/);
		expect(p[3]).toContain('$ kubectl apply -f management-cluster.yaml');
		expect(p[4]).toMatch(/^· 3\. Wait for the manager/);
	});

	test('a failed step shows the last real error and the hint', async () => {
		const store = fixtureStore();
		const r = run({state: 'failed', endedAt: now - sec});
		r.steps[1] = {...r.steps[1], state: 'failed', endedAt: now - 2 * sec, error: 'admission webhook denied: address must be host:port', hint: 'fix the address and press r'};
		store.getState().putRun(r);
		const {h} = await open({store});
		const p = pane(h.lastFrame(), 'Steps').join('\n');
		expect(p).toContain('failed 19s');
		expect(p).toMatch(/✗ 2\. Create the ManagementCluster\s+3\.0s\s+failed/);
		expect(p).toContain('error: admission webhook denied: address must be host:port');
		expect(p).toContain('hint: fix the address and press r');
	});

	test('a finished plan keeps its steps; skipped and cancelled steps say so', async () => {
		const store = fixtureStore();
		const r = run({state: 'cancelled', endedAt: now});
		r.steps = [
			{...r.steps[0]},
			{...r.steps[1], state: 'cancelled', endedAt: now},
			{...r.steps[2], state: 'skipped', detail: 'already present'},
		];
		store.getState().putRun(r);
		const {h} = await open({store});
		const p = pane(h.lastFrame(), 'Steps').join('\n');
		expect(p).toMatch(/⊘ 2\. Create the ManagementCluster\s+5\.0s\s+cancelled/);
		expect(p).toMatch(/↷ 3\. Wait for the manager\s+skipped: already present/);
	});
});

describe('log pane', () => {
	test('follows new lines, f pauses (new lines do not move the view), End follows again', async () => {
		const store = fixtureStore();
		for (let i = 0; i < 30; i++) store.getState().addLog({level: i === 5 ? 'error' : 'info', cluster: 'mgmt', text: `line ${i}`, t: now});
		const {h, ui} = await open({store});
		let p = pane(h.lastFrame(), 'Log');
		expect(p[0]).toContain('following');
		expect(p.at(-1)).toMatch(/12:00:00 mgmt\s+line 29$/);
		await h.press('f');
		expect(ui.getState().logFollow).toBe(false);
		store.getState().addLog({level: 'info', cluster: 'mgmt', text: 'line 30', t: now});
		store.getState().addLog({level: 'info', cluster: 'mgmt', text: 'line 31', t: now});
		await h.press();
		p = pane(h.lastFrame(), 'Log');
		expect(p.at(-1)).toMatch(/line 29$/);
		expect(p[0]).toContain('paused (2 newer)');
		await h.press('4', keys.up, keys.up);
		expect(pane(h.lastFrame(), 'Log').at(-1)).toMatch(/line 27$/);
		await h.press(keys.end);
		p = pane(h.lastFrame(), 'Log');
		expect(p[0]).toContain('following');
		expect(p.at(-1)).toMatch(/line 31$/);
	});

	test('scrolling up in the focused log pauses it', async () => {
		const store = fixtureStore();
		for (let i = 0; i < 30; i++) store.getState().addLog({level: 'info', text: `line ${i}`, t: now});
		const {h, ui} = await open({store});
		await h.press(keys.tab, keys.tab, keys.tab);
		expect(ui.getState().focus).toBe('log');
		await h.press(keys.pageUp);
		expect(ui.getState().logFollow).toBe(false);
		expect(pane(h.lastFrame(), 'Log').join('\n')).not.toContain('line 29');
	});

	test("o follows the selected cluster's tigera-operator log through services, o again goes back", async () => {
		const followed: string[] = [];
		let sink: OperatorLogSink | undefined;
		let stopped = 0;
		const {h, ui} = await open({
			services: {
				followOperatorLog(cluster, s) {
					followed.push(cluster);
					sink = s;
					return () => stopped++;
				},
			},
		});
		ui.getState().select('mgmt', 5);
		await h.press('o');
		expect(followed).toEqual(['mgmt']);
		sink!.status('following tigera-operator-abc');
		sink!.lines(['{"level":"info","msg":"Reconciling Installation"}', 'second \u001B[31mline\u001B[0m']);
		await waitFor(() => expect(pane(h.lastFrame(), 'Log').join('\n')).toContain('second line'));
		const p = pane(h.lastFrame(), 'Log').join('\n');
		expect(p).toContain('tigera-operator @ mgmt');
		expect(p).toContain('following tigera-operator-abc');
		expect(p).toContain('Reconciling Installation');
		await h.press('o');
		expect(stopped).toBe(1);
		expect(pane(h.lastFrame(), 'Log')[0]).toContain('console');
	});
});

describe('status bar', () => {
	test('counts clusters by health', async () => {
		const {h} = await open();
		const bar = lines(h.lastFrame()).at(-1)!;
		expect(bar).toContain('7 clusters');
		expect(bar).toContain('● 4 healthy');
		expect(bar).toContain('▲ 1 degraded');
		expect(bar).toContain('○ 1 disconnected');
		expect(bar).toContain('✕ 1 unreachable');
	});

	test('read-only: a badge, and an action that changes a cluster is refused with a message', async () => {
		let ran = 0;
		const {h} = await open({services: {readOnly: true, actions: [{key: 'm', title: 'make management', mutating: true, run: () => ran++}]}});
		expect(lines(h.lastFrame()).at(-1)).toContain(' READ-ONLY ');
		await h.press('m');
		expect(ran).toBe(0);
		expect(lines(h.lastFrame()).at(-1)).toContain('read-only: "make management" would change a cluster; refused');
	});

	test('an action gets the selected and marked clusters and can open an overlay that owns the keys', async () => {
		const seen: string[][] = [];
		const {h, ui} = await open({
			services: {
				actions: [
					{
						key: 'j',
						title: 'join',
						mutating: true,
						panes: ['fleet'],
						run(ctx) {
							seen.push([ctx.selected!.id, ...ctx.marked.map(c => c.id)]);
							// A workflow still reading its prompts: only esc does anything in it.
							ctx.openWorkflow({title: 'probe overlay', fields: () => new Promise(() => undefined), prepare: () => 'unused'});
						},
					},
				],
			},
		});
		await h.press(' ', ' ');
		await h.press('j');
		expect(seen).toEqual([['managed-1', 'bare-1', 'edge-9']]);
		expect(h.lastFrame()).toContain('probe overlay');
		await h.press('k');
		expect(ui.getState().selectedId).toBe('managed-1');
		await h.press(keys.escape);
		expect(h.lastFrame()).not.toContain('probe overlay');
	});

	test('q quits at once when no plan runs; while one runs it asks first', async () => {
		let quits = 0;
		const store = fixtureStore();
		const {h, ui} = await open({store, onQuit: () => quits++});
		await h.press('q');
		expect(quits).toBe(1);
		store.getState().putRun(run());
		await h.press('q');
		expect(quits).toBe(1);
		expect(lines(h.lastFrame()).at(-1)).toContain('A plan is running: quit anyway? y/n');
		await h.press('n');
		expect(ui.getState().confirmQuit).toBe(false);
		await h.press(keys.ctrlC, 'y');
		expect(quits).toBe(2);
	});
});

describe('help overlay', () => {
	test('? lists every key; esc closes it', async () => {
		const {h, ui} = await open({}, 120, 70);
		await h.press('?');
		const frame = h.lastFrame();
		for (const text of ['? ', 'q  ctrl-c', 'tab', 'shift-tab', 'up  k', 'pgup', 'home  <', 'end  >  G', '/ ', 'N ', 'S ', 'A ', 'z  ctrl-z', 'space', 'f ', 'o ', '/re/  ~re', '!text']) {
			expect(frame).toContain(`  ${text}`);
		}
		await h.press(keys.escape);
		expect(ui.getState().helpOpen).toBe(false);
		expect(h.lastFrame()).toContain('Fleet 7');
	});
});

describe('plain terminals', () => {
	test('--ascii draws no Unicode glyphs', async () => {
		const store = fixtureStore();
		store.getState().putRun(run());
		const {h} = await open({store, ascii: true});
		// eslint-disable-next-line no-control-regex
		expect(h.lastFrame()).toMatch(/^[\u0000-\u007F]*$/);
		expect(h.lastFrame()).toContain(' x edge-9');
	});
});
