import {describe, expect, test} from 'vitest';
import {parseCommandLine, type FlagSpecs} from '../../source/cli/common-flags.js';
import {UsageError} from '../../source/cli/usage.js';

// What the flags of every command accept (meow's readings, which the console's users
// and scripts were written against) and what they refuse.
const flags = {
	kubeconfig: {type: 'string'},
	context: {type: 'string', isMultiple: true},
	readOnly: {type: 'boolean', default: false},
	demo: {type: 'boolean', default: false},
	watch: {type: 'boolean', shortFlag: 'w'},
	timeout: {type: 'string'},
	tail: {type: 'number'},
} as const satisfies FlagSpecs;

const parse = (...argv: string[]) => parseCommandLine(argv, 'status', flags);
const refusal = (...argv: string[]) => {
	try {
		parse(...argv);
	} catch (error) {
		expect(error).toBeInstanceOf(UsageError);
		return (error as UsageError).message;
	}
	throw new Error(`${argv.join(' ')} was accepted`);
};

describe('parseCommandLine', () => {
	test('defaults: booleans with a default, an empty list for a repeatable flag, nothing for the rest', () => {
		expect(parse()).toEqual({input: [], help: false, flags: {readOnly: false, demo: false, context: []}});
	});

	test('kebab-case flags, values given after the flag or after =, repeatable flags in order', () => {
		const {flags: f} = parse('--kubeconfig', '/k', '--read-only', '--context', 'a', '--context=b,c', '--timeout=-5s', '--tail', '12');
		expect(f).toEqual({kubeconfig: '/k', readOnly: true, demo: false, context: ['a', 'b,c'], timeout: '-5s', tail: 12});
		expect(parse('--kubeconfig=a=b').flags.kubeconfig).toBe('a=b');
		expect(parse('--kubeconfig', '123').flags.kubeconfig).toBe('123');
		expect(parse('--timeout', '-5s').flags.timeout).toBe('-5s');
	});

	test('booleans: --no-x, --x=true|false, --x followed by true|false, a short flag', () => {
		expect(parse('--demo', '--no-demo').flags.demo).toBe(false);
		expect(parse('--demo=false').flags.demo).toBe(false);
		expect(parse('--demo=true').flags.demo).toBe(true);
		expect(parse('--demo=yes').flags.demo).toBe(false);
		expect(parse('--demo', 'false')).toMatchObject({input: [], flags: {demo: false}});
		expect(parse('--demo', 'true', 'x')).toMatchObject({input: ['x'], flags: {demo: true}});
		expect(parse('--no-demo', 'false')).toMatchObject({input: ['false'], flags: {demo: false}});
		expect(parse('-w').flags.watch).toBe(true);
		expect(parse('--demo', '--demo').flags.demo).toBe(true);
	});

	test('words are input, and everything after --', () => {
		expect(parse('x', '--', '--demo', 'y')).toMatchObject({input: ['x', '--demo', 'y'], flags: {demo: false}});
		expect(parse('x', '-', 'y').input).toEqual(['x', '-', 'y']);
	});

	test('a number flag that is not a number is NaN (the command refuses it with its own hint)', () => {
		expect(parse('--tail=abc').flags.tail).toBeNaN();
	});

	test('--help anywhere is help, once every flag is known', () => {
		expect(parse('--kubeconfig', 'k', '-h').help).toBe(true);
		expect(parse('--help', 'x').help).toBe(true);
		expect(refusal('--help', '--bogus')).toBe('unknown flag --bogus for `status`');
	});

	test('refusals name the flag: unknown, camelCase, grouped short flags, no value, an empty value, set twice', () => {
		expect(refusal('--bogus')).toBe('unknown flag --bogus for `status`');
		expect(refusal('--readOnly')).toBe('unknown flag --readOnly for `status`');
		expect(refusal('-wd')).toBe('unknown flag -wd for `status`');
		expect(refusal('--no-kubeconfig')).toBe('unknown flag --no-kubeconfig for `status`');
		expect(refusal('--kubeconfig')).toBe('flag --kubeconfig needs a value');
		expect(refusal('--kubeconfig', '--read-only')).toBe('flag --kubeconfig needs a value');
		expect(refusal('--kubeconfig=')).toBe('flag --kubeconfig needs a value');
		expect(refusal('--kubeconfig', '')).toBe('flag --kubeconfig needs a value (it was given an empty string)');
		expect(refusal('--kubeconfig', 'a', '--kubeconfig', 'b')).toBe('The flag --kubeconfig can only be set once.');
		expect(refusal('--tail', '5', '--tail', '6')).toBe('The flag --tail can only be set once.');
	});
});
