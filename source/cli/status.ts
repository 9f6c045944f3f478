// Placeholder entry so the tree compiles while the real command is being written.
export async function main(_argv: string[]): Promise<number> {
	process.stderr.write('calico-mcm: this command is not built yet\n');
	return 2;
}
