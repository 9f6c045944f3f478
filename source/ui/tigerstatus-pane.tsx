import {matchedByText} from '../mcm/managed-identity.js';
import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import type {Cluster, TigerStatus} from '../mcm/types.js';
import {selectSortedStatuses} from '../store/selectors.js';
import {useUiContext} from './context.js';
import {errorText, tunnelNotes} from './fleet-columns.js';
import {age, fit, oneLine} from './format.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {conditionTone, type Theme, type Tone} from './theme.js';
import type {Glyphs} from './glyphs.js';
import {useAgeOverlay, type SpanText} from './age-overlay.js';
import {useAppState, useFleetSelection, useUiState} from './use-store.js';
import {statusIndex} from './inspect-keys.js';
import {scrollTo} from './layout.js';

type Note = {text: string; tone: Tone};

/** Every moment an age on this pane counts from (notes and the AGE column). */
function ageSinces(c: Cluster | undefined, statuses: readonly TigerStatus[]): number[] {
	if (!c) return [];
	const sinces = [c.api.since];
	if (c.connection?.since !== undefined) sinces.push(c.connection.since);
	for (const s of statuses) if (s.since !== undefined) sinces.push(s.since);
	return sinces;
}

/** Lines above the table: why the statuses may be stale, or what the tunnel says. */
function notes(c: Cluster, now: number): Note[] {
	const out: Note[] = [];
	if (c.remoteOnly) out.push({text: 'remote-only managed cluster: no kubeconfig context, so its own TigerStatus is not readable', tone: 'muted'});
	if (c.api.state !== 'ok') {
		const err = errorText(c);
		out.push({
			text: `API ${c.api.state} for ${age(now - c.api.since)}${err && err !== c.api.state ? `: ${err}` : ''}${c.rollup.total ? ' (statuses below are the last known)' : ''}`,
			tone: c.api.state === 'connecting' ? 'warn' : 'bad',
		});
	}
	const conn = c.connection;
	if (conn) {
		const from = conn.fromManagement ?? 'Unknown';
		const text =
			`tunnel to ${conn.management ?? 'management cluster'}` +
			(conn.managedName && conn.matchedBy && !c.remoteOnly ? ` (ManagedCluster ${conn.managedName}, ${matchedByText[conn.matchedBy]})` : '') +
			`: ManagedClusterConnected ${from}` +
			(conn.since === undefined ? '' : ` for ${age(now - conn.since)}`) +
			(conn.message ? `: ${conn.message}` : '') +
			(conn.fromManaged ? `; guardian Available ${conn.fromManaged}` : '') +
			(conn.disagree ? ' (the ends disagree)' : '');
		out.push({text: oneLine(text), tone: from === 'True' && !conn.disagree ? 'good' : from === 'False' ? 'bad' : 'warn'});
	}
	out.push(...tunnelNotes(c));
	return out;
}

type Cols = {name: number; flag: number; age: number; reason: number; message: number};

/** Columns for the pane width and the longest component name; narrow panes join reason and message. */
function columns(width: number, longestName: number): Cols {
	const name = Math.max(10, Math.min(longestName, 30, Math.floor(width * 0.3)));
	const flag = 5;
	const ageW = 4;
	const rest = Math.max(0, width - (2 + name + 1 + (flag + 1) * 3 + ageW + 1));
	if (rest < 48) return {name, flag, age: ageW, reason: rest, message: 0};
	const reason = Math.min(24, Math.floor(rest * 0.3));
	return {name, flag, age: ageW, reason, message: rest - reason - 1};
}

function headerLine(cols: Cols, width: number): string {
	return fit(
		'  ' +
			fit('COMPONENT', cols.name) +
			' ' +
			fit('AVAIL', cols.flag) +
			' ' +
			fit('PROG', cols.flag) +
			' ' +
			fit('DEGR', cols.flag) +
			' ' +
			fit('AGE', cols.age) +
			' ' +
			fit(cols.message ? 'REASON' : 'REASON: MESSAGE', cols.reason) +
			(cols.message ? ' ' + fit('MESSAGE', cols.message) : ''),
		width,
	);
}

type StatusRowProps = {s: TigerStatus; cols: Cols; now: number; width: number; current: boolean};

/** The AGE cell's text: the only one of a row that reads the clock. */
const statusAge = (s: TigerStatus, now: number) => (s.since === undefined ? '-' : age(now - s.since));

/** A row re-renders for a new `now` only when its age reads differently (the fleet pane's rows do the same). */
function sameStatusRow(a: StatusRowProps, b: StatusRowProps): boolean {
	return a.s === b.s && a.cols === b.cols && a.width === b.width && a.current === b.current && (a.now === b.now || statusAge(a.s, a.now) === statusAge(b.s, b.now));
}

/** A row's spans, in order: what StatusRow draws, and what the age overlay compares between two ticks. */
function statusSpans({s, cols, now, width, current}: StatusRowProps, theme: Theme, glyphs: Glyphs): SpanText[] {
	const e = glyphs.ellipsis;
	const degraded = s.degraded === 'True';
	const glyph = degraded ? glyphs.health.degraded : s.available === 'True' ? glyphs.health.healthy : glyphs.health.pending;
	const glyphTone: Tone = degraded ? 'bad' : s.available === 'True' ? 'good' : 'warn';
	const used = 2 + cols.name + 1 + (cols.flag + 1) * 3 + cols.age + 1 + cols.reason + (cols.message ? cols.message + 1 : 0);
	return [
		{color: theme.tone(glyphTone), text: `${glyph} `},
		{color: degraded ? theme.tone('bad') : undefined, inverse: current, text: fit(s.name, cols.name, e)},
		{text: ' '},
		{color: theme.tone(conditionTone('available', s.available)), text: `${fit(s.available, cols.flag)} `},
		{color: theme.tone(conditionTone('progressing', s.progressing)), text: `${fit(s.progressing, cols.flag)} `},
		{color: theme.tone(conditionTone('degraded', s.degraded)), text: `${fit(s.degraded, cols.flag)} `},
		{text: `${fit(statusAge(s, now), cols.age)} `},
		{color: degraded ? theme.tone('bad') : undefined, text: fit(oneLine(cols.message ? s.reason ?? '' : [s.reason, s.message].filter(Boolean).join(': ')), cols.reason, e)},
		cols.message ? {color: degraded ? theme.tone('bad') : theme.tone('muted'), text: ` ${fit(oneLine(s.message ?? ''), cols.message, e)}`} : null,
		width > used ? {text: ' '.repeat(width - used)} : null,
	];
}

const StatusRow = memo(function StatusRow(props: StatusRowProps) {
	const {theme, glyphs} = useUiContext();
	return (
		<Text wrap="truncate" bold={props.s.degraded === 'True'}>
			{statusSpans(props, theme, glyphs).map((span, k) =>
				span ? (
					<Text key={k} color={span.color} inverse={span.inverse}>
						{span.text}
					</Text>
				) : null,
			)}
		</Text>
	);
}, sameStatusRow);

/** A line above the table; memoised on its text, so that a tick that moves another age leaves it alone. */
const NoteLine = memo(function NoteLine({text, color, width}: {text: string; color?: string; width: number}) {
	return (
		<Text wrap="truncate" color={color}>
			{fit(text, width)}
		</Text>
	);
});

type BodyProps = {selected: Cluster | undefined; sorted: TigerStatus[]; visible: TigerStatus[]; top: number; cursor: number; size: number; cols: Cols; width: number; focused: boolean};

/**
 * The notes and rows, with the clock: an age tick re-renders this and what reads differently (a
 * note's "for 2m", a row's AGE), not the pane's title, header, sort and scroll around them.
 */
function TigerStatusBody({selected, sorted, visible, top, cursor, size, cols, width, focused}: BodyProps) {
	const {theme, glyphs} = useUiContext();
	const rowsAt = (t: number) => visible.map((s, i): StatusRowProps => ({s, cols, now: t, width, current: focused && top + i === cursor}));
	// A note is one text in its line's own colour; its span is that text as NoteLine fits it.
	const notesAt = (t: number) => (selected ? notes(selected, t).slice(0, size) : []);
	const {now, box} = useAgeOverlay(ageSinces(selected, sorted), t => [
		...notesAt(t).map(n => [{color: theme.tone(n.tone), text: fit(n.text, width)}]),
		...rowsAt(t).map(p => statusSpans(p, theme, glyphs)),
	]);
	return (
		<Box ref={box} flexDirection="column">
			{notesAt(now).map((n, i) => (
				<NoteLine key={`n${i}`} text={n.text} color={theme.tone(n.tone)} width={width} />
			))}
			{rowsAt(now).map(p => (
				// The component under the cursor (y shows it) is marked while the pane has focus.
				<StatusRow key={p.s.name} {...p} />
			))}
		</Box>
	);
}

export function TigerStatusPane({width, height, focused}: {width: number; height: number; focused: boolean}) {
	const {theme} = useUiContext();
	const {selected} = useFleetSelection();
	const list = useAppState(s => (selected ? s.statuses[selected.id] : undefined));
	const statusTop = useUiState(s => s.statusTop);
	const statusCursor = useUiState(s => s.statusCursor);
	const sorted = selectSortedStatuses(list);
	const size = Math.max(0, height - 2);

	const parts: TitlePart[] = [];
	if (selected) {
		parts.push({text: [selected.name, selected.role, selected.version].filter(Boolean).join(' ')});
		const degraded = sorted.filter(s => s.degraded === 'True').length;
		const available = sorted.filter(s => s.available === 'True').length;
		if (sorted.length) parts.push({text: `${available}/${sorted.length} available${degraded ? `, ${degraded} degraded` : ''}`, tone: degraded ? 'bad' : 'normal'});
	}
	const longestName = sorted.reduce((m, s) => Math.max(m, s.name.length), 9);
	// The same object while the widths stay: every row on screen is memo()ed on it.
	const cols = useMemo(() => columns(width, longestName), [width, longestName]);
	// How many lines the notes take does not depend on the clock (their texts do: TigerStatusBody).
	const leadLines = selected ? notes(selected, 0).length : 0;
	const tableRows = Math.max(0, size - leadLines);
	const cursor = statusIndex(statusCursor, sorted.length);
	// The cursor stays in view (the notes above the table may take rows the key handler did not count).
	const top = scrollTo(Math.max(0, Math.min(statusTop, Math.max(0, sorted.length - tableRows))), cursor, tableRows, sorted.length);
	const visible = sorted.slice(top, top + tableRows);
	let emptyText = '';
	if (!selected) emptyText = 'No cluster selected.';
	else if (sorted.length === 0)
		emptyText = selected.role === 'not-installed' ? 'Calico Enterprise is not installed on this cluster.' : selected.api.state === 'ok' ? 'No TigerStatus objects (yet).' : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="TigerStatus" parts={parts} width={width} focused={focused} />
			<Text wrap="truncate" bold color={theme.tone('muted')}>
				{headerLine(cols, width)}
			</Text>
			<TigerStatusBody selected={selected} sorted={sorted} visible={visible} top={top} cursor={cursor} size={size} cols={cols} width={width} focused={focused} />
			{emptyText && tableRows > 0 ? (
				<Text wrap="truncate" color={theme.tone('muted')}>
					{fit(emptyText, width)}
				</Text>
			) : null}
		</Box>
	);
}
