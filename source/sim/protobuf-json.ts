// Between a protobuf message (as protobufjs's toObject/fromObject shape it) and the JSON form of the
// same Go object. Most fields carry the same name and value in both; the apimachinery types below
// have their own JSON form (Go's custom MarshalJSON), as they do in kube-apiserver.
import type {Field, Type} from 'protobufjs';

type Plain = Record<string, unknown>;

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const kindOf = (type: Type) => type.fullName.replace(/^\./, '');

/** Messages with only `repeated string items` (Verbs, ExtraValue) are plain string arrays in JSON. */
const isItemsWrapper = (type: Type) => type.fieldsArray.length === 1 && type.fieldsArray[0].name === 'items' && type.fieldsArray[0].repeated;

/** RFC 3339 as metav1.Time writes it: whole seconds, 'Z'. */
function timeJson(value: Plain, micro: boolean): string | undefined {
	const seconds = Number(value.seconds ?? 0);
	const nanos = Number(value.nanos ?? 0);
	// The zero Time is `null` in JSON, i.e. absent.
	if (seconds === 0 && nanos === 0) return undefined;
	const iso = new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, '');
	return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

function timeProto(value: unknown): Plain {
	const ms = Date.parse(String(value));
	if (Number.isNaN(ms)) throw new TypeError(`"${String(value)}" is not an RFC 3339 time`);
	const micros = /\.(\d{1,9})/.exec(String(value))?.[1] ?? '';
	return {seconds: Math.floor(ms / 1000), nanos: Number(micros.padEnd(9, '0')) || 0};
}

/** time.Duration's String(): 1h0m0s, 2m30s, 1.5s, 0s. */
function durationJson(nanos: number): string {
	if (nanos === 0) return '0s';
	const sign = nanos < 0 ? '-' : '';
	let rest = Math.abs(nanos) / 1e9;
	const h = Math.floor(rest / 3600);
	rest -= h * 3600;
	const m = Math.floor(rest / 60);
	const s = Number((rest - m * 60).toFixed(9));
	return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function durationProto(value: unknown): number {
	const units: Record<string, number> = {h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1};
	let total = 0;
	const text = String(value);
	for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(n) * units[unit];
	return text.startsWith('-') ? -total : total;
}

function rawJson(raw: unknown): unknown {
	if (raw === undefined || raw === null) return undefined;
	const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw as Uint8Array);
	if (bytes.length === 0) return undefined;
	return JSON.parse(bytes.toString('utf8'));
}

const rawProto = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

/** A message (toObject shape) as the JSON object kube-apiserver reads from the same Go struct. */
export function messageToJson(type: Type, value: Plain): unknown {
	switch (kindOf(type)) {
		case `${meta}.Time`:
			return timeJson(value, false);
		case `${meta}.MicroTime`:
			return timeJson(value, true);
		case `${meta}.Duration`:
			return durationJson(Number(value.duration ?? 0));
		case `${meta}.FieldsV1`:
			return rawJson(value.Raw);
		case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
			return rawJson(value.raw);
		case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
			return value.string;
		case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
			return Number(value.type ?? 0) === 1 ? value.strVal ?? '' : Number(value.intVal ?? 0);
	}
	if (isItemsWrapper(type)) return value.items ?? [];
	const out: Plain = {};
	for (const field of type.fieldsArray) {
		const v = value[field.name];
		if (v === undefined || v === null) continue;
		const json = fieldToJson(field, v);
		if (json !== undefined) out[field.name] = json;
	}
	return out;
}

function fieldToJson(field: Field, v: unknown): unknown {
	const type = field.resolvedType as Type | null;
	const one = (x: unknown) => (type && 'fieldsArray' in type ? messageToJson(type, x as Plain) : x);
	if (field.map) return Object.fromEntries(Object.entries(v as Plain).map(([k, x]) => [k, one(x)]));
	if (field.repeated) return (v as unknown[]).map(one);
	// gogo writes every non-pointer string, even empty; Go's JSON leaves them out (omitempty).
	if (v === '') return undefined;
	return one(v);
}

/** A JSON object as the fromObject shape of `type` (fields protobuf has no place for are dropped, as Go drops them). */
export function jsonToMessage(type: Type, value: unknown): unknown {
	switch (kindOf(type)) {
		case `${meta}.Time`:
		case `${meta}.MicroTime`:
			return timeProto(value);
		case `${meta}.Duration`:
			return {duration: durationProto(value)};
		case `${meta}.FieldsV1`:
			return {Raw: rawProto(value)};
		case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
			return {raw: rawProto(value)};
		case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
			return {string: String(value)};
		case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
			return typeof value === 'number' ? {type: 0, intVal: value} : {type: 1, strVal: String(value)};
	}
	if (isItemsWrapper(type)) return {items: value};
	if (value === null || typeof value !== 'object') throw new TypeError(`${kindOf(type)} must be an object`);
	const out: Plain = {};
	for (const field of type.fieldsArray) {
		const v = (value as Plain)[field.name];
		if (v === undefined || v === null) continue;
		const fieldType = field.resolvedType as Type | null;
		const one = (x: unknown) => (fieldType && 'fieldsArray' in fieldType ? jsonToMessage(fieldType, x) : x);
		if (field.map) out[field.name] = Object.fromEntries(Object.entries(v as Plain).map(([k, x]) => [k, one(x)]));
		else if (field.repeated) out[field.name] = (v as unknown[]).map(one);
		else out[field.name] = one(v);
	}
	return out;
}
