import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {createRequire} from 'node:module';
import {build, type Plugin} from 'esbuild';
import {afterAll, expect, test} from 'vitest';

// The bundle's patches of its dependencies (scripts/bundle-plugins.mjs) must not change what they do.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-bundle-plugins-'));
afterAll(() => fs.rmSync(root, {recursive: true, force: true}));

/** How many times `run` calls localeCompare (which loads ICU's collator the first time), by label. */
const localeCompares = new Map<string, number>();
async function countingLocaleCompares<T>(label: string, run: () => T | Promise<T>): Promise<T> {
	const original = String.prototype.localeCompare;
	let calls = 0;
	String.prototype.localeCompare = function (this: string, ...args: Parameters<typeof original>) {
		calls++;
		return original.apply(this, args);
	};
	try {
		return await run();
	} finally {
		String.prototype.localeCompare = original;
		localeCompares.set(label, calls);
	}
}

type Normalize = (pkg: Record<string, unknown>, warn?: (message: string) => void) => void;

/** meow's bundled dependencies built as the bundle builds them (with `plugins`) or as published, and their normalizePackageData. */
async function meowNormalize(name: string, plugins: Plugin[]): Promise<Normalize> {
	const outfile = path.join(root, `${name}.mjs`);
	await build({entryPoints: [path.resolve('node_modules/meow/build/dependencies.js')], outfile, bundle: true, format: 'esm', platform: 'node', plugins, logLevel: 'warning'});
	const module = (await countingLocaleCompares(name, () => import(pathToFileURL(outfile).href))) as Record<string, unknown>;
	const normalize = Object.values(module).find(value => typeof value === 'function' && value.name === 'normalize');
	if (!normalize) throw new Error('normalizePackageData not found among meow\'s dependencies\' exports');
	return normalize as Normalize;
}

test('meow reads a package\'s licence exactly as published when spdx-correct sorts its tables on first use instead of at load (no ICU collator at load)', async () => {
	const {meowLazyLicenceSortPlugin} = (await import(pathToFileURL(path.resolve('scripts/bundle-plugins.mjs')).href)) as {meowLazyLicenceSortPlugin: () => Plugin};
	const published = await meowNormalize('published', []);
	const patched = await meowNormalize('patched', [meowLazyLicenceSortPlugin()]);
	const licences = ['MIT', 'mit license', 'GNU GPL v3', 'GPL 2', 'Apache 2', 'apache license 2.0', 'BSD 3 clause', 'BSD-2-CLAUSE', 'GNU Lesser General Public License v2.1', 'LGPL', 'MPL 2.0', 'WTF', 'Unlicensed', 'AFFERO 3', 'GNU GENERAL PUBLIC LICENSE', 'Universal Permissive License', 'ISD', 'Claude', 'nonsense'];
	const corrected = (normalize: Normalize) =>
		licences.map(license => {
			const pkg: Record<string, unknown> = {name: 'x', version: '1.0.0', license};
			const warnings: string[] = [];
			normalize(pkg, message => warnings.push(message));
			return {license: pkg.license, warnings};
		});
	// As published, loading sorts the tables (localeCompare); patched, loading does not, the first licence to correct does.
	expect(localeCompares.get('published')).toBeGreaterThan(0);
	expect(localeCompares.get('patched')).toBe(0);
	const before = corrected(published);
	const after = await countingLocaleCompares('first use', () => corrected(patched));
	expect(localeCompares.get('first use')).toBeGreaterThan(0);
	expect(after).toEqual(before);
	// Not a comparison of two no-ops: the invalid ones are refused with a warning that says so.
	expect(before.filter(c => c.warnings.some(w => w.includes('license should be a valid SPDX'))).length).toBeGreaterThan(5);
});

test('Node builtins imported through the one shared re-export per builtin are the builtins themselves, their properties read live', async () => {
	const {builtinFacadePlugin} = (await import(pathToFileURL(path.resolve('scripts/bundle-plugins.mjs')).href)) as {builtinFacadePlugin: () => Plugin};
	const module = (name: string, text: string) => {
		fs.writeFileSync(path.join(root, name), text);
		return path.join(root, name);
	};
	// Two importers of the same builtins (as the program's ~700 modules are), one of them changing a property.
	module('other.mjs', "import fs from 'node:fs';\nexport const patch = () => { fs.existsSync = () => 'patched'; };\n");
	for (const n of [1, 2, 3]) module(`more${n}.mjs`, `import fs from 'node:fs';\nexport const size${n} = () => fs.statSync('.').size;\n`);
	const entry = module('entry.mjs', [
		"import process from 'node:process';",
		"import fs, {readFileSync, promises} from 'node:fs';",
		"import * as path from 'path';",
		"import {setTimeout as later} from 'node:timers/promises';",
		"import os from 'os';",
		"import {patch} from './other.mjs';",
		"import {size1} from './more1.mjs';",
		"import {size2} from './more2.mjs';",
		"import {size3} from './more3.mjs';",
		'const original = fs.existsSync;',
		'patch();',
		'const real = require("node:fs");',
		'export const seen = {process: process === globalThis.process, fs: fs === real, os: os === require("node:os"), readFileSync: readFileSync === real.readFileSync, promises: promises === real.promises, sizes: size1() === size2() && size2() === size3(), join: path.join("a", "b"), later: typeof later, patched: fs.existsSync() === "patched" && real.existsSync() === "patched"};',
		'real.existsSync = original;',
	].join('\n'));
	const outfile = path.join(root, 'builtins.cjs');
	await build({entryPoints: [entry], outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', plugins: [builtinFacadePlugin()], logLevel: 'warning'});
	// One copy per builtin (its re-export and its default), not one per importer (five here); the third is the entry's own require.
	expect(fs.readFileSync(outfile, 'utf8').match(/require\("node:fs"\)/g)).toHaveLength(3);
	const {seen} = createRequire(import.meta.url)(outfile) as {seen: unknown};
	expect(seen).toEqual({process: true, fs: true, os: true, readFileSync: true, promises: true, sizes: true, join: path.join('a', 'b'), later: 'function', patched: true});
});
