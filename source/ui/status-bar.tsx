import {Text} from 'ink';
import {useEffect} from 'react';
import type {Health} from '../mcm/types.js';
import type {RunProgress} from '../mcm/types.js';
import {runLabel, selectBatchRuns, selectShownRun} from '../store/selectors.js';
import {useUiContext} from './context.js';
import {fit, textWidth, truncate} from './format.js';
import {healthTone} from './theme.js';
import {useAppState, useUiState} from './use-store.js';

// Counts in the order an SRE scans them: the good news first, then what needs a look.
const shown: readonly Health[] = ['healthy', 'degraded', 'disconnected', 'unreachable', 'pending'];

function members(run: RunProgress, runs: Record<string, RunProgress>, runOrder: string[]): RunProgress[] {
	return run.batch ? selectBatchRuns(runs, runOrder, run.batch) : [run];
}

/** The run esc, r and s act on, named: `steps: join on managed-2 running`. */
function shownRunText(run: RunProgress, runs: Record<string, RunProgress>, runOrder: string[]): string {
	const all = members(run, runs, runOrder);
	const state = all.some(r => r.state === 'running') ? 'running' : all.some(r => r.state === 'failed') ? 'failed' : all.some(r => r.state === 'cancelled') ? 'cancelled' : 'done';
	return `steps: ${runLabel(run, all.length)} ${state}`;
}

/** What the steps pane's keys do to that run now. */
function runHints(run: RunProgress, runs: Record<string, RunProgress>, runOrder: string[]): string {
	const all = members(run, runs, runOrder);
	const keys: string[] = [];
	// A support bundle (D) is collected, not a plan: no cancel, resume or skip; D writes another.
	if (run.plan === 'diags') return runOrder.length > all.length ? 'D: another bundle  [ ]: other runs' : 'D: another bundle';
	if (all.some(r => r.state === 'running')) keys.push('esc: cancel');
	if (all.some(r => r.state === 'failed' || r.state === 'cancelled')) keys.push('r: resume');
	if (all.some(r => r.steps.some(s => s.state === 'failed' && s.skippable))) keys.push('s: skip');
	if (runOrder.length > all.length) keys.push('[ ]: other runs');
	return keys.join('  ');
}

export function StatusBar({width}: {width: number}) {
	const {theme, glyphs, services, ui} = useUiContext();
	const counts = useAppState(s => s.healthCounts);
	const flash = useUiState(s => s.flash);
	const confirmQuit = useUiState(s => s.confirmQuit);
	const filterEditing = useUiState(s => s.filterEditing);
	const helpOpen = useUiState(s => s.helpOpen);
	const searchEditing = useUiState(s => s.logSearchEditing);
	const zoomed = useUiState(s => s.zoomed);
	const question = useUiState(s => s.question);
	const focus = useUiState(s => s.focus);
	const runs = useAppState(s => s.runs);
	const runOrder = useAppState(s => s.runOrder);
	const shownRun = useAppState(s => s.shownRun);
	const run = selectShownRun(runs, runOrder, shownRun);

	useEffect(() => {
		if (!flash) return;
		const timer = setTimeout(() => {
			ui.getState().clearFlash(flash);
		}, Math.max(0, flash.until - Date.now()));
		return () => clearTimeout(timer);
	}, [flash, ui]);

	if (confirmQuit) {
		return (
			<Text wrap="truncate" inverse bold color={theme.tone('warn')}>
				{fit(' A plan is running: quit anyway? y/n (the plan stops; run it again later to resume) ', width)}
			</Text>
		);
	}

	if (question) {
		return (
			<Text wrap="truncate" inverse bold color={theme.tone('warn')}>
				{fit(` ${question.text} `, width)}
			</Text>
		);
	}

	const segments = shown
		.filter(h => h === 'healthy' || counts[h] > 0)
		.map(h => ({glyph: glyphs.health[h], text: `${counts[h]} ${h}`, tone: healthTone[h]}));
	const badge = services.readOnly ? ' READ-ONLY ' : '';
	const hints = filterEditing
		? 'enter: keep  esc: clear'
		: searchEditing
			? 'enter: search  esc: clear'
			: helpOpen
				? 'esc: close help'
				: run && focus === 'steps' && services.actions.length
					? `${shownRunText(run, runs, runOrder)}  ${runHints(run, runs, runOrder)}${zoomed ? '  Z: unzoom' : ''}`
					: zoomed
						? 'Z: unzoom  tab: zoom next pane  ?: help  q: quit'
						: `?: help  /: filter  tab: pane  q: quit${run ? `  ${glyphs.dot} ${shownRunText(run, runs, runOrder)}` : ''}`;
	const message = flash?.text;
	let left = ` ${counts.total} clusters `;
	for (const s of segments) left += ` ${s.glyph} ${s.text}`;
	const right = message ?? hints;
	const room = Math.max(0, width - textWidth(left) - textWidth(badge) - 2);
	const badgeElement = badge ? (
		<Text inverse bold color={theme.tone('warn')}>
			{badge}
		</Text>
	) : null;
	const flashTone = theme.tone(flash ? (flash.level === 'info' ? 'accent' : flash.level === 'warn' ? 'warn' : 'bad') : 'muted');
	if (message && room < Math.min(textWidth(message), 40)) {
		// Too narrow for both: what just happened matters more than the counts for a few seconds.
		return (
			<Text wrap="truncate">
				{badgeElement}
				<Text color={flashTone} bold>
					{fit(` ${message}`, Math.max(0, width - textWidth(badge)), glyphs.ellipsis)}
				</Text>
			</Text>
		);
	}
	const rightText = truncate(right, room, glyphs.ellipsis);
	const pad = Math.max(0, width - textWidth(left) - textWidth(badge) - textWidth(rightText) - 1);
	return (
		<Text wrap="truncate">
			{badgeElement}
			<Text bold>{` ${counts.total} clusters `}</Text>
			{segments.map(s => (
				<Text key={s.text}>
					<Text> </Text>
					<Text color={theme.tone(s.tone)}>{s.glyph}</Text>
					<Text>{` ${s.text}`}</Text>
				</Text>
			))}
			<Text>{' '.repeat(pad + 1)}</Text>
			<Text color={flashTone} bold={Boolean(flash)}>
				{rightText}
			</Text>
		</Text>
	);
}
