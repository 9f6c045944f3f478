// Secrets never reach the screen or a log unmasked: tokens, certificates, keys, pull secrets,
// licenses and installation manifests are replaced by a short marker that says what was there.
// Text is masked by what the product KNOWS is secret (the registry of secret values, see
// kube/secret-values.ts), plus the unambiguous forms (PEM blocks, bearer headers, JWTs). The shape
// rule (a long base64-looking run) only applies to free-form server messages, as a last line of
// defence: elsewhere it hid long cluster names and file paths the user needed to see.
// Files that hold secrets are written with mode 0600, also when the file existed before.

import {registerSecret, secretValues} from '../kube/secret-values.js';
import {writeFileAtomic} from './atomic-file.js';

const jwt = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const pem = /-----BEGIN ([A-Z ]+)-----[\s\S]*?(-----END \1-----|$)/g;
// In a server's message, a long unbroken run of base64 with upper and lower case and digits is key
// material far more often than prose.
const base64Blob = /[A-Za-z0-9+/]{40,}={0,2}/g;
const looksEncoded = (s: string) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
const bearer = /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi;

/** A token shown as its first characters and length: enough to tell two apart, useless to an attacker. */
export function maskToken(token: string): string {
	const t = token.trim();
	if (t.length <= 8) return '****';
	return `${t.slice(0, 4)}…**** (${t.length} chars)`;
}

/** Mask known secret values, PEM blocks, bearer headers and JWTs in text (log lines, messages, outputs). */
export function maskText(text: string): string {
	let out = text;
	for (const value of secretValues()) if (out.includes(value)) out = out.split(value).join(`<secret masked, ${value.length} chars>`);
	return out
		.replace(pem, (_m, label: string) => `<${label.toLowerCase()} masked>`)
		.replace(bearer, '$1****')
		.replace(jwt, m => maskToken(m));
}

/**
 * maskText plus the shape rule, for free-form text from a server (error messages), which may quote
 * a secret the product never saw: long base64-looking runs are masked too.
 */
export function maskServerText(text: string): string {
	return maskText(text).replace(base64Blob, m => (looksEncoded(m) ? `<${m.length} chars masked>` : m));
}

export {registerSecret};

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};

// Fields that always hold a secret, whatever their shape.
const secretKeys = new Set(['token', 'certificate', 'installationManifest', 'password', 'auth', 'client-key-data', 'client-certificate-data', 'identitytoken', 'registrytoken']);

// Already masked by an earlier pass: keep it (masking twice would report the marker's length).
const masked = /^<[^<>]*masked[^<>]*>$/;

function maskValue(value: Json, key: string | undefined): Json {
	if (typeof value === 'string') {
		if (masked.test(value)) return value;
		if (key !== undefined && secretKeys.has(key)) return `<${key} masked, ${value.length} chars>`;
		// Object fields are data, not names the user reads: the shape rule applies.
		return maskServerText(value);
	}
	if (Array.isArray(value)) return value.map(v => maskValue(v, undefined));
	if (value && typeof value === 'object') {
		const out: {[key: string]: Json} = {};
		for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, k);
		return out;
	}
	return value;
}

/**
 * A copy of a Kubernetes object fit to show: a Secret's data and stringData values are replaced by
 * their size, and secret fields anywhere (token, certificate, installationManifest, ...) are masked.
 */
export function maskObject<T>(obj: T): T {
	const copy = structuredClone(obj) as unknown as {kind?: unknown; data?: unknown; stringData?: unknown};
	if (copy && typeof copy === 'object' && copy.kind === 'Secret') {
		for (const field of ['data', 'stringData'] as const) {
			const data = copy[field];
			if (data && typeof data === 'object') {
				for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
					if (typeof v === 'string' && masked.test(v)) continue;
					(data as Record<string, unknown>)[k] = `<masked, ${typeof v === 'string' ? v.length : 0} chars>`;
				}
			}
		}
		return copy as T;
	}
	return maskValue(copy as Json, undefined) as T;
}

/**
 * Write a file that holds a secret with mode 0600, atomically: the file is replaced whole or left as
 * it was (see atomic-file.ts), and the new file is 0600 from its creation. `overwrite: false` fails
 * with EEXIST when the file exists.
 */
export function writeSecretFile(file: string, data: string | Uint8Array, options: {overwrite?: boolean} = {}): void {
	writeFileAtomic(file, data, {mode: 0o600, overwrite: options.overwrite});
}
