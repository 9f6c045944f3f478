import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import {useUiContext} from './context.js';
import {clockTime, fit, oneLine, textWidth, truncate, wrapColumns} from './format.js';
import {consoleLineText, highlightParts, matchingLines} from './log-search.js';
import {logWindow} from './log-window.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {logTone, type Tone} from './theme.js';
import {useAppState, useUiState} from './use-store.js';

// The log pane: the console's own log, or the selected cluster's tigera-operator pod log (o). `/`
// searches it (matches highlighted, n / N move between them); zoomed (Z), long lines wrap instead
// of being cut, so they can be read whole.

/** One log line as the pane draws it: a muted head (time, cluster) and the text. */
type Entry = {abs: number; head: string; text: string; tone: Tone};

type Row = {key: string; head: string; text: string; tone: Tone; current: boolean};

/** The screen rows of the lines in the window: one each, or (zoomed) as many as their text needs. */
function rowsOf(entries: Entry[], width: number, size: number, follow: boolean, wrap: boolean, current: number | undefined, ellipsis: string): Row[] {
	const rows: Row[] = [];
	for (const e of entries) {
		const room = Math.max(1, width - textWidth(e.head));
		const text = oneLine(e.text);
		const pieces = wrap ? wrapColumns(text, room) : [truncate(text, room, ellipsis)];
		pieces.forEach((piece, i) => rows.push({key: `${e.abs}:${i}`, head: i === 0 ? e.head : ' '.repeat(textWidth(e.head)), text: piece, tone: e.tone, current: e.abs === current}));
	}
	// Following: the newest rows; paused: from the top line down.
	return follow ? rows.slice(Math.max(0, rows.length - size)) : rows.slice(0, size);
}

const LogRow = memo(function LogRow({row, query, width}: {row: Row; query: string; width: number}) {
	const {theme} = useUiContext();
	const pad = Math.max(0, width - textWidth(row.head) - textWidth(row.text));
	return (
		<Text wrap="truncate">
			<Text color={theme.tone(row.current ? 'accent' : 'muted')} bold={row.current}>
				{row.head}
			</Text>
			<Text color={theme.tone(row.tone)}>
				{highlightParts(row.text, query).map((p, i) =>
					p.hit ? (
						<Text key={i} inverse bold>
							{p.text}
						</Text>
					) : (
						p.text
					),
				)}
			</Text>
			{' '.repeat(pad)}
		</Text>
	);
});

function followPart(follow: boolean, newer: number): TitlePart {
	return follow ? {text: 'following', tone: 'good'} : {text: `paused${newer ? ` (${newer} newer)` : ''} ${'\u00b7'} f follows`, tone: 'warn'};
}

// The matches while no search is set: one array, so that the title's memo sees no change.
const noMatches: number[] = [];

/** `/text_` while typed; `search:text 3/12 · n/N` once set. */
function searchPart(editing: boolean, query: string, cursor: number, matches: number[], current: number | undefined): TitlePart {
	if (editing) {
		const chars = [...query];
		return {text: `/${cursor >= chars.length ? `${query}_` : `${chars.slice(0, cursor).join('')}|${chars.slice(cursor).join('')}`}`, tone: 'accent', bold: true};
	}
	if (!query) return {text: ''};
	if (matches.length === 0) return {text: `search:${query} no match`, tone: 'warn'};
	const i = current === undefined ? -1 : matches.indexOf(current);
	return {text: `search:${query} ${i === -1 ? '' : `${i + 1}/`}${matches.length} ${'\u00b7'} n/N`, tone: 'accent'};
}

function LogView({label, entries, count, searchTexts, dropped, extra, empty, width, height, focused}: {
	label: TitlePart[];
	entries: (start: number, end: number) => Entry[];
	/** How many lines the log holds. */
	count: number;
	/** The lines as searched, read only while a search is set. */
	searchTexts: () => readonly string[];
	dropped: number;
	extra?: TitlePart[];
	empty?: {text: string; tone: Tone};
	width: number;
	height: number;
	focused: boolean;
}) {
	const {theme, glyphs} = useUiContext();
	const follow = useUiState(s => s.logFollow);
	const top = useUiState(s => s.logTop);
	const zoomed = useUiState(s => s.zoomed && s.focus === 'log');
	const query = useUiState(s => s.logSearch);
	const editing = useUiState(s => s.logSearchEditing);
	const cursor = useUiState(s => s.logSearchCursor);
	const current = useUiState(s => s.logMatch);
	const size = Math.max(0, height - 1);
	const w = logWindow(count, dropped, size, follow, top);
	const matches = useMemo(() => (query ? matchingLines(searchTexts(), dropped, query) : noMatches), [searchTexts, dropped, query]);
	const rows = rowsOf(entries(w.start, w.end), width, size, follow, zoomed, query && !editing ? current : undefined, glyphs.ellipsis);
	const parts: TitlePart[] = [...label, searchPart(editing, query, cursor, matches, current), followPart(follow, w.newer), ...(extra ?? []), ...(zoomed ? [{text: 'zoomed · Z back', tone: 'accent' as const}] : [])];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Log" parts={parts} width={width} focused={focused} />
			{rows.map(r => (
				<LogRow key={r.key} row={r} query={query} width={width} />
			))}
			{count === 0 && size > 0 && empty ? (
				<Text wrap="truncate" color={theme.tone(empty.tone)}>
					{fit(empty.text, width)}
				</Text>
			) : null}
		</Box>
	);
}

function ConsoleLog(props: {width: number; height: number; focused: boolean}) {
	const {glyphs} = useUiContext();
	const log = useAppState(s => s.log);
	const dropped = useAppState(s => s.logDropped);
	// Each new line (most connection flips log one) gives a new log: mapping its 2,000 lines to their
	// search texts on every flip, searched or not, was ~0.4 ms and a 2,000-entry array of garbage.
	const texts = useMemo(() => () => log.map(consoleLineText), [log]);
	const entries = (start: number, end: number): Entry[] => {
		const visible = log.slice(start, end);
		const clusterWidth = props.width >= 60 ? Math.min(18, visible.reduce((m, l) => Math.max(m, (l.cluster ?? '-').length), 1)) : 0;
		return visible.map((l, i) => ({
			abs: dropped + start + i,
			head: `${clockTime(l.t)} ${clusterWidth ? fit(l.cluster ?? '-', clusterWidth, glyphs.ellipsis) + ' ' : ''}`,
			text: l.text,
			tone: logTone[l.level],
		}));
	};
	return <LogView {...props} label={[{text: 'console'}]} entries={entries} count={log.length} searchTexts={texts} dropped={dropped} empty={{text: 'Nothing logged yet.', tone: 'muted'}} />;
}

function OperatorLogView(props: {width: number; height: number; focused: boolean}) {
	const op = useUiState(s => s.operatorLog);
	const lines = useMemo(() => op?.lines ?? [], [op?.lines]);
	const linesOf = useMemo(() => () => lines, [lines]);
	const dropped = op?.dropped ?? 0;
	const entries = (start: number, end: number): Entry[] => lines.slice(start, end).map((l, i) => ({abs: dropped + start + i, head: '', text: l, tone: 'normal'}));
	return (
		<LogView
			{...props}
			label={[{text: `tigera-operator @ ${op?.cluster ?? '?'}`}, {text: op?.status ?? '', tone: op?.failed ? 'bad' : 'muted'}]}
			extra={[{text: 'o: console log', tone: 'muted'}]}
			entries={entries}
			count={lines.length}
			searchTexts={linesOf}
			dropped={dropped}
			empty={{text: op?.failed ? `No operator log: ${op.status}` : 'Waiting for the tigera-operator pod log...', tone: op?.failed ? 'bad' : 'muted'}}
		/>
	);
}

export function LogPane(props: {width: number; height: number; focused: boolean}) {
	const source = useUiState(s => s.logSource);
	return source === 'operator' ? <OperatorLogView {...props} /> : <ConsoleLog {...props} />;
}
