// Manifest loading: multi-document YAML (or JSON) from a file, a directory or an http(s) URL.
// Every document of every file is parsed and validated before anything is returned, so a caller that
// applies the result never changes a cluster on a broken set. Documents are split on `---` lines by
// hand (js-yaml's loadAll gives no positions) so that an error can name the document and the line
// in the file, as a user counts them.

import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import {clusterScopedKinds, dns1123LabelError, groupOf, nameError} from './object-identity.js';

export type ManifestObject = {
	apiVersion: string;
	kind: string;
	metadata: {name: string; namespace?: string; [key: string]: unknown};
	[key: string]: unknown;
};

/** One object of a manifest set, with where it came from. */
export type ManifestDoc = {
	object: ManifestObject;
	/** The file (or URL) as given or found. */
	file: string;
	/** 1-based number of the document in its file (empty documents are not counted). */
	document: number;
	/** 1-based line in the file where the document starts. */
	line: number;
};

export type ManifestProblem = {file: string; document?: number; line?: number; message: string};

/** A manifest set that cannot be applied. The message lists every problem: file, document, line. */
export class ManifestError extends Error {
	readonly problems: ManifestProblem[];
	readonly hint: string;

	constructor(problems: ManifestProblem[], hint?: string) {
		super(problems.map(formatProblem).join('\n'));
		this.name = 'ManifestError';
		this.problems = problems;
		this.hint = hint ?? 'fix the documents named above; nothing was applied';
	}
}

export function formatProblem(p: ManifestProblem): string {
	const where = p.document === undefined ? '' : `document ${p.document}${p.line === undefined ? '' : ` (line ${p.line})`}: `;
	return `${p.file}: ${where}${p.message}`;
}

type RawDocument = {text: string; line: number; number: number};

/** Split a YAML stream into documents, with the 1-based line where each starts. */
export function splitDocuments(text: string): RawDocument[] {
	const lines = text.split(/\r?\n/);
	const docs: RawDocument[] = [];
	let current: string[] = [];
	let start = 1;
	const flush = (): void => {
		if (current.some(l => l.trim() !== '' && !l.trimStart().startsWith('#'))) {
			docs.push({text: current.join('\n'), line: start, number: docs.length + 1});
		}
		current = [];
	};
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		const marker = /^(---|\.\.\.)(\s|$)/.exec(line);
		if (marker) {
			flush();
			const rest = line.slice(3);
			// `--- {a: 1}` or `--- !tag`: the document starts on the marker line itself.
			if (marker[1] === '---' && rest.trim() !== '' && !rest.trimStart().startsWith('#')) {
				current.push(' '.repeat(3) + rest);
				start = i + 1;
			} else start = i + 2;
			continue;
		}
		if (current.length === 0 && !(line.trim() !== '' && !line.trimStart().startsWith('#'))) {
			// Leading blank or comment lines: the document "starts" at its first real line.
			start = i + 2;
			continue;
		}
		current.push(line);
	}
	flush();
	return docs;
}

function lineOfKey(doc: RawDocument, key: RegExp): number {
	const lines = doc.text.split('\n');
	const index = lines.findIndex(l => key.test(l));
	return doc.line + (index === -1 ? 0 : index);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scope of kinds defined by CRDs in the same set: `group/Kind` → namespaced. */
function crdScopes(objects: unknown[]): Map<string, boolean> {
	const scopes = new Map<string, boolean>();
	for (const obj of objects) {
		if (!isRecord(obj) || obj.kind !== 'CustomResourceDefinition' || !isRecord(obj.spec)) continue;
		const spec = obj.spec as {group?: unknown; scope?: unknown; names?: {kind?: unknown}};
		if (typeof spec.group === 'string' && isRecord(spec.names) && typeof spec.names.kind === 'string') {
			scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Namespaced');
		}
	}
	return scopes;
}

type Parsed = Array<{raw: RawDocument; value: unknown}>;

/** YAML syntax of one file: every document parsed, or a problem per broken document. */
function parseDocuments(text: string, file: string): {parsed: Parsed; problems: ManifestProblem[]} {
	const problems: ManifestProblem[] = [];
	const parsed: Parsed = [];
	for (const raw of splitDocuments(text)) {
		try {
			parsed.push({raw, value: yaml.load(raw.text, {filename: file})});
		} catch (error) {
			if (!(error instanceof yaml.YAMLException)) throw error;
			const line = raw.line + (error.mark?.line ?? 0);
			problems.push({file, document: raw.number, line, message: error.reason || error.message});
		}
	}
	return {parsed, problems};
}

function validateDocuments(
	parsed: Parsed,
	file: string,
	problems: ManifestProblem[],
	scopes: ReadonlyMap<string, boolean>,
): ManifestDoc[] {
	const docs: ManifestDoc[] = [];
	for (const {raw, value} of parsed) {
		if (value === null || value === undefined) continue;
		const items: Array<{value: unknown; label: string}> =
			isRecord(value) && value.kind === 'List' && Array.isArray(value.items)
				? value.items.map((item, i) => ({value: item, label: `item ${i + 1}: `}))
				: [{value, label: ''}];
		for (const item of items) {
			const problem = (message: string, key?: RegExp): void => {
				problems.push({file, document: raw.number, line: key ? lineOfKey(raw, key) : raw.line, message: item.label + message});
			};
			const obj = item.value;
			if (!isRecord(obj)) {
				problem('not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)');
				continue;
			}
			const before = problems.length;
			if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') problem('apiVersion is missing (e.g. apiVersion: v1)', /^\s*apiVersion\s*:/);
			if (typeof obj.kind !== 'string' || obj.kind === '') problem('kind is missing (e.g. kind: ConfigMap)', /^\s*kind\s*:/);
			const meta = obj.metadata;
			if (!isRecord(meta)) {
				problem('metadata is missing (every object needs metadata.name)', /^\s*metadata\s*:/);
				continue;
			}
			if (typeof meta.name !== 'string' || meta.name === '') {
				problem('metadata.name is missing', /^\s*metadata\s*:/);
			}
			if (problems.length > before) continue;
			const apiVersion = obj.apiVersion as string;
			const kind = obj.kind as string;
			const name = meta.name as string;
			const why = nameError(apiVersion, kind, name);
			if (why) problem(`${kind} name "${name}" is invalid: ${why}`, /^\s+name\s*:/);
			if (kind === 'CustomResourceDefinition' && isRecord(obj.spec)) {
				const spec = obj.spec as {group?: unknown; names?: {plural?: unknown}};
				const expected = isRecord(spec.names) && typeof spec.names.plural === 'string' && typeof spec.group === 'string' ? `${spec.names.plural}.${spec.group}` : undefined;
				if (expected && expected !== name) problem(`CustomResourceDefinition name "${name}" must be spec.names.plural + "." + spec.group ("${expected}")`, /^\s+name\s*:/);
			}
			if (meta.namespace !== undefined) {
				const key = `${groupOf(apiVersion)}/${kind}`;
				const namespaced = scopes.get(key) ?? (clusterScopedKinds.has(key) ? false : undefined);
				if (typeof meta.namespace !== 'string') problem('metadata.namespace must be a string', /^\s+namespace\s*:/);
				else if (namespaced === false) problem(`${kind} is cluster-scoped: remove metadata.namespace "${meta.namespace}"`, /^\s+namespace\s*:/);
				else {
					const nsWhy = dns1123LabelError(meta.namespace);
					if (nsWhy) problem(`namespace "${meta.namespace}" is invalid: ${nsWhy}`, /^\s+namespace\s*:/);
				}
			}
			if (problems.length > before) continue;
			docs.push({object: obj as ManifestObject, file, document: raw.number, line: raw.line});
		}
	}
	return docs;
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

export type LoadManifestOptions = {
	signal?: AbortSignal;
	/** For URLs (default 30 s). */
	timeoutMs?: number;
};

async function readSource(source: string, options: LoadManifestOptions): Promise<Array<{file: string; text: string}>> {
	if (/^https?:\/\//i.test(source)) return [{file: source, text: await fetchText(source, options)}];
	let stat;
	try {
		stat = await fs.stat(source);
	} catch (error) {
		throw new ManifestError([{file: source, message: `cannot read: ${describeFsError(error)}`}], 'check the path (a file, a directory of *.yaml files, or an http(s) URL)');
	}
	if (stat.isDirectory()) {
		const names = (await fs.readdir(source)).filter(n => manifestExtensions.has(path.extname(n).toLowerCase())).sort();
		if (names.length === 0) {
			throw new ManifestError([{file: source, message: 'the directory holds no *.yaml, *.yml or *.json files'}], 'point at the directory that holds the manifests');
		}
		return Promise.all(names.map(async n => ({file: path.join(source, n), text: await readText(path.join(source, n))})));
	}
	return [{file: source, text: await readText(source)}];
}

async function readText(file: string): Promise<string> {
	try {
		return await fs.readFile(file, 'utf8');
	} catch (error) {
		throw new ManifestError([{file, message: `cannot read: ${describeFsError(error)}`}], 'check that the file exists and is readable');
	}
}

export function describeFsError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	if (code === 'ENOENT') return 'no such file or directory';
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	if (code === 'EISDIR') return 'is a directory';
	return error instanceof Error ? error.message : String(error);
}

async function fetchText(url: string, options: LoadManifestOptions): Promise<string> {
	const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	let response: Response;
	try {
		response = await fetch(url, {signal, redirect: 'follow'});
	} catch (error) {
		const why = timeout.aborted ? `no answer within ${Math.round((options.timeoutMs ?? 30_000) / 1000)}s` : describeFetchError(error);
		throw new ManifestError([{file: url, message: `cannot download: ${why}`}], 'check the URL and the network, or download the file and pass its path');
	}
	if (!response.ok) {
		throw new ManifestError([{file: url, message: `cannot download: HTTP ${response.status} ${response.statusText}`}], 'check the URL (and the manifest version in it)');
	}
	return response.text();
}

function describeFetchError(error: unknown): string {
	const cause = (error as {cause?: {code?: string; message?: string}} | undefined)?.cause;
	if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
	return error instanceof Error ? error.message : String(error);
}

/**
 * Load every document from a file, a directory (its *.yaml, *.yml and *.json files, sorted by name)
 * or an http(s) URL. All documents are parsed and validated first; any problem throws a
 * ManifestError listing every problem, and nothing is returned.
 */
export async function loadManifests(source: string, options: LoadManifestOptions = {}): Promise<ManifestDoc[]> {
	return parseManifestFiles(await readSource(source, options));
}

/**
 * The last few parsed sets, by their exact text: a plan reads the same manifests in preflight, preview
 * and apply, and Tigera's (their CRDs' schemas are megabytes) take seconds to parse on a busy machine,
 * seconds in which the console would answer nothing. Callers get their own copies.
 */
const parsedSets = new Map<string, ManifestDoc[]>();
const parsedSetsKept = 4;

const copyDocs = (docs: ManifestDoc[]): ManifestDoc[] => docs.map(d => ({...d, object: structuredClone(d.object)}));

/** Parse and validate several files as one set (CRDs in one file give the scope of kinds in another). */
export function parseManifestFiles(files: Array<{file: string; text: string}>): ManifestDoc[] {
	const key = files.map(f => `${f.file}\u0000${f.text}`).join('\u0000');
	const seen = parsedSets.get(key);
	if (seen) return copyDocs(seen);
	const docs = parseManifestSet(files);
	parsedSets.set(key, docs);
	if (parsedSets.size > parsedSetsKept) parsedSets.delete(parsedSets.keys().next().value as string);
	return copyDocs(docs);
}

function parseManifestSet(files: Array<{file: string; text: string}>): ManifestDoc[] {
	const problems: ManifestProblem[] = [];
	const parsed = files.map(f => ({file: f.file, ...parseDocuments(f.text, f.file)}));
	for (const f of parsed) problems.push(...f.problems);
	const scopes = crdScopes(parsed.flatMap(f => f.parsed.map(p => p.value)));
	const docs: ManifestDoc[] = [];
	for (const f of parsed) docs.push(...validateDocuments(f.parsed, f.file, problems, scopes));
	if (problems.length > 0) throw new ManifestError(problems);
	return docs;
}

/** Parse and validate one file's text (throws ManifestError). */
export function parseManifestText(text: string, file: string): ManifestDoc[] {
	return parseManifestFiles([{file, text}]);
}

/** `Kind/name` or `Kind namespace/name`, for messages. */
export function describeObject(obj: {kind: string; metadata: {name: string; namespace?: string}}): string {
	return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}
