import type {PaneId} from '../store/ui-store.js';

// Where each pane goes for a terminal size. Pure, so it is tested without a terminal. The root is
// at most rows - 1 tall: a frame as tall as the terminal makes ink clear the screen on every update.

export type Rect = {width: number; height: number};

export type Layout = {
	columns: number;
	/** Height of the whole frame (rows - 1). */
	height: number;
	mode: 'stacked' | 'grid' | 'too-small';
	/** Height of the pane area (everything above the status bar). */
	body: number;
	panes: Record<PaneId, Rect>;
};

export const minColumns = 40;
export const minRows = 12;
/** From this width the panes go two by two: the fleet needs ~88 columns for all its columns. */
export const gridColumns = 160;

/** Split `total` by weights, each part at least `min[i]`. */
function split(total: number, weights: number[], min: number[]): number[] {
	const parts = weights.map((w, i) => Math.max(min[i], Math.floor((total * w) / weights.reduce((a, b) => a + b, 0))));
	let diff = total - parts.reduce((a, b) => a + b, 0);
	// Give the remainder to (or take the excess from) the first panes, never below their minimum.
	for (let i = 0; diff !== 0 && i < parts.length * 4; i++) {
		const j = i % parts.length;
		if (diff > 0) {
			parts[j]++;
			diff--;
		} else if (parts[j] > min[j]) {
			parts[j]--;
			diff++;
		}
	}
	return parts;
}

export function computeLayout(columns: number, rows: number): Layout {
	const height = Math.max(1, rows - 1);
	const body = height - 1; // the status bar
	const empty: Rect = {width: 0, height: 0};
	if (columns < minColumns || rows < minRows) {
		return {columns, height, body, mode: 'too-small', panes: {fleet: empty, status: empty, steps: empty, log: empty}};
	}
	if (columns >= gridColumns && rows >= 30) {
		// Two columns: fleet | TigerStatus on top, steps | log below; one column of separator each.
		const [top, bottom] = split(body, [56, 44], [6, 5]);
		const left = Math.floor(columns * 0.55);
		const right = columns - left - 1;
		const stepsWidth = Math.floor(columns * 0.45);
		return {
			columns,
			height,
			body,
			mode: 'grid',
			panes: {
				fleet: {width: left, height: top},
				status: {width: right, height: top},
				steps: {width: stepsWidth, height: bottom},
				log: {width: columns - stepsWidth - 1, height: bottom},
			},
		};
	}
	const [fleet, status, steps, log] = split(body, [45, 19, 18, 18], [5, 3, 3, 3]);
	return {
		columns,
		height,
		body,
		mode: 'stacked',
		panes: {
			fleet: {width: columns, height: fleet},
			status: {width: columns, height: status},
			steps: {width: columns, height: steps},
			log: {width: columns, height: log},
		},
	};
}

/** The layout with `pane` zoomed: it alone, over the whole body (Z). */
export function zoomLayout(layout: Layout, pane: PaneId): Layout {
	if (layout.mode === 'too-small') return layout;
	const empty: Rect = {width: 0, height: 0};
	const panes: Record<PaneId, Rect> = {fleet: empty, status: empty, steps: empty, log: empty};
	panes[pane] = {width: layout.columns, height: layout.body};
	return {...layout, panes};
}

/** Lines of content a pane shows under its title line (the fleet pane also has a column header). */
export function contentRows(layout: Layout, pane: PaneId): number {
	const h = layout.panes[pane].height - 1 - (pane === 'fleet' || pane === 'status' ? 1 : 0);
	return Math.max(0, h);
}

/** Keep `index` inside the window [top, top + size): the smallest move from the previous top. */
export function scrollTo(top: number, index: number, size: number, total: number): number {
	if (size <= 0) return 0;
	let t = top;
	if (index < t) t = index;
	if (index >= t + size) t = index - size + 1;
	return Math.max(0, Math.min(t, Math.max(0, total - size)));
}
