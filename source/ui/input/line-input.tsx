import {Text} from 'ink';
import {useUiContext} from '../context.js';
import {textWidth} from '../format.js';
import {splitAtCursor, type LineState} from './line-edit.js';

/** A text input as drawn: the value with the cursor as an inverse cell, scrolled to keep the cursor in `width`. */
export function LineInput({line, width, dim = false}: {line: LineState; width: number; dim?: boolean}) {
	const {theme} = useUiContext();
	const split = splitAtCursor(line);
	const {under} = split;
	let {before, after} = split;
	const room = Math.max(4, width);
	// Keep the cursor in view: drop characters off the left first.
	while (textWidth(before) + 1 > room - 1 && before.length > 0) before = [...before].slice(1).join('');
	const rest = Math.max(0, room - textWidth(before) - 1);
	after = [...after].slice(0, rest).join('');
	return (
		<Text wrap="truncate" color={dim ? theme.tone('muted') : undefined}>
			{before}
			<Text inverse>{under}</Text>
			{after}
		</Text>
	);
}
