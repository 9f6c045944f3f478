// Strings the simulator keeps for the life of an object, made flat. V8 builds a concatenation (a
// template, `+`, randomUUID's hex pieces, replace()) as a tree of cons strings, and keeps the tree
// for as long as the string lives: 2-3 extra heap objects per uid, timestamp and apiVersion, about
// 30 % of a 1,001-cluster simulator's heap objects. Every major GC marks them again, and during a
// console's start the simulator's old space grows enough for one or two (~0.4-0.5 CPU-s each). A flat
// copy has the same characters: nothing a client sees changes.
import {randomFillSync} from 'node:crypto';

/** The same characters as one flat string (JSON.parse makes a new sequential string). */
export function flatString(s: string): string {
	return JSON.parse(JSON.stringify(s)) as string;
}

let stampSecond = Number.NaN;
let stamp = '';

/**
 * Now as kube-apiserver writes metav1.Time (RFC 3339, seconds), flat. One string per second, shared by
 * every object written in it: a fleet's start writes ~400,000 timestamps within a few seconds, and
 * formatting and flattening each cost about as much as the rest of an object's bookkeeping.
 */
export function nowTimestamp(): string {
	const ms = Date.now();
	const second = Math.floor(ms / 1000);
	if (second !== stampSecond) {
		stampSecond = second;
		stamp = flatString(new Date(second * 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
	}
	return stamp;
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

const uuidPool = Buffer.alloc(16 * 512);
let uuidAt = uuidPool.length;
const uuidText = Buffer.alloc(36);
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A random (version 4) UUID as one flat string, what crypto.randomUUID() gives as a tree of hex
 * pieces: the text is written into bytes and read out once (a fleet's start makes ~200,000 uids).
 */
export function flatUuid(): string {
	if (uuidAt === uuidPool.length) {
		randomFillSync(uuidPool);
		uuidAt = 0;
	}
	let o = 0;
	for (let i = 0; i < 16; i++) {
		let b = uuidPool[uuidAt + i];
		if (i === 6) b = (b & 0x0f) | 0x40;
		else if (i === 8) b = (b & 0x3f) | 0x80;
		if (i === 4 || i === 6 || i === 8 || i === 10) uuidText[o++] = 0x2d;
		uuidText[o++] = hexDigits[b >> 4];
		uuidText[o++] = hexDigits[b & 15];
	}
	uuidAt += 16;
	return uuidText.toString('latin1', 0, 36);
}
