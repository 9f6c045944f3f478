import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// The layers (README, design notes): kube → mcm → store → sync → app → ui, with cli wiring them
// together. Each rule below forbids one direction; `source/sim` is a program of its own that only
// speaks HTTP, loaded by the CLI entry (source/cli/sim.ts) and by tests, by nothing else.

const noReact = ['ink', 'react', '@inkjs/ui', 'ink-testing-library'];
const layer = name => [`**/${name}/*`, `**/${name}/**`, `../${name}/*`, `../../${name}/*`];

function restrict({paths = [], patterns = []}) {
	return {'no-restricted-imports': ['error', {paths, patterns: patterns.length ? [{group: patterns, message: 'this import crosses a layer boundary (see the design notes in README.md)'}] : []}]};
}

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'bench/results.json']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['source/ui/**/*.{ts,tsx}', 'test/ui/**/*.{ts,tsx}'],
		plugins: {'react-hooks': reactHooks},
		rules: {'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error'},
	},
	{
		files: ['**/*.{ts,tsx}'],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/no-explicit-any': 'error',
			'no-console': 'off',
		},
	},
	// The simulator's own code and tests are being made stricter by their owner (issue of the sim);
	// they keep their \`any\`s until then.
	{files: ['source/sim/**', 'test/sim/**'], rules: {'@typescript-eslint/no-explicit-any': 'off'}},
	// kube: cluster access only.
	{files: ['source/kube/**'], rules: restrict({paths: noReact, patterns: [...layer('mcm'), ...layer('store'), ...layer('sync'), ...layer('app'), ...layer('ui'), ...layer('cli'), ...layer('sim')]})},
	// mcm: the domain; never Ink, the stores, or anything above.
	{files: ['source/mcm/**'], rules: restrict({paths: noReact, patterns: [...layer('store'), ...layer('sync'), ...layer('app'), ...layer('ui'), ...layer('cli'), ...layer('sim')]})},
	// store: state only; never a cluster.
	{files: ['source/store/**'], rules: restrict({paths: [...noReact, '@kubernetes/client-node'], patterns: [...layer('kube'), ...layer('sync'), ...layer('app'), ...layer('ui'), ...layer('cli'), ...layer('sim')]})},
	// sync: the list+watch loop into the store.
	{files: ['source/sync/**'], rules: restrict({paths: noReact, patterns: [...layer('app'), ...layer('ui'), ...layer('cli'), ...layer('sim')]})},
	// app: the console's operations; the UI asks them, they never draw.
	{files: ['source/app/**'], rules: restrict({paths: noReact, patterns: [...layer('ui'), ...layer('cli'), ...layer('sim')]})},
	// ui: pure views of the stores; never a cluster.
	{files: ['source/ui/**'], rules: restrict({paths: ['@kubernetes/client-node'], patterns: [...layer('kube'), ...layer('sync'), ...layer('cli'), ...layer('sim')]})},
	// cli: parsing and wiring; the simulator only through its own entry, sim.ts.
	{files: ['source/cli/**', 'cli.tsx'], ignores: ['source/cli/sim.ts'], rules: restrict({patterns: [...layer('sim')]})},
	// sim: its own folder and libraries only.
	{files: ['source/sim/**'], rules: restrict({paths: noReact, patterns: [...layer('kube'), ...layer('mcm'), ...layer('store'), ...layer('sync'), ...layer('app'), ...layer('ui'), ...layer('cli')]})},
);
