import {Box, Text, type Key} from 'ink';
import type {ReactNode} from 'react';
import {useUiContext} from '../context.js';
import type {KeyPress} from '../input/keys.js';
import {useKeys, type KeysControl} from '../input/use-keys.js';
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

export {scrollKey} from '../scroll-keys.js';

/** The overlay's keys, one key press at a time (see useKeys); `press` has the paste flag. */
export function useOverlayKeys(handler: (input: string, key: Key, press: KeyPress) => void, options: {isActive?: boolean; ready?: boolean} = {}): KeysControl {
	return useKeys(press => handler(press.input, press.key, press), options);
}
