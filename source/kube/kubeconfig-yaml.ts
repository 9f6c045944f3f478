import yaml from 'js-yaml';

// How a kubeconfig's YAML becomes a document (kubeconfig.ts reads the document).
//
// The schema: kubectl reads a kubeconfig with sigs.k8s.io/yaml, go-yaml v2 into interface{} and then
// JSON into its typed Config. go-yaml v2 keeps a plain scalar that looks like a timestamp as its text
// there (`name: 2024-01-01` is the string "2024-01-01"), while js-yaml's default schema makes it a
// JavaScript Date, which the loader would then refuse as "no name". So: js-yaml's default schema
// without the implicit timestamp (YAML 1.2 core: null, bool, int, float; merge keys `<<`, which go-yaml
// v2 also follows; the explicit !!binary, !!omap, !!pairs, !!set), and an explicit !!timestamp kept as
// its text, as go-yaml v2 does. Where YAML 1.1 (go-yaml v2) and 1.2 differ for plain scalars, kubectl
// reads yes/no/on/off/y/n as bools and we read strings: in a string field kubectl then refuses the file
// ("cannot unmarshal bool into ... string") and we take the text; in the one boolean the loader reads,
// insecure-skip-tls-verify, `yes` leaves verification on here (the safe reading of the two).
//
// The reader: kubeconfigs are written by kubectl and by tools like it in one block style (mappings and
// sequences by indentation, one scalar a line, plain or quoted), and js-yaml's character-by-character
// scanner took 150-220 ms of a one-shot `status` on a 1,001-context file (1.1 MB, mostly base64 CA
// data), before the first connection. fastDocument reads that style a line at a time and gives up on
// anything else (anchors, tags, flow collections other than {} and [], block or multi-line scalars,
// escapes, comments after a value, tabs, CR, duplicate or non-string keys, ...): then js-yaml reads the
// whole text, with its errors and line numbers. What it returns is what js-yaml returns for the same text
// with the same schema (plain scalars are resolved by the schema's own types).

/** js-yaml's own types (exported at run time; @types/js-yaml does not declare them). */
const types = (yaml as unknown as {types: Record<'null' | 'bool' | 'int' | 'float' | 'merge' | 'timestamp' | 'binary' | 'omap' | 'pairs' | 'set', yaml.Type>}).types;

const timestampText = new yaml.Type('tag:yaml.org,2002:timestamp', {
	kind: 'scalar',
	resolve: (data: unknown) => types.timestamp.resolve(data),
	construct: (data: string) => data,
});

export const kubeconfigSchema = yaml.CORE_SCHEMA.extend({
	implicit: [types.merge],
	explicit: [types.binary, types.omap, types.pairs, types.set, timestampText],
});

/** The schema's implicit types, in js-yaml's order of trying them on a plain scalar. */
const implicitTypes: yaml.Type[] = [types.null, types.bool, types.int, types.float, types.merge];

/** The document of a kubeconfig's text (js-yaml's errors when it is not YAML). */
export function parseKubeconfigYaml(text: string, filename: string): unknown {
	const fast = fastDocument(text);
	if (fast !== undefined) return fast;
	return yaml.load(text, {filename, schema: kubeconfigSchema});
}

/**
 * Left to js-yaml: what it refuses anywhere in a stream (its PATTERN_NON_PRINTABLE), tabs, CR, and any
 * surrogate (a character beyond the BMP, or a lone half).
 */
// eslint-disable-next-line no-control-regex
const unusual = /[\t\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** A key this reader takes: plain, one word of the characters kubeconfig keys are made of. */
const plainKey = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

/** Thrown inside the reader when the text is outside its style; never leaves fastDocument. */
const outside = Symbol('outside the block style');

class LineReader {
	private at = 0;
	/** The current line: its indentation and what follows it (undefined past the end). */
	indent = -1;
	text: string | undefined;
	/**
	 * Keys found to be strings: a kubeconfig repeats a dozen keys thousands of times. Per read, as a key
	 * may be a slice of the text (kubeconfig.ts keeps no string that holds the text).
	 */
	readonly stringKeys = new Set<string>();

	constructor(private readonly lines: string[]) {
		this.skipBlank();
	}

	/** Moves past the current line (and the blank and comment lines after it). */
	next(): void {
		this.at++;
		this.skipBlank();
	}

	/** The current line is a sequence entry's (`- ...` or a lone `-`) now seen from `indent`. */
	replace(indent: number, text: string): void {
		this.indent = indent;
		this.text = text;
	}

	private skipBlank(): void {
		for (; this.at < this.lines.length; this.at++) {
			const line = this.lines[this.at]!;
			let indent = 0;
			while (line.charCodeAt(indent) === 32) indent++;
			if (indent === line.length || line.charCodeAt(indent) === 35 /* # */) continue;
			this.indent = indent;
			this.text = indent === 0 ? line : line.slice(indent);
			return;
		}
		this.indent = -1;
		this.text = undefined;
	}
}

/** The document, or undefined when the text is not in the block style this reader knows. */
export function fastDocument(text: string): Record<string, unknown> | undefined {
	if (unusual.test(text) || text.charCodeAt(0) === 0xfeff) return undefined;
	const reader = new LineReader(text.split('\n'));
	if (reader.text === undefined || reader.indent !== 0 || isEntry(reader.text)) return undefined;
	try {
		const document = readMapping(reader, 0);
		return reader.text === undefined ? document : undefined;
	} catch (error) {
		if (error === outside) return undefined;
		throw error;
	}
}

const isEntry = (text: string): boolean => text.charCodeAt(0) === 45 /* - */ && (text.length === 1 || text.charCodeAt(1) === 32);

/** A block mapping whose keys are at `indent` (the reader is at its first key). */
function readMapping(reader: LineReader, indent: number): Record<string, unknown> {
	const mapping: Record<string, unknown> = {};
	while (reader.text !== undefined && reader.indent === indent && !isEntry(reader.text)) {
		const line = reader.text;
		const colon = line.indexOf(':');
		if (colon <= 0) throw outside;
		const key = line.slice(0, colon);
		if (!plainKey.test(key) || key === '__proto__' || Object.hasOwn(mapping, key) || resolvesAway(reader, key)) throw outside;
		let rest = colon + 1;
		if (rest < line.length && line.charCodeAt(rest) !== 32) throw outside;
		while (line.charCodeAt(rest) === 32) rest++;
		reader.next();
		if (rest === line.length) mapping[key] = readValue(reader, indent);
		else {
			mapping[key] = scalar(line.slice(rest));
			// More indented lines after a scalar: a multi-line scalar, or an error js-yaml should name.
			if (reader.text !== undefined && reader.indent > indent) throw outside;
		}
	}
	if (reader.text !== undefined && reader.indent > indent) throw outside;
	return mapping;
}

/** The value of a key at `indent` that had nothing after its colon. */
function readValue(reader: LineReader, indent: number): unknown {
	if (reader.text === undefined || reader.indent < indent) return null;
	if (reader.indent === indent) return isEntry(reader.text) ? readSequence(reader, indent) : null;
	return isEntry(reader.text) ? readSequence(reader, reader.indent) : readMapping(reader, reader.indent);
}

/** A block sequence whose dashes are at `indent`. */
function readSequence(reader: LineReader, indent: number): unknown[] {
	const sequence: unknown[] = [];
	while (reader.text !== undefined && reader.indent === indent && isEntry(reader.text)) {
		const line = reader.text;
		let start = 1;
		while (line.charCodeAt(start) === 32) start++;
		if (start === line.length) {
			// A lone dash: the entry is the block below it, or null.
			reader.next();
			if (reader.text !== undefined && reader.indent > indent) {
				if (isEntry(reader.text)) throw outside;
				sequence.push(readMapping(reader, reader.indent));
			} else sequence.push(null);
			continue;
		}
		const content = line.slice(start);
		if (isEntry(content)) throw outside;
		const colon = content.indexOf(':');
		if (colon > 0 && (colon === content.length - 1 || content.charCodeAt(colon + 1) === 32) && plainKey.test(content.slice(0, colon))) {
			// `- key: ...`: a mapping whose keys line up with this first one.
			reader.replace(indent + start, content);
			sequence.push(readMapping(reader, indent + start));
		} else {
			sequence.push(scalar(content));
			reader.next();
			if (reader.text !== undefined && reader.indent > indent) throw outside;
		}
	}
	if (reader.text !== undefined && reader.indent > indent) throw outside;
	return sequence;
}

/** A plain key the schema would read as something else than a string (null, true, 1, `<<`). */
function resolvesAway(reader: LineReader, key: string): boolean {
	if (reader.stringKeys.has(key)) return false;
	for (const type of implicitTypes) if (type.resolve(key)) return true;
	reader.stringKeys.add(key);
	return false;
}

const mayResolve = /^[~nNtTfF0-9+\-.<]/;

/**
 * Starts of a plain scalar left to js-yaml: YAML indicators, flow and quote characters, and a dash that
 * is an entry's (`- x`); a dash before anything else starts a plain scalar (`--cluster-name`, `-1`).
 */
const indicatorStart = /^(?:[?:,[\]{}#&*!|>'"%@`]|-(?: |$))/;

/** The value of a one-line scalar, or `outside`. `text` has no leading spaces and is not empty. */
function scalar(text: string): unknown {
	const first = text.charCodeAt(0);
	if (first === 34 /* " */) {
		const end = text.indexOf('"', 1);
		if (end < 0 || text.indexOf('\\') >= 0 || !onlySpaces(text, end + 1)) throw outside;
		return text.slice(1, end);
	}
	if (first === 39 /* ' */) return singleQuoted(text);
	const value = trimEnd(text);
	if (value === '{}') return {};
	if (value === '[]') return [];
	// `: ` or ` #` would make it a key or start a comment; flow characters are left to js-yaml.
	if (indicatorStart.test(value) || value.endsWith(':') || value.includes(': ') || value.includes(' #') || /[[\]{},]/.test(value)) throw outside;
	// Every implicit type of the schema takes only scalars starting with one of these (~ null, true,
	// false, Null, 1, -1, +1, .5, .inf, <<): a server, a path or a name is a string without asking them.
	if (!mayResolve.test(value)) return value;
	for (const type of implicitTypes) if (type.resolve(value)) return type.construct(value);
	return value;
}

function singleQuoted(text: string): string {
	let value = '';
	let from = 1;
	for (;;) {
		const quote = text.indexOf("'", from);
		if (quote < 0) throw outside;
		value += text.slice(from, quote);
		if (text.charCodeAt(quote + 1) === 39) {
			value += "'";
			from = quote + 2;
			continue;
		}
		if (!onlySpaces(text, quote + 1)) throw outside;
		return value;
	}
}

function onlySpaces(text: string, from: number): boolean {
	for (let i = from; i < text.length; i++) if (text.charCodeAt(i) !== 32) return false;
	return true;
}

function trimEnd(text: string): string {
	let end = text.length;
	while (text.charCodeAt(end - 1) === 32) end--;
	return end === text.length ? text : text.slice(0, end);
}
