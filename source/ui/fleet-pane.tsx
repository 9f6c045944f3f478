import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import type {Cluster} from '../mcm/types.js';
import {useUiContext} from './context.js';
import {ageCell, apiCell, certCell, connectionCell, fleetColumns, managementCell, notesCell, rollupCell, treeIndent, type FleetColumns} from './fleet-columns.js';
import {fit, oneLine, textWidth} from './format.js';
import type {Glyphs} from './glyphs.js';
import {scrollTo} from './layout.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {healthTone, type Theme} from './theme.js';
import {useAgeOverlay, type SpanText} from './age-overlay.js';
import {useReportOnScreen} from './on-screen.js';
import {useFleetSelection, useUiState} from './use-store.js';
import type {FleetView} from '../store/selectors.js';

type RowProps = {
	cluster: Cluster;
	/** Tree layout: 1 = a managed row under its management row. */
	depth: number;
	/** Tree layout: shown only as the parent of a matching row. */
	context: boolean;
	cols: FleetColumns;
	width: number;
	now: number;
	selected: boolean;
	focused: boolean;
	marked: boolean;
	glyphs: Glyphs;
	theme: Theme;
};

/**
 * One span of a row. Memoised on its text and colour: a row that re-renders for one changed cell
 * (an age on the clock's 10 s marks) re-renders that cell's Text alone, and ink's other nodes of the
 * row are left as they were.
 */
const Span = memo(function Span({color, text}: {color?: string; text: string}) {
	return <Text color={color}>{text}</Text>;
});

/** The texts of a row that read the clock: the row re-renders for a new `now` only when one reads differently. */
function clockTexts(c: Cluster, now: number, glyphs: Glyphs, showErrorHere: boolean): string {
	return `${connectionCell(c, now, glyphs).text}\u0000${apiCell(c, now).text}\u0000${certCell(c, now).text}\u0000${ageCell(c, now).text}\u0000${rollupCell(c, showErrorHere, now).text}`;
}

/**
 * A row's clock texts, once per props object: the props compared as the new ones on one tick are the
 * old ones on the next (React keeps them), so each tick reads every row's clock once, not twice.
 */
const rowClockTexts = new WeakMap<RowProps, string>();
function clockTextsOf(p: RowProps): string {
	let texts = rowClockTexts.get(p);
	if (texts === undefined) rowClockTexts.set(p, (texts = clockTexts(p.cluster, p.now, p.glyphs, p.cols.error === 0)));
	return texts;
}

function sameRow(a: RowProps, b: RowProps): boolean {
	for (const key of Object.keys(b) as Array<keyof RowProps>) if (key !== 'now' && a[key] !== b[key]) return false;
	return a.now === b.now || clockTextsOf(a) === clockTextsOf(b);
}

/**
 * A row's spans, in order (null: a hidden column): what FleetRow draws, and what the age overlay
 * (age-overlay.ts) compares between two ticks to rewrite only the cells that changed.
 */
function rowSpans({cluster: c, depth, cols, width, now, selected, marked, glyphs, theme}: RowProps): SpanText[] {
	const e = glyphs.ellipsis;
	const conn = connectionCell(c, now, glyphs);
	const api = apiCell(c, now);
	const cert = certCell(c, now);
	const rollup = rollupCell(c, cols.error === 0, now);
	const notes = cols.error ? notesCell(c) : {text: '', tone: 'bad' as const};
	const cell = (w: number) => (w ? w + 1 : 0);
	const used = 3 + cols.name + 1 + cols.role + 1 + cell(cols.version) + cell(cols.management) + cell(cols.connection) + cell(cols.api) + cell(cols.cert) + cell(cols.age) + cols.tiger + (cols.error ? cols.error + 1 : 0);
	const indent = ' '.repeat(depth * treeIndent);
	return [
		{color: theme.tone('accent'), text: marked ? glyphs.mark : selected ? glyphs.cursor : ' '},
		{color: theme.tone(healthTone[c.health]), text: glyphs.health[c.health]},
		{text: ` ${fit(indent + c.name, cols.name, e)} `},
		{color: theme.tone(c.role === 'misconfigured' ? 'bad' : c.role === 'unknown' ? 'muted' : 'normal'), text: `${fit(c.role, cols.role, e)} `},
		cols.version ? {color: theme.tone(c.versionSkew ? (c.versionSkew.newer ? 'bad' : 'warn') : 'normal'), text: `${fit(c.version ?? '-', cols.version, e)} `} : null,
		cols.management ? {color: theme.tone(managementCell(c).tone), text: `${fit(managementCell(c).text, cols.management, e)} `} : null,
		{color: theme.tone(conn.tone), text: `${fit(conn.text, cols.connection, e)} `},
		{color: theme.tone(api.tone), text: `${fit(api.text, cols.api, e)} `},
		cols.cert ? {color: theme.tone(cert.tone), text: `${fit(cert.text, cols.cert, e)} `} : null,
		cols.age ? {text: `${fit(ageCell(c, now).text, cols.age, e)} `} : null,
		{color: theme.tone(rollup.tone), text: fit(oneLine(rollup.text), cols.tiger, e)},
		cols.error ? {color: theme.tone(notes.tone), text: ` ${fit(notes.text, cols.error, e)}`} : null,
		width > used ? {text: ' '.repeat(width - used)} : null,
	];
}

// One line per cluster, every cell cut to its column so the line never wraps.
const FleetRow = memo(function FleetRow(props: RowProps) {
	const {context, selected, focused} = props;
	return (
		<Text wrap="truncate" inverse={selected && focused} bold={selected && !focused} dimColor={context && !selected}>
			{rowSpans(props).map((span, k) => (span ? <Span key={k} color={span.color} text={span.text} /> : null))}
		</Text>
	);
}, sameRow);

type RowsProps = {visible: Cluster[]; view: FleetView; top: number; index: number; cols: FleetColumns; width: number; focused: boolean; marked: Record<string, unknown>; glyphs: Glyphs; theme: Theme};

/**
 * The rows on screen, with the clock: a tick that changes an age re-renders this and the rows whose
 * time texts changed, not the pane around them (its title, header, selection and scroll).
 */
function FleetRows({visible, view, top, index, cols, width, focused, marked, glyphs, theme}: RowsProps) {
	const {now, box} = useAgeOverlay(visible.flatMap(agesOf), t => rows.map(p => rowSpans({...p, now: t})));
	const rows: RowProps[] = visible.map((c, i) => ({
		cluster: c,
		depth: view.depth.get(c.id) ?? 0,
		context: view.context.has(c.id),
		cols,
		width,
		now,
		selected: top + i === index,
		focused,
		marked: Boolean(marked[c.id]),
		glyphs,
		theme,
	}));
	return (
		<Box ref={box} flexDirection="column">
			{rows.map(p => (
				<FleetRow key={p.cluster.id} {...p} />
			))}
		</Box>
	);
}

/** The moments the row's age cells count from: CONNECTED (the tunnel), API and AGE. */
function agesOf(c: Cluster): number[] {
	const out = [c.api.since];
	if (c.connection?.since !== undefined) out.push(c.connection.since);
	if (c.createdAt !== undefined) out.push(c.createdAt);
	return out;
}

// Rows are immutable: each name is measured once, not on every key typed into the filter.
const nameWidths = new WeakMap<Cluster, number>();
function nameWidth(c: Cluster): number {
	let width = nameWidths.get(c);
	if (width === undefined) nameWidths.set(c, (width = textWidth(c.name)));
	return width;
}

function header(cols: FleetColumns, width: number): string {
	const parts = [
		'   ',
		fit('NAME', cols.name),
		' ',
		fit('ROLE', cols.role),
		' ',
		cols.version ? fit('VERSION', cols.version) + ' ' : '',
		cols.management ? fit('MANAGEMENT', cols.management) + ' ' : '',
		fit('CONNECTED', cols.connection),
		' ',
		fit('API', cols.api),
		' ',
		cols.cert ? fit('CERT', cols.cert) + ' ' : '',
		cols.age ? fit('AGE', cols.age) + ' ' : '',
		fit('TIGERSTATUS', cols.tiger),
		cols.error ? ' ' + fit('NOTES', cols.error) : '',
	];
	return fit(parts.join(''), width);
}

/** The filter as typed, with the cursor: `_` at the end, `|` between characters. */
export function filterPrompt(filter: string, cursor: number): string {
	const chars = [...filter];
	return cursor >= chars.length ? `${filter}_` : `${chars.slice(0, cursor).join('')}|${chars.slice(cursor).join('')}`;
}

export function FleetPane({width, height, focused}: {width: number; height: number; focused: boolean}) {
	const {glyphs, theme} = useUiContext();
	const {view, index} = useFleetSelection();
	const fleetTop = useUiState(s => s.fleetTop);
	const marked = useUiState(s => s.marked);
	const sort = useUiState(s => s.sort);
	const sortDesc = useUiState(s => s.sortDesc);
	const filter = useUiState(s => s.filter);
	const filterEditing = useUiState(s => s.filterEditing);
	const filterCursor = useUiState(s => s.filterCursor);
	const unhealthyOnly = useUiState(s => s.unhealthyOnly);
	const layout = useUiState(s => s.layout);
	const longestName = useMemo(() => view.rows.reduce((m, c) => Math.max(m, nameWidth(c)), 4), [view.rows]);
	const longestManagement = useMemo(() => view.rows.reduce((m, c) => Math.max(m, textWidth(c.connection?.management ?? '')), 10), [view.rows]);
	const tree = layout === 'tree';
	const certs = useMemo(() => view.rows.some(c => c.cert !== undefined), [view.rows]);
	// The same object while the widths stay: every row on screen is memo()ed on it.
	const cols = useMemo(() => fleetColumns(width, longestName, {tree, longestManagement, certs}), [width, longestName, tree, longestManagement, certs]);
	const size = Math.max(0, height - 2);
	const top = scrollTo(fleetTop, index, size, view.rows.length);
	// Only the rows on screen become elements: 1,000 clusters cost what 20 do.
	const visible = view.rows.slice(top, top + size);
	useReportOnScreen(visible, view.rows[index]);
	const markedCount = Object.keys(marked).length;

	const parts: TitlePart[] = [
		{text: tree ? 'tree' : 'flat'},
		{text: `sort:${sort}${sortDesc ? glyphs.sortDesc : glyphs.sortAsc}`},
		filterEditing
			? {text: `/${filterPrompt(filter, filterCursor)}`, tone: 'accent', bold: true}
			: filter
				? {text: `filter:${filter}`, tone: 'accent'}
				: {text: ''},
		view.filterError ? {text: view.filterError, tone: 'bad'} : {text: ''},
		unhealthyOnly ? {text: 'unhealthy only', tone: 'warn'} : {text: ''},
		markedCount ? {text: `${markedCount} marked`, tone: 'accent'} : {text: ''},
	];
	const count = view.matched === view.total ? `${view.total}` : `${view.matched}/${view.total}`;
	const empty =
		view.total === 0
			? 'No clusters yet: reading the kubeconfig contexts...'
			: filter || unhealthyOnly
				? `No cluster matches${filter ? ` "${filter}"` : ''}${unhealthyOnly ? ' (unhealthy only: z shows all)' : ''}. esc clears the filter.`
				: '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label={`Fleet ${count}`} parts={parts} width={width} focused={focused} />
			<Text wrap="truncate" bold color={theme.tone('muted')}>
				{header(cols, width)}
			</Text>
			<FleetRows visible={visible} view={view} top={top} index={index} cols={cols} width={width} focused={focused} marked={marked} glyphs={glyphs} theme={theme} />
			{visible.length === 0 && size > 0 ? (
				<Text wrap="truncate" color={theme.tone('muted')}>
					{fit(empty, width)}
				</Text>
			) : null}
		</Box>
	);
}
