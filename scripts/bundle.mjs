// The published program: cli.tsx and everything it imports (ink, react, their dependencies) in a few
// minified ES modules, split at the lazy command imports, so `calico-mcm` starts by reading a handful
// of files instead of resolving ~700 modules (415 of them es-toolkit/compat, pulled in by ink's
// throttle). The tests run from the sources; `npm run build` makes dist/bundle for the bin and the
// package. Usage: node scripts/bundle.mjs [outdir]
import {readFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import process from 'node:process';
import {fileURLToPath, URL} from 'node:url';
import {build} from 'esbuild';

const outdir = process.argv[2] ?? 'dist/bundle';

const own = file => fileURLToPath(new URL(`../source/ui/${file}`, import.meta.url));

/**
 * ink's Output, the one that keeps its caches from frame to frame (source/ui/ink-output.ts says why),
 * and string-width with a memory and a fast path (source/ui/string-width-cache.ts) for every package
 * that measures text: ink, widest-line, cli-truncate and wrap-ansi (whose own string-width 7 would
 * otherwise build a second grapheme segmenter and emoji expressions before the first frame).
 */
function inkFramesPlugin() {
	const cache = own('string-width-cache.ts');
	return {
		name: 'ink-frames',
		setup(build) {
			build.onResolve({filter: /^\.\/output\.js$/}, args => (/[\\/]ink[\\/]build[\\/]renderer\.js$/.test(args.importer) ? {path: own('ink-output.ts')} : undefined));
			build.onResolve({filter: /^string-width$/}, args => (/[\\/]node_modules[\\/]/.test(args.importer) ? {path: cache} : undefined));
		},
	};
}

/**
 * string-width builds its grapheme segmenter and compiles its Unicode-property expressions when it
 * is loaded; the emoji one alone (\p{RGI_Emoji}, v flag) is ~25 ms of CPU. The console's own texts
 * never need them (string-width-cache.ts measures them without string-width), so here they are made
 * on string-width's first call that gets past its ASCII fast path. The text patched is checked, so a
 * release that changes it fails the build instead of silently loading them eagerly again.
 */
function stringWidthLazyPlugin() {
	const names = ['segmenter', 'visibleCharacterRegex', 'spacingMarkRegex', 'rgiEmojiRegex', 'extendedPictographicRegex'];
	const start = '\tlet width = 0;\n\tconst eastAsianWidthOptions';
	return {
		name: 'string-width-lazy',
		setup(build) {
			build.onLoad({filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/}, args => {
				let text = readFileSync(args.path, 'utf8');
				const made = [];
				for (const name of names) {
					const declaration = new RegExp(`^const ${name} = (new Intl\\.Segmenter\\(\\)|/.+/[a-z]*);$`, 'm');
					const match = declaration.exec(text);
					if (!match) throw new Error(`${args.path}: no \`const ${name} = ...\`; update stringWidthLazyPlugin in scripts/bundle.mjs`);
					text = text.replace(declaration, `let ${name};`);
					made.push(`${name} = ${match[1]};`);
				}
				if (text.split(start).length !== 2) throw new Error(`${args.path}: stringWidth's body changed; update stringWidthLazyPlugin in scripts/bundle.mjs`);
				text = text.replace(start, `\tif (segmenter === undefined) {\n${made.join('\n')}\n\t}\n${start}`);
				return {contents: text, loader: 'js'};
			});
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

/**
 * The grapheme segmenters of ansi-tokenize (ink's frame builder) and slice-ansi: made at load, and
 * the first one loads ICU's break rules (~20 ms of CPU before the first frame). Here they are
 * source/ui/graphemes.ts's: made on first use, and ansi-tokenize's segments the console's own lines
 * (escape sequences and narrow characters) without ICU. Checked text patches, as yoga's.
 */
function lazySegmenterPlugin() {
	const graphemes = own('graphemes.ts');
	const patches = [
		{file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, from: 'const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });', to: 'graphemeSegmenter as segmenter'},
		{file: /[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, from: "const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});", to: 'lazyGraphemeSegmenter as GRAPHEME_SEGMENTER'},
	];
	return {
		name: 'lazy-segmenter',
		setup(build) {
			for (const {file, from, to} of patches) {
				build.onLoad({filter: file}, args => {
					const text = readFileSync(args.path, 'utf8');
					if (text.split(from).length !== 2) throw new Error(`${args.path}: its segmenter changed; update lazySegmenterPlugin in scripts/bundle.mjs`);
					return {contents: `import {${to}} from ${JSON.stringify(graphemes)};\n${text.replace(from, '')}`, loader: 'js'};
				});
			}
		},
	};
}

/**
 * React is CommonJS: esbuild gives each ES module that imports it its own copy of React's ~46
 * exports (__toESM, ~80 modules here), one by one at load. Here `react` and `react/jsx-runtime`, imported
 * from ES modules, are a facade that takes them from React once; the names are React's own (read
 * from the installed package), so a React release with other exports needs no change here.
 */
function reactFacadePlugin() {
	const require = createRequire(import.meta.url);
	const facades = {react: 'react', 'react/jsx-runtime': 'react/jsx-runtime'};
	return {
		name: 'react-facade',
		setup(build) {
			build.onResolve({filter: /^react(\/jsx-runtime)?$/}, args => (args.kind === 'import-statement' && args.namespace === 'file' ? {path: args.path, namespace: 'react-facade'} : undefined));
			build.onLoad({filter: /.*/, namespace: 'react-facade'}, args => {
				const names = Object.keys(require(facades[args.path])).filter(name => name !== 'default');
				return {contents: `import R from ${JSON.stringify(args.path)};\nexport default R;\nexport const {${names.join(', ')}} = R;\n`, loader: 'js', resolveDir: process.cwd()};
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
	// CALICO_MCM_BUNDLE: ink's Output is already ink-output.ts's here (installInkOutput has nothing to do).
	define: {'process.env.NODE_ENV': '"production"', CALICO_MCM_BUNDLE: 'true'},
	// ink imports its devtools only when DEV is set; the package is not a dependency.
	external: ['react-devtools-core'],
	// CommonJS dependencies (react, yoga's loader) call require(): give the ES modules one.
	banner: {js: "import {createRequire as __calicoRequire} from 'node:module';const require=__calicoRequire(import.meta.url);"},
	chunkNames: 'chunks/[name]-[hash]',
	legalComments: 'linked',
	metafile: true,
	plugins: [inkFramesPlugin(), stringWidthLazyPlugin(), lazySegmenterPlugin(), reactFacadePlugin(), yogaWithoutFetchPlugin()],
	logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).filter(f => f.endsWith('.js'));
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle: ${inputs} modules → ${files.length} files in ${outdir}\n`);
