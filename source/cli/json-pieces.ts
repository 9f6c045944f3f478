// A large JSON document written out in pieces. `status --json` at 1,001 clusters is ~4.3 MB of text:
// made as one string, then one buffer of its UTF-8, it cost ~40 ms of CPU more than in pieces of
// 64 KB, nearly all of it the first touch of the fresh memory those two need (this machine's page
// faults are dear), and a pipe's reader gets the first bytes only when all of it is made.
//
// The list is stringified a run of elements at a time, inside a one-key wrapper at the document's
// indentation, and the wrapper cut off: each element comes out indented as the document would have
// it, with no second pass to indent it (a replaceAll over each element's text made ~16 MB of strings
// at 1,001 clusters) and no string per element to join. The output of one 1,001-cluster document in a
// fresh process, without the optimizing compiler as status runs: ~53 -> ~31 ms of CPU (medians of 6).

/** Elements stringified together: ~70 KB of text at ~4.3 KB a cluster, about one 64 KB write. */
const run = 16;

/** `{\n  "": [` and `\n  ]\n}`: the wrapper around a run of elements, cut off its text. */
const wrapperHead = 9;
const wrapperTail = 6;

/**
 * `${JSON.stringify(document, null, 2)}\n`, in pieces: the array under `listKey`, when it is the
 * document's last key, a run of elements at a time (each as JSON.stringify would indent it there).
 */
export function* jsonPieces(document: Record<string, unknown>, listKey: string): Generator<string> {
	const list = document[listKey];
	if (!Array.isArray(list) || list.length === 0 || Object.keys(document).at(-1) !== listKey) {
		yield `${JSON.stringify(document, null, 2)}\n`;
		return;
	}
	// Ends in `"<listKey>": []\n}`: the list's elements go between its brackets, two levels in.
	const head = JSON.stringify({...document, [listKey]: []}, null, 2);
	yield head.slice(0, -3);
	for (let i = 0; i < list.length; i += run) {
		// An array under a top-level key: its elements two levels in, as in the document (an undefined,
		// a function or a symbol is `null` there, as in any array).
		const text = JSON.stringify({'': list.slice(i, i + run)}, null, 2).slice(wrapperHead, -wrapperTail);
		yield i === 0 ? text : `,${text}`;
	}
	yield '\n  ]\n}\n';
}

/** The pieces joined into strings of at least `size` characters (the last one shorter). */
export function* batched(pieces: Iterable<string>, size = 64 * 1024): Generator<string> {
	let batch = '';
	for (const piece of pieces) {
		batch += piece;
		if (batch.length >= size) {
			yield batch;
			batch = '';
		}
	}
	if (batch !== '') yield batch;
}
