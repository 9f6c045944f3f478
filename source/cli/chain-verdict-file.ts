import path from 'node:path';
import process from 'node:process';
import {chainsVerifiedHere, trustChains} from '../mcm/certificate-facts.js';
import {addPrivateLines, compileCacheDirectory, readPrivateLines} from './compile-cache.js';

// The tunnel certificate chains `status` and the console verified before, kept between runs: one
// ECDSA or RSA signature check per managed cluster (its tunnel certificate against the management
// cluster's CA), ~0.07-0.13 ms of CPU each, ~4 % of a 1,001-cluster `status --json` (~84 ms of a
// console's start) that finds the same certificates every time. A line is `leaf sha256/CA sha256`
// of a chain that held (mcm/certificate-facts.ts says why that pair decides the verdict); a chain
// that failed is checked again. As the other caches (code-cache.ts, tls-session-file.ts):
// $XDG_CACHE_HOME/calico-mcm/chains/verified (else ~/.cache/...), the directory 0700 and the user's
// own, the file 0600 and written whole (a temporary file renamed into place), nothing used from a
// directory or file that is anyone else's or open to others: whoever can write there can already
// replace the code the program runs from its code cache. At most `maxChains` lines (~1 MB, as many
// as the TLS session file keeps sessions), the newest kept. CALICO_MCM_NO_CHAIN_CACHE (any value)
// turns it off.

const maxChains = 8192;

/** The file of the verified chains. */
export function chainVerdictFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(path.dirname(compileCacheDirectory(env)), 'chains', 'verified');
}

/**
 * Hands the chains verified before to the certificate checks; returns what to call to write the new
 * ones, as often as the caller likes (the console: once its fleet answered, and at its stop): each
 * call writes only when chains were verified since the last write.
 */
export function useChainVerdicts(env: NodeJS.ProcessEnv = process.env, file = chainVerdictFile(env)): () => boolean {
	if (env.CALICO_MCM_NO_CHAIN_CACHE !== undefined) return () => false;
	trustChains(readPrivateLines(file));
	const written = new Set<string>();
	return () => saveChains(file, written);
}

/** Writes the chains this run verified, after those the file holds (another run's too); false when there was nothing new or it could not. */
function saveChains(file: string, written: Set<string>): boolean {
	const verified = chainsVerifiedHere();
	if (verified.every(key => written.has(key))) return false;
	const saved = addPrivateLines(file, verified, maxChains);
	if (saved) for (const key of verified) written.add(key);
	return saved;
}
