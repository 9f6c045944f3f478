import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render as renderLibrary} from 'ink-testing-library';
import {afterEach, describe, expect, test} from 'vitest';
import {tokenHandle} from '../../source/app/token.js';
import type {Plan} from '../../source/mcm/step.js';
import {createClock} from '../../source/ui/clock.js';
import {UiContext, useUiContext, type UiContextValue} from '../../source/ui/context.js';
import {createFleetViewOf} from '../../source/ui/fleet-rows.js';
import {glyphsFor} from '../../source/ui/glyphs.js';
import {noServices} from '../../source/app/services.js';
import {createTheme} from '../../source/ui/theme.js';
import {TokenView} from '../../source/ui/workflows/token-view.js';
import type {TokenHandle} from '../../source/app/workflow-types.js';
import {createAppStore} from '../../source/store/store.js';
import {createUiStore} from '../../source/store/ui-store.js';
import {createKeyRouter} from '../../source/ui/input/key-router.js';
import {useKeyReader} from '../../source/ui/input/use-key-reader.js';
import {delay, waitFor} from './fixtures.js';

// `w` in the login-token view never replaces an existing file silently (it may hold another user's
// or cluster's token): it asks, y replaces, n keeps. Real files, written as the console writes them.

/** Keys from ink's stdin to the router the overlays read, as the App does. */
function KeysToRouter() {
	const {keys} = useUiContext();
	useKeyReader(press => keys.dispatch(press, () => undefined));
	return null;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-token-'));
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

function context(): UiContextValue {
	return {
		keys: createKeyRouter(),
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

/** The console's own handle (app/token.ts) for a create-admin run on mgmt that produced a token. */
function handle(): TokenHandle {
	const plan = {cluster: 'mgmt', outputs: () => [{label: 'login token', value: 'new-token', secret: true}]} as unknown as Plan;
	return tokenHandle({cwd: dir, clipboard: () => undefined}, plan, 'mcm-user')!;
}

async function typeEnter(t: ReturnType<typeof renderLibrary>, target: string): Promise<void> {
	t.stdin.write('w');
	await waitFor(() => expect(t.lastFrame()).toContain(`› ${target}`));
	// The input subscribes to keys once it has mounted.
	await delay(100);
	t.stdin.write('\r');
}

describe('w on an existing token file', () => {
	test('asks first; n keeps the file as it was, y replaces it', async () => {
		const file = path.join(dir, 'mgmt-mcm-user.token');
		fs.writeFileSync(file, 'old-token\n', {mode: 0o600});
		const t = renderLibrary(
			<UiContext.Provider value={context()}>
				<KeysToRouter />
				<TokenView token={handle()} width={120} height={16} onClose={() => undefined} />
			</UiContext.Provider>,
		);
		await delay(20);
		await typeEnter(t, file);
		await waitFor(() => expect(t.lastFrame()).toContain(`${file} exists already: y replaces it, n keeps it`));
		expect(fs.readFileSync(file, 'utf8')).toBe('old-token\n');
		t.stdin.write('n');
		await waitFor(() => expect(t.lastFrame()).toContain(`${file} left as it was`));
		expect(fs.readFileSync(file, 'utf8')).toBe('old-token\n');

		await typeEnter(t, file);
		await waitFor(() => expect(t.lastFrame()).toContain('exists already'));
		t.stdin.write('y');
		await waitFor(() => expect(t.lastFrame()).toContain(`written to ${file} (mode 0600)`));
		expect(fs.readFileSync(file, 'utf8')).toBe('new-token\n');
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		t.unmount();
	});
});
