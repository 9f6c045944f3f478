import {Box, Text} from 'ink';
import {memo} from 'react';
import type {LogLine} from '../mcm/types.js';
import {useUiContext} from './context.js';
import {clockTime, fit, oneLine} from './format.js';
import {logWindow} from './log-window.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {logTone} from './theme.js';
import {useAppState, useUiState} from './use-store.js';

const ConsoleLine = memo(function ConsoleLine({line, clusterWidth, width}: {line: LogLine; clusterWidth: number; width: number}) {
	const {theme, glyphs} = useUiContext();
	const head = `${clockTime(line.t)} ${clusterWidth ? fit(line.cluster ?? '-', clusterWidth, glyphs.ellipsis) + ' ' : ''}`;
	return (
		<Text wrap="truncate">
			<Text color={theme.tone('muted')}>{head}</Text>
			<Text color={theme.tone(logTone[line.level])}>{fit(oneLine(line.text), Math.max(0, width - head.length), glyphs.ellipsis)}</Text>
		</Text>
	);
});

function followPart(follow: boolean, newer: number): TitlePart {
	return follow ? {text: 'following', tone: 'good'} : {text: `paused${newer ? ` (${newer} newer)` : ''} ${'\u00b7'} f follows`, tone: 'warn'};
}

function ConsoleLog({width, height, focused}: {width: number; height: number; focused: boolean}) {
	const {theme} = useUiContext();
	const log = useAppState(s => s.log);
	const dropped = useAppState(s => s.logDropped);
	const follow = useUiState(s => s.logFollow);
	const top = useUiState(s => s.logTop);
	const size = Math.max(0, height - 1);
	const w = logWindow(log.length, dropped, size, follow, top);
	const visible = log.slice(w.start, w.end);
	const clusterWidth = width >= 60 ? Math.min(18, visible.reduce((m, l) => Math.max(m, (l.cluster ?? '-').length), 1)) : 0;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Log" parts={[{text: 'console'}, followPart(follow, w.newer)]} width={width} focused={focused} />
			{visible.map((l, i) => (
				<ConsoleLine key={dropped + w.start + i} line={l} clusterWidth={clusterWidth} width={width} />
			))}
			{log.length === 0 && size > 0 ? (
				<Text wrap="truncate" color={theme.tone('muted')}>
					{fit('Nothing logged yet.', width)}
				</Text>
			) : null}
		</Box>
	);
}

function OperatorLogView({width, height, focused}: {width: number; height: number; focused: boolean}) {
	const {theme, glyphs} = useUiContext();
	const op = useUiState(s => s.operatorLog);
	const follow = useUiState(s => s.logFollow);
	const top = useUiState(s => s.logTop);
	const size = Math.max(0, height - 1);
	const lines = op?.lines ?? [];
	const w = logWindow(lines.length, op?.dropped ?? 0, size, follow, top);
	const parts: TitlePart[] = [
		{text: `tigera-operator @ ${op?.cluster ?? '?'}`},
		{text: op?.status ?? '', tone: op?.failed ? 'bad' : 'muted'},
		followPart(follow, w.newer),
		{text: 'o: console log', tone: 'muted'},
	];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Log" parts={parts} width={width} focused={focused} />
			{lines.slice(w.start, w.end).map((l, i) => (
				<Text key={(op?.dropped ?? 0) + w.start + i} wrap="truncate">
					{fit(oneLine(l), width, glyphs.ellipsis)}
				</Text>
			))}
			{lines.length === 0 && size > 0 ? (
				<Text wrap="truncate" color={theme.tone(op?.failed ? 'bad' : 'muted')}>
					{fit(op?.failed ? `No operator log: ${op.status}` : 'Waiting for the tigera-operator pod log...', width)}
				</Text>
			) : null}
		</Box>
	);
}

export function LogPane(props: {width: number; height: number; focused: boolean}) {
	const source = useUiState(s => s.logSource);
	return source === 'operator' ? <OperatorLogView {...props} /> : <ConsoleLog {...props} />;
}
