import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/mcm/plans/index.js';
import {versionItem} from '../../source/mcm/plans/join.js';
import {preflight} from '../../source/mcm/preflight.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';
import {planEnv, quietCtx, snapshot, type PlanTestEnv} from './env.js';

// J's preflight on versions: the management cluster is upgraded first, so a managed cluster newer
// than its management cluster is refused (both versions and the fix named); any other difference warns.

let fleet: TestFleet;
let env: PlanTestEnv;
beforeAll(async () => {
	fleet = await startTestFleet({managed: 0, standalone: 2, bare: 0, versions: {'standalone-1': '3.25', 'standalone-2': '3.23'}});
	env = planEnv(fleet);
});
afterAll(async () => {
	env?.close();
	await fleet?.stop();
});

describe('join preflight: version skew', () => {
	it('refuses a cluster newer than its management cluster, naming both versions and the fix, and changes nothing', async () => {
		const before = snapshot(fleet, 'mgmt');
		const checked = await preflight(buildPlan('join', {context: 'standalone-1', management: 'mgmt'}, env), quietCtx());
		expect(checked.ok).toBe(false);
		expect(checked.items.find(i => i.label === 'versions')).toEqual({
			label: 'versions', ok: false,
			message: 'standalone-1 runs v3.25.0, newer than its management cluster mgmt (v3.24.0)',
			fix: 'upgrade mgmt to v3.25.0 first (the management cluster is upgraded before its managed clusters), then join',
		});
		expect(snapshot(fleet, 'mgmt')).toBe(before);
	});

	it('warns on an older cluster and lets it go on', async () => {
		const checked = await preflight(buildPlan('join', {context: 'standalone-2', management: 'mgmt'}, env), quietCtx());
		expect(checked.items.find(i => i.label === 'versions')).toEqual({
			label: 'versions', ok: true, warning: true,
			message: 'standalone-2 runs v3.23.0, its management cluster mgmt runs v3.24.0: upgrade standalone-2 to v3.24.0 after joining',
		});
		expect(checked.ok).toBe(true);
	});

	it('says nothing about versions it cannot know, and that equal versions match', () => {
		expect(versionItem('c', undefined, 'm', 'v3.24.0')).toBeUndefined();
		expect(versionItem('c', 'v3.24.0', 'm', 'v3.24.0')).toEqual({label: 'versions', ok: true, message: 'c and m both run v3.24.0'});
	});
});
