import type {Key} from 'ink';

// The scrolling keys of every scrolled view (help, the workflow overlays, the YAML preview), the
// same as the fleet pane's: j/k and arrows a line, PgUp/PgDn, ctrl-b/ctrl-f and space a page,
// g/Home the top, G/End the bottom.

type ScrollKey = Pick<Key, 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'ctrl' | 'meta'>;

/** The new top line for a scrolling key, within 0..max; undefined for any other key. */
export function scrollKey(input: string, key: ScrollKey, top: number, page: number, max = Number.POSITIVE_INFINITY): number | undefined {
	const step = Math.max(1, page);
	const plain = !key.ctrl && !key.meta;
	let next: number | undefined;
	if (key.downArrow || (plain && input === 'j')) next = top + 1;
	else if (key.upArrow || (plain && input === 'k')) next = top - 1;
	else if (key.pageDown || (key.ctrl && input === 'f') || (plain && input === ' ')) next = top + step;
	else if (key.pageUp || (key.ctrl && input === 'b')) next = top - step;
	else if (key.home || (plain && (input === 'g' || input === '<'))) next = 0;
	else if (key.end || (plain && (input === 'G' || input === '>'))) next = max;
	if (next === undefined) return undefined;
	return Math.max(0, Math.min(max, next));
}
