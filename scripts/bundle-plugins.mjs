// The bundle's patches of dependencies that a CommonJS program and the first frame need
// (scripts/bundle.mjs): each rewrites a checked text, so that a release that changes it fails the
// build instead of quietly breaking the bundle or slowing its start again.
import {readFileSync} from 'node:fs';
import {builtinModules} from 'node:module';
import process from 'node:process';

/**
 * yoga-layout (ink's layout engine) loads its WebAssembly with a top-level await, which a CommonJS
 * program cannot have: it carries the wasm as a base64 data: URL and instantiates it asynchronously
 * (where a global `fetch` exists, through fetch(), which in Node loads undici, about as much CPU as all
 * of yoga). Here its index instantiates it synchronously instead, through Emscripten's own hook for
 * that (`instantiateWasm`, given the data: URL, decoded with Buffer): the module is ready when the
 * import returns, as it was after the await. The texts patched are checked, so a yoga release that
 * changes them fails the build instead of breaking the bundle.
 */
export function yogaSyncPlugin() {
	const binaries = {from: 'if(h.instantiateWasm)try{return h.instantiateWasm(d,\na)}', to: 'if(h.instantiateWasm)try{return h.instantiateWasm(d,\na,H)}'};
	const index = {
		from: 'const Yoga = wrapAssembly(await loadYoga());',
		to: `const lib = {instantiateWasm(imports, receive, url) {
	receive(new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')), imports));
	return {};
}};
loadYoga(lib);
if (!lib.calledRun) throw new Error('yoga-layout: its WebAssembly did not start synchronously (scripts/bundle.mjs, yogaSyncPlugin)');
const Yoga = wrapAssembly(lib);`,
	};
	const patch = (path, {from, to}) => {
		const text = readFileSync(path, 'utf8');
		if (text.split(from).length !== 2) throw new Error(`${path}: the wasm loader changed; update yogaSyncPlugin in scripts/bundle.mjs`);
		return {contents: text.replace(from, to), loader: 'js'};
	};
	return {
		name: 'yoga-sync',
		setup(build) {
			build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, args => patch(args.path, binaries));
			build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/}, args => patch(args.path, index));
		},
	};
}

/**
 * ink's reconciler imports its React devtools with a top-level await when DEV=true: the package
 * (react-devtools-core) is not in the bundle, nor a dependency, and ink's package.json, which it
 * then reads beside itself, is not either. In the bundle that path only fails; here it is never taken
 * (isDev() there is false), which also leaves no top-level await. Checked text patch, as yoga's.
 */
export function inkWithoutDevtoolsPlugin() {
	return {
		name: 'ink-without-devtools',
		setup(build) {
			build.onLoad({filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/}, args => {
				const text = readFileSync(args.path, 'utf8');
				if (text.split('isDev()').length !== 3 || !text.includes("await import('./devtools.js')")) throw new Error(`${args.path}: its devtools import changed; update inkWithoutDevtoolsPlugin in scripts/bundle.mjs`);
				return {contents: text.replaceAll('isDev()', 'false').replace("await import('./devtools.js')", "void 0"), loader: 'js'};
			});
		},
	};
}

/**
 * meow's bundled dependencies sort spdx-correct's two tables of licence-name corrections when they
 * are loaded, with localeCompare: that first localeCompare loads ICU's collator (~4 % of the CPU to the
 * first frame), for tables used only to correct a package.json's \`license\` (the console gives meow
 * a package without one). Here they are sorted the same way (same comparator, stable sort, same input)
 * on spdx-correct's first call instead. Checked text patch, as yoga's.
 */
export function meowLazyLicenceSortPlugin() {
	const sorts = [['].sort(sortTranspositions);', '];'], ['].concat(licensesWithOneVersion).sort(sortTranspositions);', '].concat(licensesWithOneVersion);']];
	const entry = 'var spdxCorrect = function (identifier, options) {\n';
	return {
		name: 'meow-lazy-licence-sort',
		setup(build) {
			build.onLoad({filter: /[\\/]meow[\\/]build[\\/]dependencies\.js$/}, args => {
				const text = readFileSync(args.path, 'utf8');
				if (sorts.some(([from]) => text.split(from).length !== 2) || text.split(entry).length !== 2 || text.split('transpositions').length !== 4 || text.split('lastResorts').length !== 4) {
					throw new Error(`${args.path}: spdx-correct's tables changed; update meowLazyLicenceSortPlugin in scripts/bundle.mjs`);
				}
				const once = 'var spdxTablesSorted = false;\n' + entry + '  if (!spdxTablesSorted) {\n    spdxTablesSorted = true;\n    transpositions.sort(sortTranspositions);\n    lastResorts.sort(sortTranspositions);\n  }\n';
				return {contents: sorts.reduce((t, [from, to]) => t.replace(from, to), text).replace(entry, once), loader: 'js'};
			});
		},
	};
}

/**
 * In a CommonJS bundle each ES module that imports a Node builtin's default export (\`import process
 * from 'node:process'\`, the project's style) gets its own copy of the builtin's properties, made at
 * load (esbuild's __toESM: a getter per property, ~150 for process, ~100 for fs; 92 such imports,
 * ~6 % of the CPU to the first frame). Here every import statement of a builtin goes through one
 * small ES module per builtin that re-exports it (\`export *\` and its default, each copied once), so
 * the importers share that one object. The names and values are the builtin's own, read live as
 * before (the re-export's getters).
 */
export function builtinFacadePlugin() {
	const builtins = new Set([...builtinModules, ...builtinModules.map(name => `node:${name}`)]);
	return {
		name: 'builtin-facade',
		setup(build) {
			build.onResolve({filter: /^[a-z_:/]+$/}, args => (args.kind === 'import-statement' && args.namespace === 'file' && builtins.has(args.path) ? {path: args.path.replace(/^node:/, ''), namespace: 'builtin-facade'} : undefined));
			build.onLoad({filter: /.*/, namespace: 'builtin-facade'}, args => {
				const specifier = JSON.stringify(`node:${args.path}`);
				return {contents: `export * from ${specifier};\nexport {default} from ${specifier};\n`, loader: 'js', resolveDir: process.cwd()};
			});
		},
	};
}
