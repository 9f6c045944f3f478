// Deep copy of JSON data. Several times faster than structuredClone for the small objects the store
// copies on every read and write, which matters with 1,001 clusters in one process.
export function cloneJson<T>(value: T): T {
	if (value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map(cloneJson) as T;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
	return out as T;
}

/** As cloneJson, but frozen parts are shared, not copied: they cannot change (see shared-spec.ts). */
export function cloneSharing<T>(value: T): T {
	if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
	if (Array.isArray(value)) return value.map((v) => cloneSharing(v)) as T;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value)) out[key] = cloneSharing((value as Record<string, unknown>)[key]);
	return out as T;
}
