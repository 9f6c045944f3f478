// A large JSON document written out in pieces. `status --json` at 1,001 clusters is ~4.3 MB of text:
// made as one string, then one buffer of its UTF-8, it cost ~40 ms of CPU more than in pieces of
// 64 KB, nearly all of it the first touch of the fresh memory those two need (this machine's page
// faults are dear), and a pipe's reader gets the first bytes only when all of it is made.

/**
 * `${JSON.stringify(document, null, 2)}\n`, in pieces: the array under `listKey`, when it is the
 * document's last key, one element at a time (each as JSON.stringify would indent it there).
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
	for (let i = 0; i < list.length; i++) {
		// As an array element: undefined, a function or a symbol is `null` there.
		const text = JSON.stringify(list[i], null, 2) ?? 'null';
		yield `${i === 0 ? '\n    ' : ',\n    '}${text.replaceAll('\n', '\n    ')}`;
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
