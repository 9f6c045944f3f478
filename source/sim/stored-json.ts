// The JSON text of a stored object as a read answers it, made once per stored version. A stored
// version never changes (a write stores a new object), so its text cannot go stale; the 1,001-cluster
// start and `status` read the same few objects of every cluster, each read copied and serialized them
// again. The text is what JSON.stringify gives for the copy a read used to answer ({...stored,
// apiVersion} keeps the stored key order): byte for byte the same answer.
import type {KubeObject} from './types.js';

const texts = new WeakMap<KubeObject, {apiVersion: string; json: string}>();

/** The stored object as JSON, carrying `apiVersion` (versions of one resource share storage). */
export function storedJson(stored: KubeObject, apiVersion: string): string {
	const known = texts.get(stored);
	if (known?.apiVersion === apiVersion) return known.json;
	const json = JSON.stringify(stored.apiVersion === apiVersion ? stored : {...stored, apiVersion});
	texts.set(stored, {apiVersion, json});
	return json;
}

/** A list answer as JSON, items from storedJson: the text JSON.stringify gives for {kind, apiVersion, metadata, items}. */
export function listJson(kind: string, apiVersion: string, metadata: Record<string, unknown>, items: KubeObject[]): string {
	let json = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
	for (let i = 0; i < items.length; i++) json += (i === 0 ? '' : ',') + storedJson(items[i], apiVersion);
	return `${json}]}`;
}
