// The published program: cli.tsx and everything it imports (ink, react, their dependencies) in a few
// minified ES modules, split at the lazy command imports, so `calico-mcm` starts by reading a handful
// of files instead of resolving ~700 modules (415 of them es-toolkit/compat, pulled in by ink's
// throttle). The tests run from the sources; `npm run build` makes dist/bundle for the bin and the
// package. Usage: node scripts/bundle.mjs [outdir]
import {rmSync} from 'node:fs';
import process from 'node:process';
import {build} from 'esbuild';

const outdir = process.argv[2] ?? 'dist/bundle';
rmSync(outdir, {recursive: true, force: true});
const result = await build({
	entryPoints: {cli: 'cli.tsx'},
	outdir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	minify: true,
	// React's production build only: the console sets NODE_ENV=production before importing it anyway.
	define: {'process.env.NODE_ENV': '"production"'},
	// ink imports its devtools only when DEV is set; the package is not a dependency.
	external: ['react-devtools-core'],
	// CommonJS dependencies (react, yoga's loader) call require(): give the ES modules one.
	banner: {js: "import {createRequire as __calicoRequire} from 'node:module';const require=__calicoRequire(import.meta.url);"},
	chunkNames: 'chunks/[name]-[hash]',
	legalComments: 'linked',
	metafile: true,
	logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).filter(f => f.endsWith('.js'));
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle: ${inputs} modules → ${files.length} files in ${outdir}\n`);
