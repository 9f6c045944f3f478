import {describe, expect, it} from 'vitest';
import {rollup, unavailableIdle} from '../../source/mcm/rollup.js';
import {flattenTigerStatus, flattenTigerStatuses} from '../../source/mcm/tigerstatus.js';
import {selectSortedStatuses} from '../../source/store/selectors.js';
import {tigerStatus} from './raw-builders.js';

describe('TigerStatus flattening', () => {
	it('flattens the three conditions and takes reason/message from Degraded when it is true', () => {
		const s = flattenTigerStatus(tigerStatus('compliance', 'degraded', 'Error querying Elasticsearch'));
		expect(s).toMatchObject({name: 'compliance', available: 'False', progressing: 'False', degraded: 'True', reason: 'ResourceDegraded', message: 'Error querying Elasticsearch'});
		expect(s.since).toBe(Date.parse('2026-01-02T00:00:00Z'));
	});

	it('treats missing or malformed conditions as Unknown', () => {
		const s = flattenTigerStatus({metadata: {name: 'x'}, status: {conditions: [{type: 'Available', status: 'maybe'}, 'junk', {status: 'True'}]}});
		expect(s).toMatchObject({available: 'Unknown', progressing: 'Unknown', degraded: 'Unknown'});
		expect(flattenTigerStatus({metadata: {name: 'y'}})).toMatchObject({available: 'Unknown'});
	});

	it('reads the first condition of each type, and dates the row by the latest transition of any condition', () => {
		const s = flattenTigerStatus({
			metadata: {name: 'apiserver'},
			status: {
				conditions: [
					{type: 'Progressing', status: 'True', reason: 'Rolling', message: 'rolling out', lastTransitionTime: '2026-01-02T00:00:00Z'},
					{type: 'Progressing', status: 'False', reason: 'Later', lastTransitionTime: '2026-01-01T00:00:00Z'},
					{type: 'Custom', status: 'True', lastTransitionTime: '2026-03-01T00:00:00+01:00'},
					{type: 'Available', status: 'True', lastTransitionTime: 'not a time'},
				],
			},
		});
		expect(s).toEqual({name: 'apiserver', available: 'True', progressing: 'True', degraded: 'Unknown', reason: 'Rolling', message: 'rolling out', since: Date.parse('2026-02-28T23:00:00Z')});
		// The same timestamps again, and then others: each read as itself.
		const again = flattenTigerStatus(tigerStatus('compliance', 'degraded', 'x'));
		expect(again.since).toBe(Date.parse('2026-01-02T00:00:00Z'));
	});

	it('sorts Degraded first, then Progressing, then by name', () => {
		const list = flattenTigerStatuses([
			tigerStatus('apiserver'),
			tigerStatus('tiers', 'progressing'),
			tigerStatus('calico'),
			tigerStatus('monitor', 'degraded'),
			tigerStatus('compliance', 'degraded'),
		]);
		expect(list.map(s => s.name)).toEqual(['compliance', 'monitor', 'tiers', 'apiserver', 'calico']);
	});

	it('puts a component that is down but not progressing above one still rolling out, as the components pane does', () => {
		const objects = [tigerStatus('apiserver', 'progressing'), tigerStatus('calico'), tigerStatus('monitor', 'unavailable'), tigerStatus('tiers', 'degraded')];
		const list = flattenTigerStatuses(objects);
		expect(list.map(s => s.name)).toEqual(['tiers', 'monitor', 'apiserver', 'calico']);
		// `status --json` prints the domain's order, the pane sorts for itself: one order for both.
		expect(selectSortedStatuses([...list].reverse())).toEqual(list);
	});
});

describe('rollup', () => {
	it('counts available components and names the degraded and progressing ones', () => {
		const list = flattenTigerStatuses([tigerStatus('a'), tigerStatus('b', 'degraded'), tigerStatus('c', 'progressing'), tigerStatus('d')]);
		expect(rollup(list)).toEqual({available: 3, total: 4, degraded: ['b'], progressing: ['c']});
	});

	it('is 0/0 with no statuses, and finds components that are merely not available', () => {
		expect(rollup([])).toEqual({available: 0, total: 0, degraded: [], progressing: []});
		const list = flattenTigerStatuses([tigerStatus('a', 'unavailable'), tigerStatus('b', 'degraded')]);
		expect(unavailableIdle(list)).toEqual(['a']);
	});
});
