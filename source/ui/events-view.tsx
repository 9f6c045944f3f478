import {Box, Text} from 'ink';
import type {EventRow} from '../mcm/events.js';
import {useAgeNow} from './age-clock.js';
import {useUiContext} from './context.js';
import {age, fit, oneLine} from './format.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import {useUiState} from './use-store.js';

// `e`: Kubernetes Events, newest first, as `kubectl events` lists them (TYPE, REASON, OBJECT, AGE
// since last seen, COUNT, MESSAGE), following: new ones appear at the top. Pure view of the store's
// eventsView; the list+watch is in app/inspect-feed.ts.

type Cols = {type: number; reason: number; object: number; age: number; count: number; message: number};

export function eventColumns(width: number, rows: readonly EventRow[]): Cols {
	const longest = (f: (r: EventRow) => string, min: number, max: number) => Math.max(min, Math.min(max, Math.max(0, ...rows.map(r => f(r).length))));
	const type = 7;
	const reason = longest(r => r.reason, 6, 22);
	const object = longest(r => r.object, 6, Math.max(12, Math.floor(width * 0.3)));
	const ageW = 5;
	const count = 5;
	const message = Math.max(0, width - (type + reason + object + ageW + count + 5));
	return {type, reason, object, age: ageW, count, message};
}

export function eventLine(r: EventRow | 'header', c: Cols, now: number, ellipsis: string): string {
	if (r === 'header') return [fit('TYPE', c.type), fit('REASON', c.reason), fit('OBJECT', c.object), fit('AGE', c.age), fit('COUNT', c.count, '', 'right'), fit('MESSAGE', c.message)].join(' ');
	return [
		fit(r.type, c.type, ellipsis),
		fit(r.reason, c.reason, ellipsis),
		fit(r.object, c.object, ellipsis),
		fit(r.last ? age(Math.max(0, now - r.last)) : '-', c.age),
		fit(String(r.count), c.count, '', 'right'),
		fit(oneLine(r.message), c.message, ellipsis),
	].join(' ');
}

export function EventsViewPane({width, height}: {width: number; height: number}) {
	const {theme, glyphs} = useUiContext();
	const view = useUiState(s => s.eventsView);
	const rows = Math.max(1, height - 4);
	const top = view ? Math.max(0, Math.min(view.top, view.rows.length - rows)) : 0;
	const shown = view ? view.rows.slice(top, top + rows) : [];
	const now = useAgeNow(shown.map(r => r.last).filter(t => t > 0));
	if (!view) return null;
	const cols = eventColumns(width, shown);
	const parts: TitlePart[] = [
		{text: view.scope.title},
		{text: `${view.rows.length} event${view.rows.length === 1 ? '' : 's'}`},
		{text: view.failed ? view.status : view.status === 'following' ? 'following, newest first' : `${view.status}${glyphs.ellipsis}`, tone: view.failed ? 'bad' : 'muted'},
	];
	const empty = view.status === 'following' && view.rows.length === 0 ? `No Events (kube-apiserver keeps them one hour by default).` : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Events" parts={parts} width={width} focused />
			<Text bold color={theme.tone('muted')} wrap="truncate">
				{eventLine('header', cols, now, glyphs.ellipsis)}
			</Text>
			<Box flexDirection="column" height={rows} overflow="hidden">
				{shown.map(r => (
					<Text key={r.key} wrap="truncate" color={r.type === 'Warning' ? theme.tone('warn') : undefined}>
						{eventLine(r, cols, now, glyphs.ellipsis)}
					</Text>
				))}
				{empty ? <Text color={theme.tone('muted')}>{fit(empty, width)}</Text> : null}
			</Box>
			<Text color={view.failed ? theme.tone('bad') : theme.tone('muted')} wrap="truncate">
				{fit(view.failed ? `${view.status} (shown: the last list; it retries)` : view.rows.length > rows ? `${top + 1}-${Math.min(view.rows.length, top + rows)} of ${view.rows.length}` : ' ', width, glyphs.ellipsis)}
			</Text>
			<Text color={theme.tone('muted')} wrap="truncate">
				{fit(`j/k PgUp/PgDn g/G scroll ${glyphs.dot} esc/q/e ${'back'}`, width, glyphs.ellipsis)}
			</Text>
		</Box>
	);
}
