import {describe, expect, it} from 'vitest';
import {makeConnection} from '../../source/mcm/connection.js';
import {deriveHealth, type HealthInput} from '../../source/mcm/health.js';
import {rollup} from '../../source/mcm/rollup.js';
import {flattenTigerStatuses} from '../../source/mcm/tigerstatus.js';
import {tigerStatus} from './raw-builders.js';

const okStatuses = flattenTigerStatuses([tigerStatus('calico'), tigerStatus('apiserver')]);

function input(patch: Partial<HealthInput> = {}): HealthInput {
	const statuses = patch.statuses ?? okStatuses;
	return {role: 'standalone', api: {state: 'ok', since: 0}, statuses, rollup: rollup(statuses), connectionWasKnown: false, ...patch};
}

describe('deriveHealth', () => {
	it('is healthy when reachable with every component available, including clusters without Calico', () => {
		expect(deriveHealth(input())).toBe('healthy');
		expect(deriveHealth(input({role: 'not-installed', statuses: []}))).toBe('healthy');
	});

	it('is unreachable for unreachable, unauthorized and forbidden API states', () => {
		for (const state of ['unreachable', 'unauthorized', 'forbidden'] as const) expect(deriveHealth(input({api: {state, since: 0}}))).toBe('unreachable');
	});

	it('is pending while connecting or with an unknown role', () => {
		expect(deriveHealth(input({api: {state: 'connecting', since: 0}}))).toBe('pending');
		expect(deriveHealth(input({role: 'unknown', statuses: []}))).toBe('pending');
	});

	it('is degraded for a Degraded component or a misconfigured role; pending for a Progressing one', () => {
		const degraded = flattenTigerStatuses([tigerStatus('calico'), tigerStatus('compliance', 'degraded')]);
		expect(deriveHealth(input({statuses: degraded, rollup: rollup(degraded)}))).toBe('degraded');
		expect(deriveHealth(input({role: 'misconfigured'}))).toBe('degraded');
		const progressing = flattenTigerStatuses([tigerStatus('calico', 'progressing')]);
		expect(deriveHealth(input({statuses: progressing, rollup: rollup(progressing)}))).toBe('pending');
	});

	it('is disconnected when the management side says False, or Unknown after it was known', () => {
		const managed = {role: 'managed' as const};
		expect(deriveHealth(input({...managed, connection: makeConnection({fromManagement: 'False', fromManaged: 'True'})}))).toBe('disconnected');
		expect(deriveHealth(input({...managed, connection: makeConnection({fromManagement: 'Unknown'})}))).toBe('pending');
		expect(deriveHealth(input({...managed, connection: makeConnection({fromManagement: 'Unknown'}), connectionWasKnown: true}))).toBe('disconnected');
		expect(deriveHealth(input({...managed, connection: makeConnection({fromManagement: 'True', fromManaged: 'False'})}))).toBe('healthy');
	});

	it('falls back to the managed side when the management side cannot be read', () => {
		expect(deriveHealth(input({role: 'managed', connection: makeConnection({fromManaged: 'False'})}))).toBe('disconnected');
		expect(deriveHealth(input({role: 'managed', connection: makeConnection({fromManaged: 'True'})}))).toBe('healthy');
	});

	it('puts disconnected before degraded, and unreachable before everything', () => {
		const degraded = flattenTigerStatuses([tigerStatus('compliance', 'degraded')]);
		const connection = makeConnection({fromManagement: 'False'});
		expect(deriveHealth(input({role: 'managed', statuses: degraded, rollup: rollup(degraded), connection}))).toBe('disconnected');
		expect(deriveHealth(input({role: 'managed', connection, api: {state: 'unreachable', since: 0}}))).toBe('unreachable');
	});
});
