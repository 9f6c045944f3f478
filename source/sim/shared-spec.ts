// One frozen copy per distinct CRD spec in the whole process. Real CRD schemas are large (the
// operator's are 700 kB of YAML) and every simulated cluster holds the same ones: 1,001 clusters
// share them instead of holding 1,001 copies. Frozen, so no cluster can change another's.

const bySource = new WeakMap<object, unknown>();
const byText = new Map<string, unknown>();

function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
		for (const v of Object.values(value)) deepFreeze(v);
		Object.freeze(value);
	}
	return value;
}

export function internSpec(spec: unknown): unknown {
	if (spec === null || typeof spec !== 'object' || Object.isFrozen(spec)) return spec;
	const seen = bySource.get(spec);
	if (seen) return seen;
	const text = JSON.stringify(spec);
	let shared = byText.get(text);
	if (!shared) {
		shared = deepFreeze(JSON.parse(text) as unknown);
		byText.set(text, shared);
	}
	bySource.set(spec, shared);
	return shared;
}
