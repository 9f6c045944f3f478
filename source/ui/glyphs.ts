import type {Health, StepState} from '../mcm/types.js';

// Every symbol the console draws, in Unicode and in plain ASCII (`--ascii`, TERM=dumb): some SSH
// clients, serial consoles and fonts cannot show the Unicode set.

export type Glyphs = {
	health: Record<Health, string>;
	step: Record<Exclude<StepState, 'running'>, string>;
	spinner: readonly string[];
	mark: string;
	cursor: string;
	sortAsc: string;
	sortDesc: string;
	separator: string;
	rule: string;
	ellipsis: string;
	dot: string;
	disagree: string;
};

export const unicodeGlyphs: Glyphs = {
	health: {healthy: '●', pending: '◐', degraded: '▲', disconnected: '○', unreachable: '✕'},
	step: {pending: '·', done: '✓', skipped: '↷', failed: '✗', cancelled: '⊘'},
	spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
	mark: '◆',
	cursor: '›',
	sortAsc: '↑',
	sortDesc: '↓',
	separator: '│',
	rule: '─',
	ellipsis: '…',
	dot: '·',
	disagree: '≠',
};

export const asciiGlyphs: Glyphs = {
	health: {healthy: '+', pending: '~', degraded: '!', disconnected: '-', unreachable: 'x'},
	step: {pending: '.', done: 'v', skipped: '>', failed: 'X', cancelled: '/'},
	spinner: ['|', '/', '-', '\\'],
	mark: '*',
	cursor: '>',
	sortAsc: '^',
	sortDesc: 'v',
	separator: '|',
	rule: '-',
	ellipsis: '~',
	dot: '-',
	disagree: '!=',
};

export function glyphsFor(ascii: boolean): Glyphs {
	return ascii ? asciiGlyphs : unicodeGlyphs;
}
