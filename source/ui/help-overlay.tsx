import {Box, Text} from 'ink';
import type {Health} from '../mcm/types.js';
import {useUiContext} from './context.js';
import {fit} from './format.js';
import type {Glyphs} from './glyphs.js';
import {bindings, filterPromptKeys, yamlViewKeys} from './keymap.js';
import {PaneTitle} from './pane-title.js';
import type {ConsoleAction} from '../app/services.js';
import {useUiState} from './use-store.js';

export type HelpLine = {text: string; heading?: boolean};

/** Every key, from the same table dispatch uses, plus the workflow actions and a glyph legend. */
export function helpLines(actions: ConsoleAction[], glyphs: Glyphs, readOnly: boolean): HelpLine[] {
	const out: HelpLine[] = [];
	const row = (keys: string, text: string) => out.push({text: `  ${keys.padEnd(14)} ${text}`});
	for (const section of ['General', 'Move', 'Fleet', 'Log', 'Inspect'] as const) {
		out.push({text: section, heading: true});
		for (const b of bindings.filter(x => x.section === section)) row(b.keys, b.description + (b.panes ? ` (${b.panes.join(', ')} pane)` : ''));
	}
	if (actions.length) {
		out.push({text: `Actions${readOnly ? ' (read-only: the ones that change a cluster are refused)' : ''}`, heading: true});
		for (const a of actions) row(a.key === ' ' ? 'space' : a.key === 'escape' ? 'esc' : a.key, `${a.title}${a.description ? `: ${a.description}` : ''}${a.panes ? ` (${a.panes.join(', ')} pane)` : ''}`);
	}
	out.push({text: 'YAML view (y)', heading: true});
	for (const [k, d] of yamlViewKeys) row(k, d);
	out.push({text: 'Filter prompt', heading: true});
	for (const [k, d] of filterPromptKeys) row(k, d);
	row('text', 'rows containing the text (name, role, version, health), any case');
	row('/re/  ~re', 'rows matching the regular expression, any case');
	row('!text  !/re/', 'rows NOT matching');
	out.push({text: 'Health', heading: true});
	const meaning: Record<Health, string> = {
		healthy: 'API reachable, every component available, tunnel (if managed) connected',
		pending: 'connecting, or components still progressing',
		degraded: 'a component is Degraded or unavailable',
		disconnected: 'managed cluster whose tunnel to its management cluster is down',
		unreachable: 'the API server cannot be reached (or refuses us)',
	};
	for (const [h, text] of Object.entries(meaning) as [Health, string][]) row(`${glyphs.health[h]} ${h}`, text);
	row(glyphs.disagree, 'the two ends of a tunnel disagree (management vs managed side)');
	row(glyphs.mark, 'marked cluster (space)');
	return out;
}

export function HelpOverlay({width, height}: {width: number; height: number}) {
	const {services, glyphs, theme} = useUiContext();
	const helpTop = useUiState(s => s.helpTop);
	const lines = helpLines(services.actions, glyphs, services.readOnly);
	const size = Math.max(0, height - 1);
	const top = Math.max(0, Math.min(helpTop, lines.length - size));
	const more = lines.length > size ? `${top + 1}-${Math.min(lines.length, top + size)} of ${lines.length} ${glyphs.dot} j/k scroll` : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Help" parts={[{text: 'esc or ? closes'}, {text: more, tone: 'muted'}]} width={width} focused />
			{lines.slice(top, top + size).map((l, i) => (
				<Text key={i} wrap="truncate" bold={l.heading} color={l.heading ? theme.tone('accent') : undefined}>
					{fit(l.text, width, glyphs.ellipsis)}
				</Text>
			))}
		</Box>
	);
}
