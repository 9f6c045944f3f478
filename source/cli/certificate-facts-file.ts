import path from 'node:path';
import process from 'node:process';
import {factsFoundHere, rememberFacts, type CertificateFacts} from '../mcm/certificate-facts.js';
import {addPrivateLines, compileCacheDirectory, readPrivateLines} from './compile-cache.js';

// What `status` and the console read from the tunnel certificates (expiry, fingerprint, CN), kept
// between runs by the SHA-256 of the certificate's text (mcm/certificate-facts.ts says why), so that a
// fleet's certificates are parsed once, not at every run. A line is `textSha256 notAfter sha256 CN`,
// the CN as a JSON string (any text a certificate may hold stays on its line), left out when the
// certificate has none. As the other caches (code-cache.ts, chain-verdict-file.ts):
// $XDG_CACHE_HOME/calico-mcm/certs/facts (else ~/.cache/...), the directory 0700 and the user's own,
// the file 0600 and written whole, nothing used from a directory or file that is anyone else's or
// open to others. At most `maxLines` lines (~1.3 MB), the newest kept; a line of another shape is
// passed over. CALICO_MCM_NO_CERT_CACHE (any value) turns it off.

const maxLines = 8192;

/** The file of the certificate facts. */
export function certificateFactsFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(path.dirname(compileCacheDirectory(env)), 'certs', 'facts');
}

const hex64 = /^[0-9a-f]{64}$/;

/** One line, or undefined when it is not of format()'s shape. */
function parseLine(line: string): [string, CertificateFacts] | undefined {
	const [key, notAfter, sha256] = line.split(' ', 3);
	if (!key || !hex64.test(key) || !sha256 || !hex64.test(sha256) || !/^-?\d+$/.test(notAfter ?? '')) return undefined;
	const rest = line.slice(key.length + notAfter!.length + sha256.length + 3);
	let commonName: unknown;
	try {
		commonName = rest === '' ? undefined : JSON.parse(rest);
	} catch {
		return undefined;
	}
	if (commonName !== undefined && (typeof commonName !== 'string' || commonName === '')) return undefined;
	return [key, {notAfter: Number(notAfter), sha256, ...(commonName ? {commonName} : {})}];
}

const format = ([key, facts]: readonly [string, CertificateFacts]): string => `${key} ${facts.notAfter} ${facts.sha256}${facts.commonName ? ` ${JSON.stringify(facts.commonName)}` : ''}`;

/**
 * Hands the facts earlier runs found to the certificate reads; returns what to call to write the new
 * ones, as often as the caller likes: each call writes only when certificates were parsed since the
 * last write.
 */
export function useCertificateFacts(env: NodeJS.ProcessEnv = process.env, file = certificateFactsFile(env)): () => boolean {
	if (env.CALICO_MCM_NO_CERT_CACHE !== undefined) return () => false;
	const known: Array<[string, CertificateFacts]> = [];
	for (const line of readPrivateLines(file)) {
		const entry = parseLine(line);
		if (entry) known.push(entry);
	}
	rememberFacts(known);
	let written = 0;
	return () => {
		const found = factsFoundHere();
		if (found.length === written) return false;
		const saved = addPrivateLines(file, found.map(format), maxLines);
		if (saved) written = found.length;
		return saved;
	};
}
