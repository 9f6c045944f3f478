// The one ring buffer of the console: a list capped at `capacity`, newest last, that counts what
// fell off the front so that lines keep their absolute numbers (dropped + index) while scrolling.
// Immutable: each append returns new arrays, as the stores need.

export type CappedLines<T> = {lines: T[]; dropped: number};

export function appendCapped<T>(current: CappedLines<T>, added: readonly T[], capacity: number): CappedLines<T> {
	const over = Math.max(0, current.lines.length + added.length - capacity);
	// One copy of what stays, not a copy of everything and then of what stays: a full 2,000-line log
	// copied 4,000 entries for each line a connection flip logged.
	const lines = over < current.lines.length ? current.lines.slice(over) : [];
	const skip = Math.max(0, over - current.lines.length);
	for (let i = skip; i < added.length; i++) lines.push(added[i]!);
	return {lines, dropped: current.dropped + over};
}
