// How many rows a clusters record holds, as the store knows it when it makes the record (its health
// counts' total), so that a view can ask without listing the record's keys: on 1,001 rows each
// connection flip made an array of 1,001 ids only to read its length (fleet view, sorted stage).

const sizes = new WeakMap<object, number>();

/** Called by the store for each record it makes: `size` is its number of keys. */
export function noteRecordSize(record: object, size: number): void {
	sizes.set(record, size);
}

/** The record's number of keys: as noted by the store, else counted. */
export function recordSize(record: object): number {
	return sizes.get(record) ?? Object.keys(record).length;
}
