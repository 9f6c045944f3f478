import process from 'node:process';

/**
 * The user passed node flags of their own that match `pattern` (on the command line or in
 * NODE_OPTIONS): a setting the console would change at run time is then theirs, left as it is.
 */
export function userSetNodeFlags(pattern: RegExp): boolean {
	return pattern.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
}
