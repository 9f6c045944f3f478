// The published program: cli.tsx and everything it imports (ink, react, their dependencies) in one
// minified CommonJS file (dist/bundle/program-HASH.cjs), so that `calico-mcm` starts by reading two
// files instead of resolving ~700 modules (415 of them es-toolkit/compat, pulled in by ink's
// throttle), and a small bin (dist/bundle/cli.js, source/cli/bin.ts) that runs it through V8's code
// cache (source/cli/code-cache.ts). The tests run from the sources; `npm run build` makes dist/bundle
// for the bin and the package. Usage: node scripts/bundle.mjs [outdir]
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {basename} from 'node:path';
import process from 'node:process';
import {fileURLToPath, URL} from 'node:url';
import {build} from 'esbuild';
import {builtinFacadePlugin, inkWithoutDevtoolsPlugin, meowLazyLicenceSortPlugin, yogaSyncPlugin} from './bundle-plugins.mjs';

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
// Both files: minified CommonJS for Node 20 and later.
const commonJs = {outdir, bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: true, logLevel: 'warning'};
// The program: one CommonJS file, so that the bin can run it through V8's code cache (Node 20 has
// none for ES modules; source/cli/code-cache.ts). Its name carries a hash of its contents, which the
// cache's entries are keyed by. Lazy imports stay lazy: esbuild runs an imported module's code when
// the import() is reached, as before.
const program = await build({
	entryPoints: {program: 'cli.tsx'},
	entryNames: '[name]-[hash]',
	outExtension: {'.js': '.cjs'},
	...commonJs,
	// React's production build only: the console sets NODE_ENV=production before importing it anyway.
	// CALICO_MCM_BUNDLE: ink's Output is already ink-output.ts's here (installInkOutput has nothing to do).
	// import.meta: the program file's (a module's import.meta.url and dirname are its file's, as in ESM).
	define: {'process.env.NODE_ENV': '"production"', CALICO_MCM_BUNDLE: 'true', 'import.meta': '__calicoImportMeta'},
	// ink imports its devtools only when DEV is set; the package is not a dependency.
	external: ['react-devtools-core'],
	// Strict, as the ES modules it is made of.
	banner: {js: '"use strict";const __calicoImportMeta={url:require("node:url").pathToFileURL(__filename).href,dirname:__dirname,filename:__filename};'},
	legalComments: 'linked',
	metafile: true,
	plugins: [inkFramesPlugin(), stringWidthLazyPlugin(), lazySegmenterPlugin(), reactFacadePlugin(), yogaSyncPlugin(), inkWithoutDevtoolsPlugin(), meowLazyLicenceSortPlugin(), builtinFacadePlugin()],
});
const programFile = Object.keys(program.metafile.outputs).find(f => f.endsWith('.cjs'));
// The bin: a small CommonJS file that runs the program (source/cli/bin.ts). CommonJS, as the
// package.json beside it says: an ES module entry would cost Node its module loader first.
await build({
	entryPoints: {cli: 'source/cli/bin.ts'},
	...commonJs,
	define: {CALICO_MCM_PROGRAM: JSON.stringify(basename(programFile)), CALICO_MCM_BIN_DIR: '__dirname'},
});
writeFileSync(`${outdir}/package.json`, `${JSON.stringify({type: 'commonjs'}, null, '\t')}\n`);
const inputs = Object.keys(program.metafile.inputs).length;
process.stdout.write(`bundle: ${inputs} modules → ${basename(programFile)} and cli.js in ${outdir}\n`);
