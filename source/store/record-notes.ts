// What the store knows of a clusters record when it makes one, noted so that readers need not list
// or compare 1,001 keys for it on every connection flip:
//  - its number of rows (its health counts' total): the fleet view's sorted stage made an array of
//    1,001 ids only to read its length;
//  - the record it was made from and the ids it changed: a subscriber that looks at changed rows
//    only (tunnel-cert-sync's role check) read every row's role each flush.

const sizes = new WeakMap<object, number>();
const changes = new WeakMap<object, {from: object; ids: readonly string[]}>();

/** Called by the store for each record it makes: `size` is its number of keys. */
export function noteRecordSize(record: object, size: number): void {
	sizes.set(record, size);
}

/** The record's number of keys: as noted by the store, else counted. */
export function recordSize(record: object): number {
	return sizes.get(record) ?? Object.keys(record).length;
}

/** Called by the store: `record` is a copy of `from` with the keys `ids` set or deleted, and no other change. */
export function noteRecordChange(record: object, from: object, ids: readonly string[]): void {
	changes.set(record, {from, ids});
}

/**
 * The keys whose values may differ between `from` and `record`, when the store made `record` from
 * `from`; undefined when it did not say (compare them whole).
 */
export function changedKeys(record: object, from: object): readonly string[] | undefined {
	const change = changes.get(record);
	return change?.from === from ? change.ids : undefined;
}
