import type {KeyPress} from './keys.js';

// The line editing every text input of the console shares (the filter, workflow prompts, the typed
// confirmation, the token file name): readline's keys, so a shell user's fingers work.
//   ctrl-u clear · ctrl-w delete a word · ctrl-a / home start · ctrl-e / end end · left / right
//   ctrl-b / ctrl-f a character · backspace / ctrl-h · delete / ctrl-d · ctrl-k to the end
// Positions are in code points, so a multi-byte character is one step.

export type LineState = {value: string; cursor: number};

export type LineResult = {state: LineState; submit?: boolean; cancel?: boolean; handled: boolean};

export function lineAt(value: string, cursor?: number): LineState {
	const length = [...value].length;
	return {value, cursor: Math.max(0, Math.min(length, cursor ?? length))};
}

function make(chars: string[], cursor: number): LineState {
	return {value: chars.join(''), cursor};
}

/** A word boundary as readline's ctrl-w sees it: back over spaces, then over non-spaces. */
function wordStart(chars: string[], cursor: number): number {
	let i = cursor;
	while (i > 0 && /\s/.test(chars[i - 1]!)) i--;
	while (i > 0 && !/\s/.test(chars[i - 1]!)) i--;
	return i;
}

/** Applies one key press. Keys that are not line editing come back with handled=false. */
export function editLine(state: LineState, {input, key, paste}: KeyPress): LineResult {
	const chars = [...state.value];
	const at = Math.max(0, Math.min(chars.length, state.cursor));
	const same = (handled = true): LineResult => ({state: {value: state.value, cursor: at}, handled});
	const to = (next: LineState): LineResult => ({state: next, handled: true});
	if (paste) {
		// A pasted line break is not a submit: the user pastes a value, then looks at it.
		// eslint-disable-next-line no-control-regex
		const text = [...input.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001F\u007F]/g, '')];
		return to(make([...chars.slice(0, at), ...text, ...chars.slice(at)], at + text.length));
	}
	if (key.return) return {state: {value: state.value, cursor: at}, submit: true, handled: true};
	if (key.escape) return {state: {value: state.value, cursor: at}, cancel: true, handled: true};
	if (key.backspace || (key.ctrl && input === 'h')) return at === 0 ? same() : to(make([...chars.slice(0, at - 1), ...chars.slice(at)], at - 1));
	if (key.delete || (key.ctrl && input === 'd')) return at >= chars.length ? same() : to(make([...chars.slice(0, at), ...chars.slice(at + 1)], at));
	if (key.leftArrow || (key.ctrl && input === 'b')) return to({value: state.value, cursor: Math.max(0, at - 1)});
	if (key.rightArrow || (key.ctrl && input === 'f')) return to({value: state.value, cursor: Math.min(chars.length, at + 1)});
	if (key.home || (key.ctrl && input === 'a')) return to({value: state.value, cursor: 0});
	if (key.end || (key.ctrl && input === 'e')) return to({value: state.value, cursor: chars.length});
	if (key.ctrl && input === 'u') return to(make(chars.slice(at), 0));
	if (key.ctrl && input === 'k') return to(make(chars.slice(0, at), at));
	if ((key.ctrl && input === 'w') || (key.meta && key.backspace)) {
		const start = wordStart(chars, at);
		return to(make([...chars.slice(0, start), ...chars.slice(at)], start));
	}
	if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return same(false);
	// eslint-disable-next-line no-control-regex
	const text = [...input.replace(/[\u0000-\u001F\u007F]/g, '')];
	if (text.length === 0) return same(false);
	return to(make([...chars.slice(0, at), ...text, ...chars.slice(at)], at + text.length));
}

/** The line split at the cursor, for drawing: before, the character under the cursor (or a space), after. */
export function splitAtCursor(state: LineState): {before: string; under: string; after: string} {
	const chars = [...state.value];
	const at = Math.max(0, Math.min(chars.length, state.cursor));
	return {before: chars.slice(0, at).join(''), under: chars[at] ?? ' ', after: chars.slice(at + 1).join('')};
}
