// Choosing the response media type from the Accept header, as kube-apiserver's negotiation does:
// JSON or YAML for everything, protobuf for the built-in kinds when the client prefers it, 406 otherwise.
import {hasProtobuf, protobufMediaType} from './protobuf.js';
import {ApiError} from './types.js';

export type ResponseFormat = 'json' | 'yaml' | 'protobuf';

type MediaRange = {type: string; params: Record<string, string>; q: number};

/**
 * Parsed Accept headers: a client sends the same one on every request (a fleet's start reads each
 * cluster ~5 times), so each distinct header is parsed once. Bounded, since the header is the client's.
 */
const parsedAccept = new Map<string, readonly MediaRange[]>();
const parsedAcceptLimit = 256;

/** The media ranges of an Accept header, best first; shared between calls, so read-only. */
export function parseAccept(accept: string | undefined): readonly MediaRange[] {
	const key = accept ?? '';
	let ranges = parsedAccept.get(key);
	if (ranges === undefined) {
		if (parsedAccept.size >= parsedAcceptLimit) parsedAccept.clear();
		ranges = Object.freeze(parseAcceptHeader(accept).map((r) => Object.freeze({...r, params: Object.freeze(r.params)})));
		parsedAccept.set(key, ranges);
	}
	return ranges;
}

function parseAcceptHeader(accept: string | undefined): MediaRange[] {
	if (!accept || accept.trim() === '') return [{type: '*/*', params: {}, q: 1}];
	const ranges = accept.split(',').map((part) => {
		const [type, ...rest] = part.split(';').map((s) => s.trim());
		const params: Record<string, string> = {};
		for (const p of rest) {
			const eq = p.indexOf('=');
			if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
		}
		const q = params.q === undefined ? 1 : Number(params.q);
		return {type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0};
	});
	// Stable: equal q keeps the client's order.
	return ranges.filter((r) => r.q > 0).map((r, i) => ({r, i})).sort((a, b) => b.r.q - a.r.q || a.i - b.i).map(({r}) => r);
}

const jsonLike = new Set(['application/json', 'application/*', '*/*']);

/**
 * The format to answer `body` in. Ranges asking for a transformed form (`as=Table`, `as=PartialObjectMetadata`)
 * are the table code's business: here they count as JSON when they are JSON.
 */
export function responseFormat(accept: string | undefined, body: unknown): ResponseFormat {
	for (const range of parseAccept(accept)) {
		if (range.type === protobufMediaType && range.params.as === undefined && hasProtobuf(body)) return 'protobuf';
		if (jsonLike.has(range.type)) return 'json';
		if (range.type === 'application/yaml' && range.params.as === undefined) return 'yaml';
	}
	throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml${hasProtobuf(body) ? `, ${protobufMediaType}` : ''}`);
}
