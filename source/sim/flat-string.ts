// Strings the simulator keeps for the life of an object, made flat. V8 builds a concatenation (a
// template, `+`, randomUUID's hex pieces, replace()) as a tree of cons strings, and keeps the tree
// for as long as the string lives: 2-3 extra heap objects per uid, timestamp and apiVersion, about
// 30 % of a 1,001-cluster simulator's heap objects. Every major GC marks them again, and during a
// console's start the simulator's old space grows enough for one or two (~0.4-0.5 CPU-s each). A flat
// copy has the same characters: nothing a client sees changes.

/** The same characters as one flat string (JSON.parse makes a new sequential string). */
export function flatString(s: string): string {
	return JSON.parse(JSON.stringify(s)) as string;
}

/** Now as kube-apiserver writes metav1.Time (RFC 3339, seconds), flat. */
export function nowTimestamp(): string {
	return flatString(new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
}

const pairs = new Map<string, Map<string, string>>();

/** `${a}/${b}`, one flat string per distinct pair: keys made per request or per event (a handful of distinct ones). */
export function slashPair(a: string, b: string): string {
	let byB = pairs.get(a);
	if (!byB) pairs.set(a, (byB = new Map()));
	let known = byB.get(b);
	if (known === undefined) byB.set(b, (known = flatString(`${a}/${b}`)));
	return known;
}

/** group/version (the core group: version alone). */
export function apiVersionString(group: string, version: string): string {
	return group ? slashPair(group, version) : version;
}
