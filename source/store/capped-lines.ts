// The one ring buffer of the console: a list capped at `capacity`, newest last, that counts what
// fell off the front so that lines keep their absolute numbers (dropped + index) while scrolling.
// Immutable: each append returns new arrays, as the stores need.

export type CappedLines<T> = {lines: T[]; dropped: number};

export function appendCapped<T>(current: CappedLines<T>, added: readonly T[], capacity: number): CappedLines<T> {
	const over = Math.max(0, current.lines.length + added.length - capacity);
	// One copy of what stays, into an array of its final length: a full 2,000-line log copied 4,000
	// entries for each line a connection flip logged when it copied everything and then what stays,
	// and a slice that is then pushed to grows once more (40 KB a line at 2,000 lines, against 16).
	const start = Math.min(over, current.lines.length);
	const skip = Math.max(0, over - current.lines.length);
	const lines = new Array<T>(current.lines.length - start + added.length - skip);
	let at = 0;
	for (let i = start; i < current.lines.length; i++) lines[at++] = current.lines[i]!;
	for (let i = skip; i < added.length; i++) lines[at++] = added[i]!;
	return {lines, dropped: current.dropped + over};
}
