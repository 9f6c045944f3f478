import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {describeRef} from '../mcm/object-ref.js';
import {searchMatches, yamlLines} from '../store/inspect-selectors.js';
import type {YamlView} from '../store/inspect-slice.js';
import {useUiContext} from './context.js';
import {fit, oneLine} from './format.js';
import {LineInput} from './input/line-input.js';
import {lineAt} from './input/line-edit.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {useUiState} from './use-store.js';

// `y`: the live object as YAML (secrets masked, managedFields left out), over the panes. Pure view
// of the store's yamlView; keys are in inspect-keys.ts, the fetch in app/inspect-feed.ts.

/** A line with every occurrence of `query` (any case) shown inverse. */
function Highlighted({text, query, current}: {text: string; query: string; current: boolean}): ReactNode {
	const {theme} = useUiContext();
	if (!query) return <Text>{text}</Text>;
	const lower = text.toLowerCase();
	const q = query.toLowerCase();
	const parts: ReactNode[] = [];
	let at = 0;
	for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, at)) {
		if (i > at) parts.push(text.slice(at, i));
		parts.push(
			<Text key={i} inverse color={current ? theme.tone('accent') : undefined}>
				{text.slice(i, i + q.length)}
			</Text>,
		);
		at = i + q.length;
	}
	if (at < text.length) parts.push(text.slice(at));
	return <Text>{parts}</Text>;
}

/** `1 ManagedCluster`, `2 Installation`, ...: the objects tab and 1-5 switch between, the shown one bold. */
function tabs(view: YamlView): TitlePart[] {
	return view.targets.map((t, i) => ({text: `${i + 1} ${t.kind}`, tone: i === view.index ? 'accent' : 'muted', bold: i === view.index}));
}

export function YamlViewPane({width, height}: {width: number; height: number}) {
	const {theme, glyphs} = useUiContext();
	const view = useUiState(s => s.yamlView);
	if (!view) return null;
	const ref = view.targets[view.index]!;
	const lines = yamlLines(view);
	const rows = Math.max(1, height - 4);
	const top = Math.max(0, Math.min(view.top, lines.length - rows));
	const matches = view.search && !view.searchEditing ? new Set(searchMatches(lines, view.search)) : new Set<number>();
	const shown = lines.slice(top, top + rows);
	const position = lines.length > rows ? `${top + 1}-${Math.min(lines.length, top + rows)} of ${lines.length}` : `${lines.length} lines`;
	const parts: TitlePart[] = [{text: `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} on ${ref.context}`}, ...tabs(view), {text: 'secrets masked', tone: 'muted'}, ...(view.load.state === 'ok' ? [{text: position, tone: 'muted' as const}] : [])];
	let body: ReactNode;
	if (view.load.state === 'loading') body = <Text color={theme.tone('muted')}>{fit(`reading ${describeRef(ref)}${glyphs.ellipsis} (esc cancels)`, width)}</Text>;
	else if (view.load.state === 'error') {
		body = (
			<>
				<Text color={theme.tone('bad')} wrap="truncate">
					{fit(oneLine(view.load.error), width, glyphs.ellipsis)}
				</Text>
				{view.load.hint ? <Text color={theme.tone('warn')} wrap="truncate">{fit(`hint: ${oneLine(view.load.hint)}`, width, glyphs.ellipsis)}</Text> : null}
				<Text color={theme.tone('muted')} wrap="truncate">
					{fit('r tries again; tab shows another object; esc closes', width)}
				</Text>
			</>
		);
	} else {
		body = shown.map((line, i) => {
			const n = top + i;
			const text = fit(line, width, glyphs.ellipsis);
			return (
				<Text key={n} wrap="truncate">
					{matches.has(n) ? <Highlighted text={text} query={view.search} current={n === view.match} /> : text}
				</Text>
			);
		});
	}
	let status: ReactNode;
	if (view.searchEditing) {
		status = (
			<Box>
				<Text color={theme.tone('accent')}>/</Text>
				<LineInput line={lineAt(view.search, view.searchCursor)} width={width - 1} />
			</Box>
		);
	} else if (view.said) {
		status = <Text color={theme.tone(view.said.bad ? 'bad' : 'good')} wrap="wrap">{oneLine(view.said.text)}</Text>;
	} else status = null;
	const hints = `/ search ${glyphs.dot} n/N next/prev ${glyphs.dot} j/k PgUp/PgDn g/G scroll ${glyphs.dot} ${view.targets.length > 1 ? `tab/1-${view.targets.length} object ${glyphs.dot} ` : ''}c copy ${glyphs.dot} e events ${glyphs.dot} r reload ${glyphs.dot} esc/q close`;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="YAML" parts={parts} width={width} focused />
			<Box flexDirection="column" height={rows} overflow="hidden">
				{body}
			</Box>
			<Box height={2} overflow="hidden" flexDirection="column">
				{status}
			</Box>
			<Text color={theme.tone('muted')} wrap="truncate">
				{fit(hints, width, glyphs.ellipsis)}
			</Text>
		</Box>
	);
}
