// A memo of made values that forgets everything once it holds `limit` of them: the screen's strings
// and styles churn slowly, so a rare clean start bounds the memory for almost no extra work.

export class BoundedCache<K, V> {
	private map = new Map<K, V>();

	constructor(private readonly limit: number) {}

	/** The value under `key`, made (and kept) when there is none. */
	get(key: K, make: (key: K) => V): V {
		const value = this.map.get(key);
		return value === undefined ? this.set(key, make(key)) : value;
	}

	/** The value under `key`, if any: with set(), for hot paths where a `make` closure per call would be garbage. */
	peek(key: K): V | undefined {
		return this.map.get(key);
	}

	set(key: K, value: V): V {
		if (this.map.size >= this.limit) this.map = new Map();
		this.map.set(key, value);
		return value;
	}
}
