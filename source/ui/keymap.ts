import type {Key} from 'ink';
import type {PaneId} from '../store/ui-store.js';

// Every key of the console in one table: dispatch reads it and the help overlay prints it, so the
// two cannot disagree. Keys follow k9s where k9s has one (`/` filter, `!` inverse filter, `?` help,
// shift-N / shift-S / shift-A sort by name / status / age, ctrl-z faults only, `q`, esc).
// Lower-case i m j a g u c w d r s are kept free for the workflow actions (services.actions).

export type Command =
	| 'quit'
	| 'help'
	| 'focus-next'
	| 'focus-prev'
	| 'focus-fleet'
	| 'focus-status'
	| 'focus-steps'
	| 'focus-log'
	| 'up'
	| 'down'
	| 'page-up'
	| 'page-down'
	| 'top'
	| 'bottom'
	| 'open'
	| 'filter'
	| 'clear-filter'
	| 'sort-name'
	| 'sort-health'
	| 'sort-age'
	| 'unhealthy-only'
	| 'mark'
	| 'follow'
	| 'operator-log'
	| 'yaml'
	| 'events';

export type Binding = {
	command: Command;
	/** How the help overlay names the keys. */
	keys: string;
	description: string;
	section: 'General' | 'Move' | 'Fleet' | 'Log' | 'Inspect';
	/** Only while one of these panes has focus (default: any). */
	panes?: PaneId[];
	match: (input: string, key: Key) => boolean;
};

const ch = (...chars: string[]) => (input: string, key: Key) => !key.ctrl && !key.meta && chars.includes(input);
const ctrl = (letter: string) => (input: string, key: Key) => key.ctrl && input === letter;

export const bindings: readonly Binding[] = [
	{command: 'help', keys: '?', description: 'this help (esc or ? closes it)', section: 'General', match: ch('?')},
	{command: 'quit', keys: 'q  ctrl-c', description: 'quit (asks first while a plan runs)', section: 'General', match: (i, k) => ch('q')(i, k) || ctrl('c')(i, k)},
	{command: 'focus-next', keys: 'tab', description: 'focus the next pane', section: 'General', match: (_i, k) => k.tab && !k.shift},
	{command: 'focus-prev', keys: 'shift-tab', description: 'focus the previous pane', section: 'General', match: (_i, k) => k.tab && k.shift},
	{command: 'focus-fleet', keys: '1', description: 'focus the fleet pane', section: 'General', match: ch('1')},
	{command: 'focus-status', keys: '2', description: 'focus the TigerStatus pane', section: 'General', match: ch('2')},
	{command: 'focus-steps', keys: '3', description: 'focus the step-progress pane', section: 'General', match: ch('3')},
	{command: 'focus-log', keys: '4', description: 'focus the log pane', section: 'General', match: ch('4')},
	{command: 'up', keys: 'up  k', description: 'move up', section: 'Move', match: (i, k) => k.upArrow || ch('k')(i, k)},
	{command: 'down', keys: 'down  j', description: 'move down', section: 'Move', match: (i, k) => k.downArrow || ch('j')(i, k)},
	{command: 'page-up', keys: 'pgup  ctrl-b', description: 'page up', section: 'Move', match: (i, k) => k.pageUp || ctrl('b')(i, k)},
	{command: 'page-down', keys: 'pgdn  ctrl-f', description: 'page down', section: 'Move', match: (i, k) => k.pageDown || ctrl('f')(i, k)},
	{command: 'top', keys: 'home  <  g', description: 'first line (g: in the other panes; in the fleet pane g grants)', section: 'Move', match: (i, k) => k.home || ch('<', 'g')(i, k)},
	{command: 'bottom', keys: 'end  >  G', description: 'last line (in the log: follow again)', section: 'Move', match: (i, k) => k.end || ch('>', 'G')(i, k)},
	{command: 'open', keys: 'enter', description: "show the selected cluster's TigerStatus", section: 'Fleet', panes: ['fleet'], match: (_i, k) => k.return},
	{command: 'filter', keys: '/', description: 'filter: text, /regex/ or ~regex; ! in front inverts', section: 'Fleet', match: ch('/')},
	{command: 'clear-filter', keys: 'esc', description: 'clear the filter', section: 'Fleet', panes: ['fleet'], match: (_i, k) => k.escape},
	{command: 'sort-name', keys: 'N', description: 'sort by name (again: reverse)', section: 'Fleet', match: ch('N')},
	{command: 'sort-health', keys: 'S', description: 'sort by health, worst first (again: reverse)', section: 'Fleet', match: ch('S')},
	{command: 'sort-age', keys: 'A', description: 'sort by age, newest first (again: reverse)', section: 'Fleet', match: ch('A')},
	{command: 'unhealthy-only', keys: 'z  ctrl-z', description: 'show only clusters that are not healthy', section: 'Fleet', match: (i, k) => ch('z')(i, k) || ctrl('z')(i, k)},
	{command: 'mark', keys: 'space', description: 'mark / unmark the cluster (actions on several)', section: 'Fleet', panes: ['fleet'], match: ch(' ')},
	{command: 'follow', keys: 'f', description: 'log: follow / pause', section: 'Log', match: ch('f')},
	{command: 'yaml', keys: 'y', description: 'YAML of the live object: the fleet row\'s ManagedCluster, ManagementCluster(Connection), Installation; in the TigerStatus pane the first component shown; in the steps pane the step\'s object', section: 'Inspect', match: ch('y')},
	{command: 'events', keys: 'e', description: "Events of the selected cluster's tigera-operator and calico-system namespaces, newest first, following", section: 'Inspect', match: ch('e')},
	{command: 'operator-log', keys: 'o', description: "log: the selected cluster's tigera-operator pod log / back to the console log", section: 'Log', match: ch('o')},
];

export function resolveKey(input: string, key: Key, focus: PaneId): Command | undefined {
	for (const b of bindings) {
		if (b.panes && !b.panes.includes(focus)) continue;
		if (b.match(input, key)) return b.command;
	}
	return undefined;
}

/** Keys of the YAML view (y), for the help overlay. */
export const yamlViewKeys: ReadonlyArray<[string, string]> = [
	['tab  1-5', 'switch between the objects behind the row (shift-tab: back)'],
	['/', 'search (any case); enter jumps to the first match, esc clears'],
	['n  N', 'next / previous match'],
	['j/k PgUp/PgDn', 'scroll (ctrl-f/ctrl-b, space a page; g/Home top, G/End bottom)'],
	['c', 'copy the view (OSC 52); says what was sent and whether tmux lets it through'],
	['e', "the object's Events (esc goes back)"],
	['r', 'read the object again'],
	['esc  q', 'close'],
];

/** Keys of the filter prompt, for the help overlay. */
export const filterPromptKeys: ReadonlyArray<[string, string]> = [
	['enter', 'keep the filter and leave the prompt'],
	['esc', 'clear the filter and leave the prompt'],
	['backspace', 'delete a character'],
];
