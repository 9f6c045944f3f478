// The JSON text of a stored object as a read answers it, made once per stored version. A stored
// version never changes (a write stores a new object), so its text cannot go stale; the 1,001-cluster
// start and `status` read the same few objects of every cluster, each read copied and serialized them
// again. The text is what JSON.stringify gives for the copy a read used to answer ({...stored,
// apiVersion} keeps the stored key order): byte for byte the same answer.
import type {KubeObject} from './types.js';

type Known = {apiVersion: string; json: string; bytes: number};

const texts = new WeakMap<KubeObject, Known>();

function known(stored: KubeObject, apiVersion: string): Known {
	const cached = texts.get(stored);
	if (cached?.apiVersion === apiVersion) return cached;
	const json = JSON.stringify(stored.apiVersion === apiVersion ? stored : {...stored, apiVersion});
	const made = {apiVersion, json, bytes: Buffer.byteLength(json)};
	texts.set(stored, made);
	return made;
}

/** The stored object as JSON, carrying `apiVersion` (versions of one resource share storage). */
export function storedJson(stored: KubeObject, apiVersion: string): string {
	return known(stored, apiVersion).json;
}

/**
 * A list answer as the UTF-8 bytes of the text JSON.stringify gives for {kind, apiVersion, metadata,
 * items}, items from storedJson. Written straight into one buffer of the answer's length: joined as a
 * string, the text was a tree of pieces that encoding it had to flatten into a copy first, two copies
 * of every list on the simulator's heap (a fleet's start and `status` list ~10 KB of every cluster).
 */
export function listJson(kind: string, apiVersion: string, metadata: Record<string, unknown>, items: KubeObject[]): Buffer {
	const head = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
	const texts: Known[] = new Array(items.length);
	let length = Buffer.byteLength(head) + 2 + Math.max(0, items.length - 1);
	for (let i = 0; i < items.length; i++) length += (texts[i] = known(items[i], apiVersion)).bytes;
	const out = Buffer.allocUnsafe(length);
	let at = out.write(head, 0, 'utf8');
	for (let i = 0; i < texts.length; i++) {
		if (i > 0) out[at++] = 0x2c;
		at += out.write(texts[i].json, at, 'utf8');
	}
	out[at++] = 0x5d;
	out[at++] = 0x7d;
	return out;
}
