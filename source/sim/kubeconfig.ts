// The kubeconfig of a simulated fleet: one context per cluster, each with its own bearer token.
// It holds credentials, so it is written 0600 (also when it replaces an existing file).
import {randomBytes} from 'node:crypto';
import {existsSync, statSync} from 'node:fs';
import {rename, writeFile, unlink} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';

/** `caData`: base64 PEM of the CA that signed an https server's certificate. */
export type KubeconfigEntry = {name: string; url: string; token: string; caData?: string};

// Written line by line (js-yaml's dump takes seconds for 1,000 contexts); every scalar is a JSON
// string, which YAML reads as a double-quoted scalar.
export function kubeconfigText(entries: KubeconfigEntry[], currentContext: string): string {
	const q = (s: string) => JSON.stringify(s);
	const lines = ['apiVersion: v1', 'kind: Config', 'preferences: {}', 'clusters:'];
	for (const e of entries) {
		lines.push(`- name: ${q(e.name)}`, '  cluster:', `    server: ${q(e.url)}`);
		if (e.caData) lines.push(`    certificate-authority-data: ${q(e.caData)}`);
	}
	lines.push('users:');
	for (const e of entries) lines.push(`- name: ${q(`${e.name}-admin`)}`, '  user:', `    token: ${q(e.token)}`);
	lines.push('contexts:');
	for (const e of entries) lines.push(`- name: ${q(e.name)}`, '  context:', `    cluster: ${q(e.name)}`, `    user: ${q(`${e.name}-admin`)}`);
	lines.push(`current-context: ${q(currentContext)}`);
	return `${lines.join('\n')}\n`;
}

/** Throws an Error naming the path and the fix when the file cannot be written there. */
export function checkKubeconfigPath(path: string): string {
	const absolute = resolve(path);
	const dir = dirname(absolute);
	if (!existsSync(dir)) throw new Error(`--kubeconfig-out ${path}: directory ${dir} does not exist (create it first or choose another path)`);
	if (!statSync(dir).isDirectory()) throw new Error(`--kubeconfig-out ${path}: ${dir} is not a directory`);
	if (existsSync(absolute) && statSync(absolute).isDirectory()) throw new Error(`--kubeconfig-out ${path}: is a directory; give a file name`);
	return absolute;
}

/** Writes atomically with mode 0600: a temporary file in the same directory, then a rename. */
export async function writeKubeconfig(path: string, entries: KubeconfigEntry[], currentContext: string): Promise<string> {
	const absolute = checkKubeconfigPath(path);
	const temporary = `${absolute}.${randomBytes(4).toString('hex')}.tmp`;
	try {
		await writeFile(temporary, kubeconfigText(entries, currentContext), {mode: 0o600});
		await rename(temporary, absolute);
	} catch (error) {
		await unlink(temporary).catch(() => {});
		throw new Error(`--kubeconfig-out ${path}: cannot write the kubeconfig: ${error instanceof Error ? error.message : String(error)}`);
	}
	return absolute;
}
