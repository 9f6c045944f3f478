import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import type {Cluster} from '../mcm/types.js';
import {useUiContext} from './context.js';
import {connectionCell, errorText, fleetColumns, rollupCell, type FleetColumns} from './fleet-columns.js';
import {fit, oneLine, textWidth} from './format.js';
import type {Glyphs} from './glyphs.js';
import {scrollTo} from './layout.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {healthTone, type Theme} from './theme.js';
import {useAgeNow} from './age-clock.js';
import {useFleetSelection, useUiState} from './use-store.js';

type RowProps = {
	cluster: Cluster;
	cols: FleetColumns;
	width: number;
	now: number;
	selected: boolean;
	focused: boolean;
	marked: boolean;
	glyphs: Glyphs;
	theme: Theme;
};

// One line per cluster, every cell cut to its column so the line never wraps.
const FleetRow = memo(function FleetRow({cluster: c, cols, width, now, selected, focused, marked, glyphs, theme}: RowProps) {
	const e = glyphs.ellipsis;
	const conn = connectionCell(c, now, glyphs);
	const rollup = rollupCell(c, cols.error === 0);
	const error = cols.error ? errorText(c) : '';
	const used = 3 + cols.name + 1 + cols.role + 1 + (cols.version ? cols.version + 1 : 0) + cols.connection + 1 + cols.tiger + (cols.error ? cols.error + 1 : 0);
	return (
		<Text wrap="truncate" inverse={selected && focused} bold={selected && !focused}>
			<Text color={theme.tone('accent')}>{marked ? glyphs.mark : selected ? glyphs.cursor : ' '}</Text>
			<Text color={theme.tone(healthTone[c.health])}>{glyphs.health[c.health]}</Text>
			<Text> </Text>
			<Text>{fit(c.name, cols.name, e)} </Text>
			<Text color={theme.tone(c.role === 'misconfigured' ? 'bad' : c.role === 'unknown' ? 'muted' : 'normal')}>{fit(c.role, cols.role, e)} </Text>
			{cols.version ? <Text>{fit(c.version ?? '-', cols.version, e)} </Text> : null}
			<Text color={theme.tone(conn.tone)}>{fit(conn.text, cols.connection, e)} </Text>
			<Text color={theme.tone(rollup.tone)}>{fit(oneLine(rollup.text), cols.tiger, e)}</Text>
			{cols.error ? <Text color={theme.tone('bad')}> {fit(error, cols.error, e)}</Text> : null}
			{width > used ? <Text>{' '.repeat(width - used)}</Text> : null}
		</Text>
	);
});

/** The moment the CONNECTED cell's age counts from. */
function ageSince(c: Cluster): number {
	return c.api.state === 'ok' ? c.connection?.since ?? c.api.since : c.api.since;
}

function header(cols: FleetColumns, width: number): string {
	const parts = [
		'   ',
		fit('NAME', cols.name),
		' ',
		fit('ROLE', cols.role),
		' ',
		cols.version ? fit('VERSION', cols.version) + ' ' : '',
		fit('CONNECTED', cols.connection),
		' ',
		fit('TIGERSTATUS', cols.tiger),
		cols.error ? ' ' + fit('LAST ERROR', cols.error) : '',
	];
	return fit(parts.join(''), width);
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
	const unhealthyOnly = useUiState(s => s.unhealthyOnly);
	const longestName = useMemo(() => view.rows.reduce((m, c) => Math.max(m, textWidth(c.name)), 4), [view.rows]);
	const cols = fleetColumns(width, longestName);
	const size = Math.max(0, height - 2);
	const top = scrollTo(fleetTop, index, size, view.rows.length);
	// Only the rows on screen become elements: 1,000 clusters cost what 20 do.
	const visible = view.rows.slice(top, top + size);
	const now = useAgeNow(visible.map(ageSince));
	const markedCount = Object.keys(marked).length;

	const parts: TitlePart[] = [
		{text: `sort:${sort}${sortDesc ? glyphs.sortDesc : glyphs.sortAsc}`},
		filterEditing
			? {text: `/${filter}_`, tone: 'accent', bold: true}
			: filter
				? {text: `filter:${filter}`, tone: 'accent'}
				: {text: ''},
		view.filterError ? {text: view.filterError, tone: 'bad'} : {text: ''},
		unhealthyOnly ? {text: 'unhealthy only', tone: 'warn'} : {text: ''},
		markedCount ? {text: `${markedCount} marked`, tone: 'accent'} : {text: ''},
	];
	const count = view.rows.length === view.total ? `${view.total}` : `${view.rows.length}/${view.total}`;
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
			{visible.map((c, i) => (
				<FleetRow
					key={c.id}
					cluster={c}
					cols={cols}
					width={width}
					now={now}
					selected={top + i === index}
					focused={focused}
					marked={Boolean(marked[c.id])}
					glyphs={glyphs}
					theme={theme}
				/>
			))}
			{visible.length === 0 && size > 0 ? (
				<Text wrap="truncate" color={theme.tone('muted')}>
					{fit(empty, width)}
				</Text>
			) : null}
		</Box>
	);
}
