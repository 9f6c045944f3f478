import type {DOMElement} from 'ink';
import {useLayoutEffect, useRef, type RefObject} from 'react';
import {useAgeNow} from './age-clock.js';
import type {CellPatch} from './clock.js';
import {useUiContext} from './context.js';
import {textWidth} from './format.js';

// The age overlay: a tick of the clock that only moves ages (every 10 s at 1,001 clusters, ~16 cells
// of a 120x40 screen) rewrites those cells in place instead of rendering a frame. A frame was a React
// commit (~4.6 ms) and ink's layout, walk of the whole tree and screen write (~6.7 ms), plus the GC of
// what they allocated, eleven times in the bench's 120 s idle window.
//
// What keeps the screen equal to a full frame:
//  - the same texts at the same columns: a line is one <Text> whose children are one <Text> per span,
//    or one text (the span texts a render would give, computed by the same function), each span's column is the
//    row's origin in ink's layout plus the widths of the spans before it, and a span changes only its
//    characters (same width, same colour; the writer checks the characters it replaces and that no
//    escape sequence lies between them: ScreenWriter.patchCells);
//  - ink's own tree says the same: each changed span's text node is set as React's commit would set
//    it (ink's setTextNodeValue), so the next frame, whatever it is for (a key, a fleet change, a
//    resize), is drawn from texts that read the new ages;
//  - anything else (a colour that changes, a row ink would truncate, a frame waiting, a row the screen
//    does not show as expected) falls back to a render.

/** ink's DOM node, as far as the overlay reads it (ink 6 build/dom.js). */
export type InkNode = {
	nodeName: string;
	nodeValue?: string;
	childNodes?: InkNode[];
	parentNode?: InkNode;
	yogaNode?: {getComputedLeft: () => number; getComputedTop: () => number; getComputedWidth: () => number; markDirty: () => void};
};

/** One span of a line (null: a hidden column, rendered as nothing): one <Text> with one string child. */
export type SpanText = {color?: string; inverse?: boolean; text: string} | null;

/** Where ink draws a node: the sum of its boxes' computed offsets (render-node-to-output.js). */
function origin(node: InkNode): {x: number; y: number} | undefined {
	let x = 0;
	let y = 0;
	for (let n: InkNode | undefined = node; n; n = n.parentNode) {
		if (n.nodeName === 'ink-root') return {x, y};
		if (!n.yogaNode) return undefined;
		x += n.yogaNode.getComputedLeft();
		y += n.yogaNode.getComputedTop();
	}
	return undefined;
}

export type OverlayPlan = {patches: CellPatch[]; apply: () => void};

/**
 * The patches that turn each row of `box` (its children in order, one <Text> each) from its `before`
 * spans into its `after` spans, and `apply` to set ink's text nodes once they are drawn; undefined
 * when the tick needs a frame (see above).
 */
export function planOverlay(box: unknown, rows: ReadonlyArray<{before: readonly SpanText[]; after: readonly SpanText[]}>): OverlayPlan | undefined {
	const children = (box as InkNode | undefined)?.childNodes;
	if (!children || children.length !== rows.length) return undefined;
	const patches: CellPatch[] = [];
	const changes: Array<{node: InkNode; text: string; row: InkNode}> = [];
	for (let i = 0; i < rows.length; i++) {
		const row = children[i]!;
		const {before, after} = rows[i]!;
		if (row.nodeName !== 'ink-text' || before.length !== after.length || !row.yogaNode) return undefined;
		const spans = row.childNodes ?? [];
		let at: {x: number; y: number} | undefined;
		let col = 0;
		let k = 0;
		for (let s = 0; s < before.length; s++) {
			const was = before[s];
			const will = after[s];
			if (was === null || will === null) {
				if (was !== will) return undefined;
				continue;
			}
			// A span is a nested <Text> (ink-virtual-text) with one text, or the line's own text.
			const child = spans[k++];
			const textNode = child?.nodeName === '#text' ? child : child?.childNodes?.length === 1 ? child.childNodes[0] : undefined;
			if (textNode?.nodeName !== '#text' || textNode.nodeValue !== was.text || was.color !== will.color || was.inverse !== will.inverse) return undefined;
			const width = textWidth(was.text);
			if (will.text !== was.text) {
				if (textWidth(will.text) !== width || will.text.length !== was.text.length) return undefined;
				at ??= origin(row);
				if (!at) return undefined;
				patches.push({row: at.y, col: at.x + col, from: was.text, to: will.text});
				changes.push({node: textNode, text: will.text, row});
			}
			col += width;
		}
		// A row wider than its box is truncated by ink: its cells are not where the spans say.
		if (k !== spans.length || col > row.yogaNode.getComputedWidth()) return undefined;
	}
	return {
		patches,
		apply() {
			for (const {node, text, row} of changes) {
				node.nodeValue = text;
				// As ink's setTextNodeValue: the row's text is measured again at the next layout.
				row.yogaNode?.markDirty();
			}
		},
	};
}

/**
 * The clock of a group of lines drawn inside `box` (a <Box> holding only them), with the overlay:
 * `spansAt(t)` gives every line's spans at time t from what the render drew (same function as the
 * render). A tick draws in place when it can; else it renders, as useAgeNow alone.
 */
export function useAgeOverlay(sinces: readonly number[], spansAt: (now: number) => SpanText[][]): {now: number; box: RefObject<DOMElement | null>} {
	const {clock} = useUiContext();
	const box = useRef<DOMElement>(null);
	// The lines as last drawn: by the last commit, or moved on by the overlay since.
	const drawn = useRef<{spansAt: (now: number) => SpanText[][]; at: number} | undefined>(undefined);
	const now = useAgeNow(sinces, t => {
		const lines = drawn.current;
		if (!clock.patch || !lines) return false;
		const after = lines.spansAt(t);
		const plan = planOverlay(box.current, lines.spansAt(lines.at).map((before, i) => ({before, after: after[i]!})));
		if (!plan || !clock.patch(plan.patches)) return false;
		plan.apply();
		lines.at = t;
		return true;
	});
	useLayoutEffect(() => {
		drawn.current = {spansAt, at: now};
	});
	return {now, box};
}
