import fs from 'node:fs';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {createGzip} from 'node:zlib';
import PQueue from 'p-queue';
import tar from 'tar-stream';
import type {ClusterClient} from '../kube/client.js';
import {collectClusterDiags, type ClusterDiags} from '../mcm/diags.js';
import {maskText} from '../mcm/secrets.js';

// One support bundle per run: a .tar.gz (tar-stream + zlib) with a directory per cluster, the
// console's own log, and a summary. Written 0600 under a temporary name and renamed at the end, so a
// half-written bundle never looks finished. The output path is checked before any cluster is asked.

export type BundleOptions = {
	clients: ReadonlyMap<string, ClusterClient>;
	output: string;
	/** Lines of each pod log (default 500). */
	tailLines?: number;
	/** The console's own log, as lines (masked again here). */
	consoleLog?: () => string[];
	/** Clusters collected at once (default 4). */
	concurrency?: number;
	/** Per cluster, at most this long (default 60 s): a hanging cluster is cut off, not waited for. */
	clusterTimeoutMs?: number;
	signal?: AbortSignal;
	/** Per cluster: collecting, then done or skipped (with the reason), in words and as a phase. */
	onProgress?: (cluster: string, text: string, phase: 'collecting' | 'done' | 'skipped') => void;
};

export type BundleResult = {output: string; clusters: ClusterDiags[]; bytes: number};

/** Why this path cannot take the bundle, or undefined when it can (nothing is created here). */
export function checkOutputPath(output: string): string | undefined {
	const dir = path.dirname(path.resolve(output));
	if (fs.existsSync(output)) return `${output} already exists: choose another --output, or remove it`;
	try {
		if (!fs.statSync(dir).isDirectory()) return `${dir} is not a directory`;
		fs.accessSync(dir, fs.constants.W_OK);
	} catch (error) {
		return `cannot write in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
	}
	if (!/\.(tar\.gz|tgz)$/.test(output)) return `${output}: the bundle is a gzipped tar; name it *.tar.gz`;
	return undefined;
}

export function defaultBundleName(now = new Date()): string {
	return `calico-mcm-diags-${now.toISOString().replace(/[:.]/g, '').replace(/\d{3}Z$/, 'Z')}.tar.gz`;
}

export async function writeBundle(o: BundleOptions): Promise<BundleResult> {
	const problem = checkOutputPath(o.output);
	if (problem) throw new Error(problem);
	const clusters: ClusterDiags[] = [];
	const queue = new PQueue({concurrency: Math.max(1, o.concurrency ?? 4)});
	const collect = async (c: ClusterClient) => {
		o.onProgress?.(c.context, 'collecting', 'collecting');
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), o.clusterTimeoutMs ?? 60_000);
		const stop = () => controller.abort();
		o.signal?.addEventListener('abort', stop, {once: true});
		try {
			const result = await collectClusterDiags(c, {tailLines: o.tailLines, signal: controller.signal});
			if (controller.signal.aborted && !result.skipped) result.errors.push('cut off: the cluster took longer than the per-cluster limit');
			clusters.push(result);
			o.onProgress?.(c.context, result.skipped ? `skipped: ${result.skipped}` : `done: ${result.files.length} files${result.errors.length ? `, ${result.errors.length} requests failed` : ''}`, result.skipped ? 'skipped' : 'done');
		} finally {
			clearTimeout(timer);
			o.signal?.removeEventListener('abort', stop);
		}
	};
	await Promise.all([...o.clients.values()].map(c => queue.add(() => collect(c))));
	clusters.sort((a, b) => a.cluster.localeCompare(b.cluster, 'en', {numeric: true}));

	const root = path.basename(o.output).replace(/\.(tar\.gz|tgz)$/, '');
	const entries: Array<{name: string; content: string}> = [];
	const summary = clusters.map(c => `${c.cluster}: ${c.skipped ? `skipped: ${c.skipped}` : `${c.files.length} files${c.errors.length ? `, ${c.errors.length} requests failed` : ''}`}`);
	entries.push({name: 'SUMMARY.txt', content: `calico-mcm support bundle, ${new Date().toISOString()}\nSecret data and tokens are removed.\n\n${summary.map(maskText).join('\n')}\n`});
	for (const c of clusters) for (const f of c.files) entries.push({name: f.path, content: f.content});
	entries.push({name: 'calico-mcm.log', content: `${(o.consoleLog?.() ?? []).map(maskText).join('\n')}\n`});

	const partial = `${o.output}.partial-${process.pid}`;
	const pack = tar.pack();
	const file = fs.createWriteStream(partial, {mode: 0o600, flags: 'wx'});
	const written = pipeline(pack, createGzip(), file);
	try {
		for (const entry of entries) {
			await new Promise<void>((resolve, reject) => pack.entry({name: `${root}/${entry.name}`, mode: 0o600, mtime: new Date()}, entry.content, error => (error ? reject(error) : resolve())));
		}
		pack.finalize();
		await written;
		fs.renameSync(partial, o.output);
	} catch (error) {
		pack.destroy();
		fs.rmSync(partial, {force: true});
		throw error;
	}
	return {output: o.output, clusters, bytes: fs.statSync(o.output).size};
}
