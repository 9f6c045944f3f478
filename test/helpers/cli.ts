import path from 'node:path';

/**
 * The program the tests run as a user would: the bundle that package.json's bin points at (npm test
 * builds it before vitest), not tsc's dist/cli.js. Besides testing what ships, it starts in about a
 * tenth of the CPU time (a handful of files instead of ~700 modules to resolve), and the suite starts
 * the program a few hundred times on 2 cores.
 */
export const cliPath = path.resolve(import.meta.dirname, '../../dist/bundle/cli.js');
