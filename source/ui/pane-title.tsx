import {Text} from 'ink';
import {truncate, textWidth} from './format.js';
import {useUiContext} from './context.js';
import type {Tone} from './theme.js';

export type TitlePart = {text: string; tone?: Tone; bold?: boolean};

/** A pane's one-line title: `─ Fleet 12/13 ─ sort:name↑ ───`; the focused pane's name is inverse. */
export function PaneTitle({label, parts = [], width, focused}: {label: string; parts?: TitlePart[]; width: number; focused: boolean}) {
	const {glyphs, theme} = useUiContext();
	const rule = glyphs.rule;
	const head = `${rule} `;
	let used = textWidth(head) + textWidth(label) + 1;
	const shown: TitlePart[] = [];
	for (const part of parts) {
		if (!part.text) continue;
		const room = width - used - 3;
		if (room <= 3) break;
		const text = truncate(part.text, room, glyphs.ellipsis);
		shown.push({...part, text});
		used += textWidth(text) + 3;
	}
	const fill = Math.max(0, width - used);
	const ruleColor = focused ? theme.tone('accent') : theme.tone('muted');
	return (
		<Text wrap="truncate">
			<Text color={ruleColor}>{head}</Text>
			<Text bold inverse={focused} color={focused ? undefined : undefined}>
				{truncate(label, Math.max(0, width - textWidth(head)), glyphs.ellipsis)}
			</Text>
			<Text> </Text>
			{shown.map((p, i) => (
				<Text key={i}>
					<Text color={ruleColor}>{`${rule} `}</Text>
					<Text color={theme.tone(p.tone ?? 'normal')} bold={p.bold}>
						{p.text}
					</Text>
					<Text> </Text>
				</Text>
			))}
			<Text color={ruleColor}>{rule.repeat(fill)}</Text>
		</Text>
	);
}
