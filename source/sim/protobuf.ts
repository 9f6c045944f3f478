// The Kubernetes protobuf wire format (application/vnd.kubernetes.protobuf) for the built-in kinds:
// the 4-byte magic `k8s\0`, then a runtime.Unknown holding apiVersion/kind and the object's own
// message. Messages come from the upstream generated.proto files vendored in ./proto (see
// proto/SOURCES.md), loaded once per process on first use.
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import protobuf, {type Root, type Type} from 'protobufjs';
import {jsonToMessage, messageToJson} from './protobuf-json.js';
import {ApiError} from './types.js';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** apiVersion → proto package of the vendored definitions. */
const packages: Record<string, string> = {
	'v1': 'k8s.io.api.core.v1',
	'apps/v1': 'k8s.io.api.apps.v1',
	'rbac.authorization.k8s.io/v1': 'k8s.io.api.rbac.v1',
	'authentication.k8s.io/v1': 'k8s.io.api.authentication.v1',
	'authorization.k8s.io/v1': 'k8s.io.api.authorization.v1',
	'storage.k8s.io/v1': 'k8s.io.api.storage.v1',
};
const metaPackage = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const files = ['core', 'apps', 'rbac', 'authentication', 'authorization', 'storage'].map((g) => `k8s.io/api/${g}/v1/generated.proto`);

export function protoDirectory(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let i = 0; i < 5; i++) {
		for (const candidate of [join(dir, 'proto'), join(dir, 'source', 'sim', 'proto')]) {
			if (existsSync(join(candidate, 'k8s.io'))) return candidate;
		}
		dir = dirname(dir);
	}
	throw new Error('calico-mcm sim: the Kubernetes .proto files (source/sim/proto) were not found beside the program');
}

let root: Root | undefined;

function protoRoot(): Root {
	if (root) return root;
	const base = protoDirectory();
	const loaded = new protobuf.Root();
	// Imports name their file as `k8s.io/...`, relative to the vendored tree.
	loaded.resolvePath = (_origin, target) => (target.startsWith('k8s.io/') ? join(base, target) : target);
	// Comments are kept: they are the descriptions of the OpenAPI schemas (openapi-builtin.ts).
	loaded.loadSync(files.map((f) => join(base, f)), {keepCase: true, alternateCommentMode: true});
	loaded.resolveAll();
	root = loaded;
	return root;
}

/**
 * Loads the definitions now (~100 ms of CPU) rather than on the first request that needs them: every
 * request asks whether its kind has a protobuf form, so otherwise the first client's start pays it
 * (kube-apiserver has its codecs compiled in).
 */
export function loadProtobufDefinitions(): void {
	protoRoot();
}

export function protoMessage(fullName: string): Type {
	return protoRoot().lookupType(fullName);
}

/**
 * Answers of messageType: asked for every request (custom resources answer JSON only), and the lookup
 * walks the proto namespaces, tens of microseconds each, 5,000 times in a 1,001-cluster start. The
 * definitions never change once loaded. Bounded: kinds also come from request bodies.
 */
const messageTypes = new Map<string, Type | undefined>();

/** The message of a kind, or undefined when it has none (custom resources are JSON only). */
export function messageType(apiVersion: unknown, kind: unknown): Type | undefined {
	if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
	const key = `${apiVersion}\0${kind}`;
	if (messageTypes.has(key)) return messageTypes.get(key);
	const found = lookupMessageType(apiVersion, kind);
	if (messageTypes.size < 1024) messageTypes.set(key, found);
	return found;
}

function lookupMessageType(apiVersion: string, kind: string): Type | undefined {
	if (!/^[A-Z]\w*$/.test(kind)) return undefined;
	const pkg = packages[apiVersion];
	const look = (name: string) => {
		const found = protoRoot().lookup(name);
		return found && 'fieldsArray' in found ? found as Type : undefined;
	};
	// Status, DeleteOptions and the other meta kinds travel under any group's version.
	return (pkg ? look(`${pkg}.${kind}`) : undefined) ?? (/^(meta\.k8s\.io\/)?v1$/.test(apiVersion) || pkg ? look(`${metaPackage}.${kind}`) : undefined);
}

/** Whether a JSON object can be written as protobuf. */
export function hasProtobuf(obj: unknown): boolean {
	if (obj === null || typeof obj !== 'object') return false;
	const {apiVersion, kind} = obj as {apiVersion?: unknown; kind?: unknown};
	return messageType(apiVersion, kind) !== undefined;
}

export function encodeProtobuf(obj: Record<string, unknown>): Buffer {
	const {apiVersion, kind} = obj as {apiVersion: string; kind: string};
	const type = messageType(apiVersion, kind);
	if (!type) throw new Error(`${apiVersion} ${kind} has no protobuf message`);
	const raw = type.encode(type.fromObject(jsonToMessage(type, obj) as Record<string, unknown>)).finish();
	const unknown = protoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
	const envelope = unknown.encode(unknown.fromObject({typeMeta: {apiVersion, kind}, raw, contentEncoding: '', contentType: ''})).finish();
	return Buffer.concat([magic, envelope]);
}

const unsupported = (what: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${what} has no protobuf form)`);

/** A protobuf request body as the JSON object it stands for (apiVersion and kind from the envelope). */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
	if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
		throw new ApiError(400, 'BadRequest', 'provided object is not in the Kubernetes protobuf format: the body must start with the 4-byte prefix "k8s\\x00"');
	}
	let typeMeta: {apiVersion?: string; kind?: string};
	let raw: Uint8Array;
	try {
		const unknown = protoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
		const envelope = unknown.toObject(unknown.decode(body.subarray(magic.length)), {bytes: Array}) as {typeMeta?: typeof typeMeta; raw?: number[]};
		typeMeta = envelope.typeMeta ?? {};
		raw = Uint8Array.from(envelope.raw ?? []);
	} catch (error) {
		throw new ApiError(400, 'BadRequest', `the protobuf body is malformed: ${error instanceof Error ? error.message : String(error)}`);
	}
	const type = messageType(typeMeta.apiVersion, typeMeta.kind);
	if (!type) {
		if (!typeMeta.kind) throw new ApiError(400, 'BadRequest', 'Object \'Kind\' is missing in the protobuf body');
		throw unsupported(`${typeMeta.apiVersion ?? ''} ${typeMeta.kind}`.trim());
	}
	try {
		const message = type.toObject(type.decode(raw), {longs: Number, bytes: String});
		return {apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...(messageToJson(type, message) as Record<string, unknown>)};
	} catch (error) {
		throw new ApiError(400, 'BadRequest', `the protobuf body is malformed: ${error instanceof Error ? error.message : String(error)}`);
	}
}
