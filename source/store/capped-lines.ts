// The one ring buffer of the console: a list capped at `capacity`, newest last, that counts what
// fell off the front so that lines keep their absolute numbers (dropped + index) while scrolling.
// Immutable: each append returns new arrays, as the stores need.

export type CappedLines<T> = {lines: T[]; dropped: number};

export function appendCapped<T>(current: CappedLines<T>, added: readonly T[], capacity: number): CappedLines<T> {
	const next = [...current.lines, ...added];
	const over = Math.max(0, next.length - capacity);
	return {lines: over ? next.slice(over) : next, dropped: current.dropped + over};
}
