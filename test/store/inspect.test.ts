import {describe, expect, test} from 'vitest';
import {objectYaml} from '../../source/app/object-yaml.js';
import {eventRow, sortEvents} from '../../source/mcm/events.js';
import {clusterObjects, objectPath, objectRef} from '../../source/mcm/object-ref.js';
import type {Cluster, RunProgress} from '../../source/mcm/types.js';
import {nextMatch, searchMatches, topShowing, yamlLines} from '../../source/store/inspect-selectors.js';
import {createUiStore} from '../../source/store/ui-store.js';
import {stepObject} from '../../source/ui/inspect-keys.js';

const api = {state: 'ok' as const, since: 0};
const rollup = {available: 0, total: 0, degraded: [], progressing: []};
const row = (patch: Partial<Cluster> & {role: Cluster['role']}): Cluster => ({id: 'c', name: 'c', context: 'c', remoteOnly: false, api, rollup, health: 'healthy', ...patch}) as Cluster;

describe('the objects behind a row', () => {
	test('a managed row: its ManagedCluster on the management cluster, its connection, its Installation', () => {
		const refs = clusterObjects(row({id: 'm1', name: 'm1', context: 'm1', role: 'managed', connection: {management: 'mgmt', managedName: 'm1', disagree: false}}));
		expect(refs.map(r => `${r.context} ${r.kind} ${r.name}`)).toEqual(['mgmt ManagedCluster m1', 'm1 ManagementClusterConnection tigera-secure', 'm1 Installation default']);
		expect(objectPath(refs[0]!)).toBe('/apis/projectcalico.org/v3/managedclusters/m1');
		expect(objectPath(refs[1]!)).toBe('/apis/operator.tigera.io/v1/managementclusterconnections/tigera-secure');
	});

	test('a management row, a remote-only row, a bare cluster', () => {
		expect(clusterObjects(row({role: 'management'})).map(r => r.kind)).toEqual(['ManagementCluster', 'Installation']);
		const remote = {id: 'mgmt/far', name: 'far', remoteOnly: true, role: 'managed', api, rollup, health: 'healthy', connection: {management: 'mgmt', managedName: 'far', disagree: false}} as Cluster;
		expect(clusterObjects(remote).map(r => `${r.context} ${r.kind} ${r.name}`)).toEqual(['mgmt ManagedCluster far']);
		expect(clusterObjects(row({role: 'not-installed'}))).toEqual([]);
	});

	test("a step's object: the running or failed one's, else the last started one that has one", () => {
		const mc = objectRef('mgmt', 'managedClusters', 'm1');
		const mcc = objectRef('m1', 'managementClusterConnections');
		const step = (id: string, state: RunProgress['steps'][number]['state'], object?: typeof mc, startedAt?: number) => ({id, title: id, kubectl: '', state, skippable: false, startedAt, ...(object ? {object} : {})});
		const run = (steps: RunProgress['steps']): RunProgress => ({id: 'r', plan: 'join', cluster: 'm1', title: 'join', state: 'running', steps, startedAt: 0});
		expect(stepObject(run([step('a', 'done', mc, 1), step('b', 'running', mcc, 2)]))).toEqual(mcc);
		expect(stepObject(run([step('a', 'done', mc, 1), step('b', 'running', undefined, 2)]))).toEqual(mc);
		expect(stepObject(run([step('a', 'failed', undefined, 1), step('b', 'pending', mcc)]))).toEqual(mcc);
		expect(stepObject(run([step('a', 'done')]))).toBeUndefined();
		expect(stepObject(undefined)).toBeUndefined();
	});
});

describe('YAML view state', () => {
	test('kubectl -o yaml form: sorted keys, no managedFields, double quotes, secrets masked', () => {
		const text = objectYaml({
			kind: 'ManagedCluster',
			apiVersion: 'projectcalico.org/v3',
			metadata: {name: 'm1', managedFields: [{manager: 'x'}], annotations: {note: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl'}},
			spec: {installationManifest: 'apiVersion: v1\nkind: Secret', certificate: 'LS0tLS1CRUdJTg=='},
			status: {conditions: [{type: 'ManagedClusterConnected', status: 'True'}]},
		});
		expect(text).not.toContain('managedFields');
		expect(text.split('\n')[0]).toBe('apiVersion: projectcalico.org/v3');
		expect(text).toContain('  - status: "True"');
		expect(text).not.toContain('eyJzdWIiOiJhZG1pbiJ9');
		expect(text).not.toContain('kind: Secret');
		expect(text).toMatch(/installationManifest: <installationManifest masked, \d+ chars>/);
		expect(text).toMatch(/certificate: <certificate masked, \d+ chars>/);
	});

	test('search matches any case; n/N wrap; the match is scrolled into view', () => {
		const lines = ['apiVersion: v1', 'kind: ManagedCluster', 'metadata:', '  name: managed-1', 'status: {}'];
		const m = searchMatches(lines, 'MANAGED');
		expect(m).toEqual([1, 3]);
		expect(searchMatches(lines, '')).toEqual([]);
		expect(nextMatch(m, 0, 1, true)).toEqual({line: 1, wrapped: false});
		expect(nextMatch(m, 1, 1)).toEqual({line: 3, wrapped: false});
		expect(nextMatch(m, 3, 1)).toEqual({line: 1, wrapped: true});
		expect(nextMatch(m, 1, -1)).toEqual({line: 3, wrapped: true});
		expect(nextMatch([], 0, 1)).toBeUndefined();
		expect(topShowing(50, 0, 10, 100)).toBe(47);
		expect(topShowing(5, 0, 10, 100)).toBe(0);
		expect(topShowing(99, 0, 10, 100)).toBe(90);
	});

	test('switching objects refetches and ignores the late answer of the one before', () => {
		const ui = createUiStore();
		ui.getState().openYaml([objectRef('a', 'installations'), objectRef('a', 'managementClusters')]);
		const first = ui.getState().yamlView!.seq;
		ui.getState().patchYaml({search: 'addr'});
		ui.getState().switchYaml(1);
		const second = ui.getState().yamlView!;
		expect(second.index).toBe(1);
		expect(second.search).toBe('addr');
		ui.getState().yamlLoaded(first, {state: 'ok', text: 'kind: Installation\n'});
		expect(ui.getState().yamlView!.load.state).toBe('loading');
		ui.getState().yamlLoaded(second.seq, {state: 'ok', text: 'kind: ManagementCluster\n'});
		expect(yamlLines(ui.getState().yamlView!)).toEqual(['kind: ManagementCluster']);
		ui.getState().switchYaml(2);
		expect(ui.getState().yamlView!.index).toBe(0);
		ui.getState().closeYaml();
		expect(ui.getState().yamlView).toBeUndefined();
	});
});

describe('Events rows', () => {
	test('newest first by last seen; count and object as kubectl events shows them', () => {
		const ev = (name: string, last: string, extra: object = {}) => ({metadata: {name, namespace: 'calico-system', uid: name}, involvedObject: {kind: 'Pod', name: 'guardian-x'}, reason: 'Started', type: 'Normal', lastTimestamp: last, ...extra});
		const rows = sortEvents([ev('a', '2026-01-01T00:00:01Z'), ev('b', '2026-01-01T00:00:03Z', {count: 4}), ev('c', '', {eventTime: '2026-01-01T00:00:02.000000Z', series: {count: 7, lastObservedTime: '2026-01-01T00:00:05.000000Z'}})].map(eventRow));
		expect(rows.map(r => r.key)).toEqual(['c', 'b', 'a']);
		expect(rows.map(r => r.count)).toEqual([7, 4, 1]);
		expect(rows[0]!.object).toBe('Pod/guardian-x');
	});

	test('a late list of a closed Events view is ignored', () => {
		const ui = createUiStore();
		ui.getState().openEvents({context: 'a', title: 'a', namespaces: ['tigera-operator']});
		const seq = ui.getState().eventsView!.seq;
		ui.getState().openEvents({context: 'b', title: 'b', namespaces: ['tigera-operator']});
		ui.getState().eventsRows(seq, [eventRow({metadata: {name: 'x'}})]);
		expect(ui.getState().eventsView!.rows).toEqual([]);
	});
});
