import {render as renderLibrary} from 'ink-testing-library';
import {afterEach, describe, expect, test} from 'vitest';
import {createUiStore} from '../../source/store/ui-store.js';
import {App, type AppProps} from '../../source/ui/app.js';
import {createFixedClock} from '../../source/ui/clock.js';
import {UiContext, type UiContextValue} from '../../source/ui/context.js';
import {glyphsFor} from '../../source/ui/glyphs.js';
import type {ConsoleAction} from '../../source/app/services.js';
import {createTheme} from '../../source/ui/theme.js';
import {TokenView} from '../../source/ui/workflows/token-view.js';
import type {PreparedRun, TokenHandle, Workflow} from '../../source/app/workflow-types.js';
import {createClock} from '../../source/ui/clock.js';
import {createFleetViewOf} from '../../source/ui/fleet-rows.js';
import {noServices} from '../../source/app/services.js';
import {createAppStore} from '../../source/store/store.js';
import {createKeyRouter} from '../../source/ui/input/key-router.js';
import {useKeyReader} from '../../source/ui/input/use-key-reader.js';
import {useUiContext} from '../../source/ui/context.js';
import {delay, fixtureStore, now, run, sec, waitFor} from './fixtures.js';
import {keys, lines, renderAt, unmountAll} from './harness.js';

afterEach(unmountAll);

type Calls = {started: number; preflights: number; values?: Record<string, string>};

function prepared(calls: Calls, patch: Partial<PreparedRun> = {}): PreparedRun {
	return {
		title: 'Make standalone-1 a management cluster',
		question: 'Make standalone-1 a management cluster?',
		clusters: ['standalone-1'],
		steps: [
			{title: 'Expose the management cluster', kubectl: "kubectl --context standalone-1 apply --server-side -f - <<'EOF'\nkind: Service\nEOF", skippable: false},
			{title: 'Wait for the manager', kubectl: 'kubectl --context standalone-1 wait --for=condition=Available tigerastatus/manager', skippable: true},
		],
		async preflight() {
			calls.preflights += 1;
			return {ok: true, items: [{label: 'standalone-1 reachable', ok: true, message: 'Kubernetes v1.30'}, {label: 'permissions on standalone-1', ok: true, message: 'allowed: 7 checks'}]};
		},
		async preview() {
			return 'kind: Secret\ndata:\n  token: <token masked, 900 chars>';
		},
		start: () => {
			calls.started += 1;
		},
		...patch,
	};
}

function workflow(calls: Calls, patch: Partial<PreparedRun> = {}, fields?: Workflow['fields']): Workflow {
	return {
		title: 'Make standalone-1 a management cluster',
		fields: fields ?? [
			{kind: 'select', key: 'service', label: 'Expose with', options: [{label: 'NodePort', value: 'nodeport'}, {label: 'LoadBalancer', value: 'loadbalancer'}]},
			{kind: 'text', key: 'address', label: 'Address (host:port)', initial: '10.0.0.1:30449', suggestions: ['10.0.0.1:30449', '10.0.0.2:30449'], validate: v => (v.includes(':') ? undefined : 'needs host:port')},
		],
		prepare(values) {
			calls.values = values;
			return prepared(calls, patch);
		},
	};
}

async function openWith(flow: Workflow, props: Partial<AppProps> = {}) {
	const store = props.store ?? fixtureStore();
	const ui = createUiStore();
	const action: ConsoleAction = {key: 'm', title: 'make management', mutating: true, panes: ['fleet'], startsPlan: true, run: ctx => ctx.openWorkflow(flow)};
	const h = await renderAt(<App store={store} ui={ui} clock={createFixedClock(now)} size={{columns: 110, rows: 30}} services={{actions: [action]}} {...props} />, 110, 30);
	return {h, ui, store};
}

const frame = (h: {lastFrame: () => string}) => h.lastFrame();

/** Waits for text, then for the inputs just mounted to subscribe to keys (React runs that effect after the frame). */
async function shown(h: {lastFrame: () => string}, text: string): Promise<void> {
	await waitFor(() => expect(frame(h)).toContain(text));
	await delay(50);
}

describe('workflow overlay', () => {
	test('prompts (select, then a pre-filled address with its suggestions), preflight checklist, steps with kubectl, YAML, start', async () => {
		const calls: Calls = {started: 0, preflights: 0};
		const {h} = await openWith(workflow(calls));
		await h.press('m');
		await shown(h, '› NodePort');
		await h.press(keys.down, keys.enter);
		await shown(h, '✓ Expose with: LoadBalancer');
		expect(frame(h)).toContain('› 10.0.0.1:30449');
		expect(frame(h)).toMatch(/suggested: 10\.0\.0\.1:30449\n\s+: 10\.0\.0\.2:30449/);
		// A bad value is refused on the form, with the reason (a prefix of a suggestion completes to it).
		for (let i = 0; i < 14; i++) await h.press(keys.backspace);
		await h.press(...'bad');
		await delay(50);
		await h.press(keys.enter);
		await shown(h, 'Address (host:port): needs host:port');
		await h.press(':1');
		await delay(50);
		await h.press(keys.enter);
		await shown(h, 'All checks passed (2)');
		expect(calls.values).toEqual({service: 'loadbalancer', address: 'bad:1'});
		expect(frame(h)).toContain('✓ permissions on standalone-1: allowed: 7 checks');
		expect(calls.started).toBe(0);
		await h.press(keys.enter);
		await shown(h, 'Make standalone-1 a management cluster?');
		expect(frame(h)).toContain("$ kubectl --context standalone-1 apply --server-side -f - <<'EOF'");
		expect(frame(h)).toContain('(the YAML: press d)');
		expect(frame(h)).toContain(' 2. Wait for the manager (skippable)');
		await h.press('d');
		await shown(h, 'token: <token masked, 900 chars>');
		expect(frame(h)).toContain('secrets masked');
		await h.press('d');
		await shown(h, 'y or enter runs it');
		await h.press('y');
		await waitFor(() => expect(frame(h)).toMatch(/─ Fleet/));
		expect(calls.started).toBe(1);
	});

	test('a failed preflight names the fix and does not go on; esc leaves without starting', async () => {
		const calls: Calls = {started: 0, preflights: 0};
		const flow = workflow(calls, {
			async preflight() {
				return {ok: false, items: [{label: 'standalone-1 role', ok: false, message: 'standalone-1 is a managed cluster', fix: 'run unmanage first'}, {label: 'reachable', ok: true, message: 'yes'}]};
			},
		});
		const {h} = await openWith(flow);
		await h.press('m');
		await shown(h, '› NodePort');
		await h.press(keys.enter);
		await shown(h, '› 10.0.0.1:30449');
		await h.press(keys.enter);
		await shown(h, 'Preflight failed (1 of 2): nothing was changed');
		const body = lines(frame(h));
		expect(body.findIndex(l => l.includes('✗ standalone-1 role'))).toBeLessThan(body.findIndex(l => l.includes('✓ reachable')));
		expect(frame(h)).toContain('fix: run unmanage first');
		await h.press(keys.enter, 'y');
		expect(frame(h)).toContain('Preflight failed');
		await h.press(keys.escape);
		await waitFor(() => expect(frame(h)).toMatch(/─ Fleet/));
		expect(calls.started).toBe(0);
	});

	test("a change of cluster type is confirmed by typing the cluster's name; y alone does nothing", async () => {
		const calls: Calls = {started: 0, preflights: 0};
		const {h} = await openWith(workflow(calls, {typeToConfirm: 'standalone-1', question: 'Change standalone-1 back to standalone?'}, []));
		await h.press('m');
		await shown(h, 'All checks passed');
		await h.press(keys.enter);
		await shown(h, "Type the cluster's name (standalone-1)");
		await h.press('y', keys.enter);
		await shown(h, 'That is not "standalone-1"');
		expect(calls.started).toBe(0);
		await h.press(keys.backspace, ...'standalone-1');
		await delay(50);
		await h.press(keys.enter);
		await waitFor(() => expect(calls.started).toBe(1));
		await waitFor(() => expect(frame(h)).toMatch(/─ Fleet/));
	});

	test('read-only: the action key is refused in the status bar and the overlay never opens', async () => {
		const calls: Calls = {started: 0, preflights: 0};
		const store = fixtureStore();
		const action: ConsoleAction = {key: 'm', title: 'make management', mutating: true, run: ctx => ctx.openWorkflow(workflow(calls))};
		const ro = await renderAt(<App store={store} clock={createFixedClock(now)} size={{columns: 110, rows: 30}} services={{readOnly: true, actions: [action]}} />, 110, 30);
		await ro.press('m');
		await waitFor(() => expect(frame(ro)).toContain('read-only: "make management" would change a cluster; refused'));
		expect(frame(ro)).not.toContain('Expose with');
		expect(calls.preflights).toBe(0);
	});
});

/** What <App> does with the terminal's keys, for a view rendered on its own. */
function KeysToRouter() {
	const {keys} = useUiContext();
	useKeyReader(press => keys.dispatch(press, () => undefined));
	return null;
}

function context(): UiContextValue {
	const keys = createKeyRouter();
	return {
		keys,
		store: createAppStore(),
		ui: createUiStore(),
		services: noServices,
		theme: createTheme(false),
		glyphs: glyphsFor(false),
		clock: createClock(),
		fleetView: createFleetViewOf(),
		closeOverlay: () => undefined,
	};
}

describe('token view (ink-testing-library)', () => {
	test('shows the token masked; c copies, w writes to the path asked (default offered)', async () => {
		const copied: number[] = [];
		const written: string[] = [];
		let closed = 0;
		const token: TokenHandle = {
			cluster: 'mgmt',
			user: 'mcm-user',
			masked: 'eyJh…**** (912 chars)',
			expires: '2025-01-16T12:00:00Z',
			defaultPath: '/work/mgmt-mcm-user.token',
			savedTo: '/home/u/.local/state/calico-mcm/secrets/mgmt-mcm-user.token',
			copy: () => (copied.push(1), {text: 'sent the token (912 characters) to your terminal as an OSC 52 clipboard request'}),
			write: file => (written.push(file), `written to ${file} (mode 0600)`),
		};
		const ctx = context();
		const t = renderLibrary(
			<UiContext.Provider value={ctx}>
				<KeysToRouter />
				<TokenView token={token} width={100} height={14} onClose={() => (closed += 1)} />
			</UiContext.Provider>,
		);
		await delay(20);
		expect(t.lastFrame()).toContain('token    eyJh…**** (912 chars)');
		expect(t.lastFrame()).toContain('expires  2025-01-16T12:00:00Z');
		expect(t.lastFrame()).toContain('saved    /home/u/.local/state/calico-mcm/secrets/mgmt-mcm-user.token (mode 0600)');
		t.stdin.write('c');
		await waitFor(() => expect(t.lastFrame()).toContain('sent the token (912 characters) to your terminal as an OSC 52 clipboard request'));
		expect(copied).toEqual([1]);
		t.stdin.write('w');
		await waitFor(() => expect(t.lastFrame()).toContain('› /work/mgmt-mcm-user.token'));
		// The input subscribes to keys once it has mounted: an enter sent with its first frame is lost.
		await delay(100);
		t.stdin.write('\r');
		await waitFor(() => expect(t.lastFrame()).toContain('written to /work/mgmt-mcm-user.token (mode 0600)'));
		expect(written).toEqual(['/work/mgmt-mcm-user.token']);
		t.stdin.write('\u001B');
		await waitFor(() => expect(closed).toBe(1));
		t.unmount();
	});
});

describe('steps pane for workflows', () => {
	test('a batch has one row per cluster; an interrupted run says how to resume; hints name r and esc', async () => {
		const store = fixtureStore();
		const batchRun = (cluster: string, state: 'running' | 'done' | 'failed', at: number) =>
			run({
				id: `join-${cluster}`,
				plan: 'join',
				cluster,
				title: `Join ${cluster}`,
				batch: 'b1',
				state,
				startedAt: now - at * sec,
				...(state === 'running' ? {} : {endedAt: now}),
				steps: [
					{id: 'a', title: 'Add the ManagedCluster', kubectl: 'k', state: 'done', skippable: false, startedAt: now - at * sec, endedAt: now - at * sec},
					{
						id: 'w',
						title: 'Wait until connected',
						kubectl: 'k',
						state: state === 'done' ? 'done' : state,
						skippable: false,
						startedAt: now - 2 * sec,
						...(state === 'failed' ? {error: 'connect ECONNREFUSED 127.0.0.1:1', endedAt: now} : {}),
					},
				],
			});
		for (const r of [batchRun('c1', 'done', 9), batchRun('c2', 'running', 8), batchRun('c3', 'failed', 7)]) store.getState().putRun(r);
		const action: ConsoleAction = {key: 'r', title: 'retry', mutating: true, run: () => undefined};
		const h = await renderAt(<App store={store} clock={createFixedClock(now)} size={{columns: 110, rows: 30}} services={{actions: [action]}} />, 110, 30);
		await h.press('3');
		await waitFor(() => expect(frame(h)).toMatch(/Steps ─ join on 3 clusters ─ 1 done, 1 running, 1 failed ─ esc cancels/));
		expect(frame(h)).toMatch(/✓ c1 +2\/2 +9\.0s +done/);
		expect(frame(h)).toMatch(/c2 +1\/2 +\S+ +Wait until connected/);
		expect(frame(h)).toMatch(/✗ c3 +1\/2 +7\.0s +failed at Wait until connected: connect ECONNREFUSED 127\.0\.0\.1:1/);

		// A row still waiting for its slot (3 at a time) is queued, in its row and in the title.
		const queued = batchRun('c4', 'running', 0);
		store.getState().putRun({...queued, steps: queued.steps.map(s => ({...s, state: 'pending' as const, startedAt: undefined, endedAt: undefined}))});
		await waitFor(() => expect(frame(h)).toMatch(/Steps ─ join on 4 clusters ─ 1 done, 1 running, 1 queued, 1 failed ─/));
		expect(frame(h)).toMatch(/c4 +0\/2 +\S+ +queued/);

		const other = createAppStore();
		other.getState().applyBatch({clusters: {}});
		other.getState().putRun(run({id: 'old', state: 'cancelled', endedAt: now, note: 'an interrupted make-management on standalone-1 (1/3 steps done) — press r to resume'}));
		const i = await renderAt(<App store={other} clock={createFixedClock(now)} size={{columns: 110, rows: 30}} services={{actions: [action]}} />, 110, 30);
		await waitFor(() => expect(frame(i)).toContain('an interrupted make-management on standalone-1 (1/3 steps done) — press r to resume'));
		expect(frame(i)).toMatch(/Steps ─ Make management cluster @ standalone-1 ─ cancelled .* ─ r resumes/);
	});
});
