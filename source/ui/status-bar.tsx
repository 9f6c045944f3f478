import {Text} from 'ink';
import {useEffect} from 'react';
import type {Health} from '../mcm/types.js';
import {selectHealthCounts} from '../store/selectors.js';
import {useUiContext} from './context.js';
import {fit, textWidth, truncate} from './format.js';
import {healthTone} from './theme.js';
import {useAppState, useUiState} from './use-store.js';

// Counts in the order an SRE scans them: the good news first, then what needs a look.
const shown: readonly Health[] = ['healthy', 'degraded', 'disconnected', 'unreachable', 'pending'];

export function StatusBar({width}: {width: number}) {
	const {theme, glyphs, services, ui} = useUiContext();
	const clusters = useAppState(s => s.clusters);
	const counts = selectHealthCounts(clusters);
	const flash = useUiState(s => s.flash);
	const confirmQuit = useUiState(s => s.confirmQuit);
	const filterEditing = useUiState(s => s.filterEditing);
	const helpOpen = useUiState(s => s.helpOpen);

	useEffect(() => {
		if (!flash) return;
		const timer = setTimeout(() => {
			ui.getState().clearFlash(flash);
		}, Math.max(0, flash.until - Date.now()));
		return () => clearTimeout(timer);
	}, [flash, ui]);

	if (confirmQuit) {
		return (
			<Text wrap="truncate" inverse bold color={theme.tone('warn')}>
				{fit(' A plan is running: quit anyway? y/n (the plan stops; run it again later to resume) ', width)}
			</Text>
		);
	}

	const segments = shown
		.filter(h => h === 'healthy' || counts[h] > 0)
		.map(h => ({glyph: glyphs.health[h], text: `${counts[h]} ${h}`, tone: healthTone[h]}));
	const badge = services.readOnly ? ' READ-ONLY ' : '';
	const hints = filterEditing
		? 'enter: keep  esc: clear'
		: helpOpen
			? 'esc: close help'
			: `?: help  /: filter  tab: pane  q: quit`;
	const message = flash?.text;
	let left = ` ${counts.total} clusters `;
	for (const s of segments) left += ` ${s.glyph} ${s.text}`;
	const right = message ?? hints;
	const room = Math.max(0, width - textWidth(left) - textWidth(badge) - 2);
	const badgeElement = badge ? (
		<Text inverse bold color={theme.tone('warn')}>
			{badge}
		</Text>
	) : null;
	const flashTone = theme.tone(flash ? (flash.level === 'info' ? 'accent' : flash.level === 'warn' ? 'warn' : 'bad') : 'muted');
	if (message && room < Math.min(textWidth(message), 40)) {
		// Too narrow for both: what just happened matters more than the counts for a few seconds.
		return (
			<Text wrap="truncate">
				{badgeElement}
				<Text color={flashTone} bold>
					{fit(` ${message}`, Math.max(0, width - textWidth(badge)), glyphs.ellipsis)}
				</Text>
			</Text>
		);
	}
	const rightText = truncate(right, room, glyphs.ellipsis);
	const pad = Math.max(0, width - textWidth(left) - textWidth(badge) - textWidth(rightText) - 1);
	return (
		<Text wrap="truncate">
			{badgeElement}
			<Text bold>{` ${counts.total} clusters `}</Text>
			{segments.map(s => (
				<Text key={s.text}>
					<Text> </Text>
					<Text color={theme.tone(s.tone)}>{s.glyph}</Text>
					<Text>{` ${s.text}`}</Text>
				</Text>
			))}
			<Text>{' '.repeat(pad + 1)}</Text>
			<Text color={flashTone} bold={Boolean(flash)}>
				{rightText}
			</Text>
		</Text>
	);
}
