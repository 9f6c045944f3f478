import type {ConditionStatus, Health, LogLevel} from '../mcm/types.js';

// Colours by meaning, not by component. With colour off (NO_COLOR, TERM=dumb) every colour is
// undefined and emphasis falls back to attributes (bold, inverse), which NO_COLOR allows.

export type Tone = 'good' | 'warn' | 'bad' | 'muted' | 'accent' | 'normal';

export type Theme = {
	color: boolean;
	/** An Ink colour name for a tone, or undefined (terminal default). */
	tone: (tone: Tone) => string | undefined;
};

const palette: Record<Tone, string | undefined> = {
	good: 'green',
	warn: 'yellow',
	bad: 'red',
	muted: 'gray',
	accent: 'cyan',
	normal: undefined,
};

export function createTheme(color: boolean): Theme {
	return {color, tone: tone => (color ? palette[tone] : undefined)};
}

export const healthTone: Record<Health, Tone> = {
	healthy: 'good',
	pending: 'warn',
	degraded: 'warn',
	disconnected: 'bad',
	unreachable: 'bad',
};

export const logTone: Record<LogLevel, Tone> = {info: 'normal', warn: 'warn', error: 'bad'};

export function conditionTone(type: 'available' | 'progressing' | 'degraded', status: ConditionStatus): Tone {
	if (status === 'Unknown') return 'muted';
	if (type === 'available') return status === 'True' ? 'good' : 'bad';
	if (type === 'degraded') return status === 'True' ? 'bad' : 'normal';
	return status === 'True' ? 'warn' : 'normal';
}

/** Colour is off with NO_COLOR set (any value, per no-color.org) or TERM=dumb. */
export function colorEnabled(env: NodeJS.ProcessEnv): boolean {
	if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
	return env['TERM'] !== 'dumb';
}

/** ASCII glyphs with --ascii or TERM=dumb. */
export function asciiEnabled(env: NodeJS.ProcessEnv, flag: boolean): boolean {
	return flag || env['TERM'] === 'dumb';
}
