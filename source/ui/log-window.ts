// Which lines of a capped log are on screen. Lines are numbered absolutely (dropped + index) so a
// paused view stays on the same lines while new ones arrive and old ones fall off the cap.

export type LogWindow = {start: number; end: number; newer: number};

export function logWindow(length: number, dropped: number, size: number, follow: boolean, top: number): LogWindow {
	const total = dropped + length;
	let first = follow ? total - size : top;
	first = Math.max(dropped, Math.min(first, Math.max(dropped, total - size)));
	const start = first - dropped;
	const end = Math.min(length, start + size);
	return {start, end, newer: length - end};
}

/** The absolute top line after moving by `delta` lines from what is shown now. */
export function scrollLog(length: number, dropped: number, size: number, follow: boolean, top: number, delta: number): number {
	const w = logWindow(length, dropped, size, follow, top);
	const total = dropped + length;
	return Math.max(dropped, Math.min(dropped + w.start + delta, Math.max(dropped, total - size)));
}
