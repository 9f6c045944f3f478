import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'bench/results.json']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/no-explicit-any': 'off',
			'no-console': 'off',
		},
	},
	{
		// Layering: domain code never imports Ink or React; UI code never talks to a cluster.
		files: ['source/mcm/**', 'source/kube/**', 'source/store/**', 'source/sim/**'],
		rules: {
			'no-restricted-imports': ['error', {paths: ['ink', 'react', '@inkjs/ui']}],
		},
	},
	{
		files: ['source/ui/**'],
		rules: {
			'no-restricted-imports': ['error', {
				paths: ['@kubernetes/client-node'],
				patterns: ['**/kube/*', '**/sim/*'],
			}],
		},
	},
);
