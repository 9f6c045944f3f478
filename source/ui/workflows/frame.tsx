import {Box, Text, type Key} from 'ink';
import {useRef, type ReactNode} from 'react';
import {useUiContext} from '../context.js';
import {useOverlayInput} from '../overlay-input.js';
import {fit, oneLine} from '../format.js';
import {PaneTitle, type TitlePart} from '../pane-title.js';
import type {Tone} from '../theme.js';

// The frame every workflow overlay draws in: a title, lines cut to the width (never wrapped), and a
// key-hint footer. Long content scrolls from `top`.

export type FrameLine = {text: string; tone?: Tone; bold?: boolean};

export function Frame({title, parts, width, height, lines = [], top = 0, footer, children, below, belowRows = 0}: {title: string; parts?: TitlePart[]; width: number; height: number; lines?: FrameLine[]; top?: number; footer: string; children?: ReactNode; below?: ReactNode; belowRows?: number}) {
	const {theme, glyphs} = useUiContext();
	const room = Math.max(0, height - 2 - (below ? belowRows : 0));
	const start = Math.max(0, Math.min(top, lines.length - room));
	const more = !children && lines.length > room ? [{text: `${start + 1}-${Math.min(lines.length, start + room)} of ${lines.length} ${glyphs.dot} j/k scroll`, tone: 'muted' as Tone}] : [];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label={title} parts={[...(parts ?? []), ...more]} width={width} focused />
			<Box flexDirection="column" height={room} overflow="hidden">
				{children ??
					lines.slice(start, start + room).map((l, i) => (
						<Text key={i} wrap="truncate" bold={l.bold} color={theme.tone(l.tone ?? 'normal')}>
							{fit(oneLine(l.text), width, glyphs.ellipsis)}
						</Text>
					))}
			</Box>
			{below ? (
				<Box flexDirection="column" height={belowRows} overflow="hidden">
					{below}
				</Box>
			) : null}
			<Text wrap="truncate" color={theme.tone('muted')}>
				{fit(footer, width, glyphs.ellipsis)}
			</Text>
		</Box>
	);
}

/** Scrolling by j/k, arrows and PgUp/PgDn; returns the new top or undefined for other keys. */
export function scrollKey(input: string, key: {upArrow: boolean; downArrow: boolean; pageUp: boolean; pageDown: boolean}, top: number, page: number): number | undefined {
	if (key.downArrow || input === 'j') return top + 1;
	if (key.upArrow || input === 'k') return Math.max(0, top - 1);
	if (key.pageDown || input === ' ') return top + Math.max(1, page);
	if (key.pageUp) return Math.max(0, top - Math.max(1, page));
	return undefined;
}

/**
 * useOverlayInput, one key at a time: a busy machine or an SSH link hands ink several key presses
 * as one string; outside text inputs each is a key of its own.
 */
export function useOverlayKeys(handler: (input: string, key: Key) => void, options: {isActive?: boolean} = {}): void {
	// ink re-subscribes a changed handler in an effect, after the frame is drawn: a key typed at
	// once (the user saw the new screen) would reach the old closure. The ref always has the latest.
	const latest = useRef(handler);
	latest.current = handler;
	useOverlayInput((input, key) => {
		if (input.length > 1 && !key.ctrl && !key.meta && !input.startsWith('\u001B')) for (const ch of input) latest.current(ch, key);
		else latest.current(input, key);
	}, options);
}
