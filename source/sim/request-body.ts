// Reading and decoding request bodies; every malformed body becomes a 400/413/415 Status.
import type {IncomingMessage} from 'node:http';
import yaml from 'js-yaml';
import {decodeProtobuf, protobufMediaType} from './protobuf.js';
import {ApiError} from './types.js';

/** kube-apiserver's limit for a request body. */
const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let failed = false;
		req.on('data', (chunk: Buffer) => {
			if (failed) return;
			size += chunk.length;
			if (size > maxBodyBytes) {
				failed = true;
				reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${maxBodyBytes} bytes`));
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (!failed) resolve(Buffer.concat(chunks));
		});
		req.on('error', (error) => {
			if (!failed) reject(new ApiError(400, 'BadRequest', `could not read the request body: ${error.message}`));
			failed = true;
		});
	});
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf' | 'merge' | 'strategic' | 'json-patch' | 'apply';

const mediaTypes: Record<string, BodyFormat> = {
	'application/json': 'json',
	'application/yaml': 'yaml',
	[protobufMediaType]: 'protobuf',
	'application/merge-patch+json': 'merge',
	'application/strategic-merge-patch+json': 'strategic',
	'application/json-patch+json': 'json-patch',
	'application/apply-patch+yaml': 'apply',
	'application/apply-patch+cbor': 'apply',
};

export function mediaTypeOf(contentType: string | undefined): string {
	return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Where JSON is accepted, so is protobuf: decodeBody refuses (415) the kinds that have no protobuf form. */
export function bodyFormat(contentType: string | undefined, allowedFormats: BodyFormat[]): BodyFormat {
	const allowed = allowedFormats.includes('json') ? [...allowedFormats, 'protobuf' as const] : allowedFormats;
	const media = mediaTypeOf(contentType) || 'application/json';
	const format = mediaTypes[media];
	if (!format || !allowed.includes(format)) {
		const accepted = Object.entries(mediaTypes).filter(([, f]) => allowed.includes(f)).map(([m]) => m).join(', ');
		throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted} (got "${media}")`);
	}
	return format;
}

/** No Kubernetes object nests this deep; deeper bodies are refused before anything walks them. */
const maxDepth = 500;

function depthOf(value: unknown): number {
	let deepest = 0;
	const stack: Array<[unknown, number]> = [[value, 1]];
	while (stack.length > 0) {
		const [v, d] = stack.pop() as [unknown, number];
		if (v === null || typeof v !== 'object') continue;
		if (d > deepest) deepest = d;
		if (deepest > maxDepth) return deepest;
		for (const child of Object.values(v)) stack.push([child, d + 1]);
	}
	return deepest;
}

export function decodeBody(raw: Buffer, format: BodyFormat): unknown {
	if (format === 'protobuf' && raw.length > 0) return decodeProtobuf(raw);
	const text = raw.toString('utf8');
	if (text.trim() === '') throw new ApiError(400, 'BadRequest', 'the request body is empty: send the object (or patch) as JSON');
	try {
		const value = format === 'yaml' || format === 'apply' ? yaml.load(text, {schema: yaml.JSON_SCHEMA}) : JSON.parse(text);
		if (depthOf(value) > maxDepth) throw new ApiError(400, 'BadRequest', `the request body nests deeper than ${maxDepth} levels`);
		return value;
	} catch (error) {
		if (error instanceof ApiError) throw error;
		const what = format === 'yaml' || format === 'apply' ? 'YAML' : 'JSON';
		const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
		throw new ApiError(400, 'BadRequest', `the request body is not valid ${what}: ${detail}`);
	}
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw new ApiError(400, 'BadRequest', `the request body must be a JSON object (${what}), not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
	}
	return value as Record<string, unknown>;
}
