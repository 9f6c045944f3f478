import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

// Which kubeconfig files a command reads, apart from reading them (kubeconfig.ts): the console names
// and checks them before its first frame, without loading the YAML parser and the proxy code.

/** Which files to read, in merge order, and whether each must exist. */
export function kubeconfigFiles(options: {kubeconfig?: string; env?: NodeJS.ProcessEnv}): {files: string[]; explicit: boolean} {
	const env = options.env ?? process.env;
	const home = env.HOME || env.USERPROFILE || os.homedir();
	const expand = (file: string) => path.resolve(file.startsWith('~/') ? path.join(home, file.slice(2)) : file);
	if (options.kubeconfig) return {files: [expand(options.kubeconfig)], explicit: true};
	const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
	if (list.length > 0) return {files: [...new Set(list.map(expand))], explicit: false};
	return {files: [path.join(home, '.kube', 'config')], explicit: false};
}
