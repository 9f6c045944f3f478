// `calico-mcm diags [--context C]... [--output FILE] [--tail N]`: one support bundle (.tar.gz) of the
// fleet, progress per cluster on stderr; an unreachable cluster is skipped with the reason in the bundle.
import process from 'node:process';
import {commonFlags, commonOptions, parseCommandLine} from './common-flags.js';
import {checkOutputPath, defaultBundleName, writeBundle} from '../app/diags-bundle.js';
import {openFleetClients} from './fleet-access.js';
import {usage, UsageError} from './usage.js';

const diagsFlags = {...commonFlags, output: {type: 'string'}, tail: {type: 'number'}} as const;

export async function main(argv: string[]): Promise<number> {
	const parsed = parseCommandLine(argv, 'diags', diagsFlags);
	if (parsed.help) {
		process.stdout.write(usage('diags'));
		return 0;
	}
	if (parsed.input.length > 0) throw new UsageError(`unexpected argument "${parsed.input[0]}" for \`diags\``, 'use --context NAME to choose clusters');
	const common = commonOptions(parsed.flags);
	const output = typeof parsed.flags.output === 'string' ? parsed.flags.output : defaultBundleName();
	const tail = parsed.flags.tail === undefined ? 500 : Number(parsed.flags.tail);
	if (!Number.isInteger(tail) || tail < 1) throw new UsageError(`--tail ${String(parsed.flags.tail)}: expected a whole number of lines`, 'e.g. --tail 500');
	const problem = checkOutputPath(output);
	if (problem) throw new UsageError(problem, 'pass --output with a new .tar.gz file in a writable directory');
	const {clients} = openFleetClients(common);
	const log: string[] = [];
	const controller = new AbortController();
	const onSignal = () => controller.abort();
	process.on('SIGINT', onSignal);
	try {
		const result = await writeBundle({
			clients, output, tailLines: tail, signal: controller.signal,
			consoleLog: () => log,
			onProgress: (cluster, text) => {
				const line = `${cluster}: ${text}`;
				log.push(`${new Date().toISOString()} ${line}`);
				process.stderr.write(`${line}\n`);
			},
		});
		const skipped = result.clusters.filter(c => c.skipped).length;
		process.stdout.write(`${result.output} (${result.bytes} bytes, ${result.clusters.length - skipped} clusters${skipped ? `, ${skipped} skipped` : ''})\n`);
		return 0;
	} finally {
		process.off('SIGINT', onSignal);
		for (const client of clients.values()) client.close();
	}
}
