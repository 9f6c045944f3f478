import {describe, expect, it} from 'vitest';
import {formatDuration, parseDuration} from '../../source/kube/duration.js';

describe('parseDuration', () => {
	it('reads Go-style durations', () => {
		expect(parseDuration('10s')).toBe(10_000);
		expect(parseDuration('5m')).toBe(300_000);
		expect(parseDuration('1h30m')).toBe(5_400_000);
		expect(parseDuration('250ms')).toBe(250);
		expect(parseDuration('1.5s')).toBe(1500);
		expect(parseDuration('1m30s')).toBe(90_000);
		expect(parseDuration('0')).toBe(0);
	});

	it('refuses input without a unit or with junk, naming the input and the form', () => {
		expect(() => parseDuration('10', '--timeout')).toThrow('invalid --timeout "10": it has no unit; use a number with a unit (ms, s, m, h)');
		expect(() => parseDuration('10x')).toThrow('cannot read "10x"');
		expect(() => parseDuration('5m garbage')).toThrow('invalid duration "5m garbage"');
		expect(() => parseDuration('')).toThrow('it is empty');
		expect(() => parseDuration('-5s')).toThrow('cannot read "-5s"');
	});
});

describe('formatDuration', () => {
	it('prints short human durations', () => {
		expect(formatDuration(250)).toBe('250ms');
		expect(formatDuration(10_000)).toBe('10s');
		expect(formatDuration(1500)).toBe('1.5s');
		expect(formatDuration(5_400_000)).toBe('1h30m');
	});
});
