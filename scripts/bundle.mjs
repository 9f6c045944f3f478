// The published program: cli.tsx and everything it imports (ink, react, their dependencies) in a few
// minified ES modules, split at the lazy command imports, so `calico-mcm` starts by reading a handful
// of files instead of resolving ~700 modules (415 of them es-toolkit/compat, pulled in by ink's
// throttle). The tests run from the sources; `npm run build` makes dist/bundle for the bin and the
// package. Usage: node scripts/bundle.mjs [outdir]
import {readFileSync, rmSync} from 'node:fs';
import process from 'node:process';
import {fileURLToPath, URL} from 'node:url';
import {build} from 'esbuild';

const outdir = process.argv[2] ?? 'dist/bundle';

const own = file => fileURLToPath(new URL(`../source/ui/${file}`, import.meta.url));

/**
 * ink's Output, the one that keeps its caches from frame to frame (source/ui/ink-output.ts says why),
 * and string-width with a memory for ink and widest-line (source/ui/string-width-cache.ts).
 */
function inkFramesPlugin() {
	return {
		name: 'ink-frames',
		setup(build) {
			build.onResolve({filter: /^\.\/output\.js$/}, args => (/[\\/]ink[\\/]build[\\/]renderer\.js$/.test(args.importer) ? {path: own('ink-output.ts')} : undefined));
			build.onResolve({filter: /^string-width$/}, args => (/[\\/]node_modules[\\/](ink|widest-line)[\\/]/.test(args.importer) ? {path: own('string-width-cache.ts')} : undefined));
		},
	};
}

/**
 * yoga-layout (ink's layout engine) carries its WebAssembly as a base64 data: URL and, where a global
 * `fetch` exists, loads it with fetch(): in Node that first use of fetch loads undici, about as much
 * CPU as all of yoga, before the first frame. Here the bytes are decoded with Buffer instead (the path
 * Emscripten takes when it is given `wasmBinary`). The text patched is checked, so a yoga release
 * that changes it fails the build instead of silently loading undici again.
 */
function yogaWithoutFetchPlugin() {
	const from = 'function ya(){return w||"function"!=typeof fetch?';
	const to = 'function ya(){w||!ua(H)||(w=Buffer.from(H.slice(37),"base64"));return w||"function"!=typeof fetch?';
	return {
		name: 'yoga-without-fetch',
		setup(build) {
			build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, args => {
				const text = readFileSync(args.path, 'utf8');
				if (text.split(from).length !== 2) throw new Error(`${args.path}: the wasm loader changed; update yogaWithoutFetchPlugin in scripts/bundle.mjs`);
				return {contents: text.replace(from, to), loader: 'js'};
			});
		},
	};
}

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
	plugins: [inkFramesPlugin(), yogaWithoutFetchPlugin()],
	logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).filter(f => f.endsWith('.js'));
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle: ${inputs} modules → ${files.length} files in ${outdir}\n`);
