import {Box, Text} from 'ink';
import type {RunProgress, StepProgress} from '../mcm/types.js';
import {selectBatchRuns, selectRunningCount, selectShownRun} from '../store/selectors.js';
import {useUiContext} from './context.js';
import {elapsed, fit, oneLine} from './format.js';
import type {Glyphs} from './glyphs.js';
import {PaneTitle, type TitlePart} from './pane-title.js';
import type {Tone} from './theme.js';
import {useAppState, useNow, useUiState} from './use-store.js';

export type StepLine = {text: string; tone: Tone; bold?: boolean; glyph?: string; glyphTone?: Tone};

const stepTone: Record<StepProgress['state'], Tone> = {
	pending: 'muted',
	running: 'accent',
	done: 'good',
	skipped: 'muted',
	failed: 'bad',
	cancelled: 'warn',
};

/** The step whose details (kubectl, error, hint) are shown: the running one, else the failed (or cancelled) one. */
export function focusStep(run: RunProgress): StepProgress | undefined {
	return run.steps.find(s => s.state === 'running') ?? run.steps.find(s => s.state === 'failed') ?? run.steps.find(s => s.state === 'cancelled');
}

/** Every line of the pane for a run: one per step, then the focus step's command, error and hint. */
export function stepLines(run: RunProgress, now: number, glyphs: Glyphs, spin: number): {lines: StepLine[]; focusIndex: number} {
	const lines: StepLine[] = [];
	let focusIndex = -1;
	const focus = focusStep(run);
	for (const [i, s] of run.steps.entries()) {
		const glyph = s.state === 'running' ? glyphs.spinner[spin % glyphs.spinner.length] : glyphs.step[s.state];
		const time = s.startedAt === undefined ? '' : elapsed((s.endedAt ?? (s.state === 'running' ? now : s.startedAt)) - s.startedAt);
		const detail = s.state === 'failed' ? 'failed' : s.state === 'cancelled' ? 'cancelled' : s.state === 'skipped' ? `skipped${s.detail ? `: ${s.detail}` : ''}` : s.detail ?? '';
		lines.push({
			glyph,
			glyphTone: stepTone[s.state],
			text: `${i + 1}. ${s.title}${time ? `  ${time}` : ''}${detail ? `  ${detail}` : ''}`,
			tone: s.state === 'pending' ? 'muted' : s.state === 'failed' ? 'bad' : 'normal',
			bold: s === focus,
		});
		if (s === focus) {
			focusIndex = lines.length - 1;
			if (s.kubectl) lines.push({text: `   $ ${oneLine(s.kubectl)}`, tone: 'muted'});
			if (s.state === 'failed' && s.error) lines.push({text: `   error: ${oneLine(s.error)}`, tone: 'bad'});
			if (s.state === 'failed' && s.hint) lines.push({text: `   hint: ${oneLine(s.hint)}`, tone: 'warn'});
		}
	}
	return {lines, focusIndex};
}

/** A run of a batch that has not started a step yet: waiting for a slot. */
export function isQueued(r: RunProgress): boolean {
	return r.state === 'running' && !r.steps.some(s => s.startedAt !== undefined);
}

/** A batch (several clusters at once): one row per cluster with its current step. */
export function batchLines(batch: RunProgress[], now: number, glyphs: Glyphs, spin: number): StepLine[] {
	const width = Math.max(...batch.map(r => r.cluster.length));
	return batch.map(r => {
		const done = r.steps.filter(s => s.state === 'done' || s.state === 'skipped').length;
		const current = r.steps.find(s => s.state === 'running') ?? r.steps.find(s => s.state === 'failed' || s.state === 'cancelled');
		const started = r.steps.some(s => s.startedAt !== undefined);
		const time = elapsed((r.endedAt ?? (r.state === 'running' ? now : r.startedAt)) - r.startedAt);
		const what =
			r.state === 'running'
				? started
					? current?.title ?? ''
					: 'queued'
				: r.state === 'failed'
					? `failed at ${current?.title ?? '?'}: ${oneLine(current?.error ?? '')}`
					: r.state === 'cancelled'
						? `cancelled${current ? ` at ${current.title}` : ''}`
						: 'done';
		return {
			glyph: r.state === 'running' ? (started ? glyphs.spinner[spin % glyphs.spinner.length] : glyphs.step.pending) : glyphs.step[r.state === 'done' ? 'done' : r.state],
			glyphTone: stepTone[r.state === 'done' ? 'done' : r.state],
			text: `${r.cluster.padEnd(width)}  ${done}/${r.steps.length}  ${time}  ${what}`,
			tone: r.state === 'failed' ? 'bad' : r.state === 'done' ? 'normal' : 'normal',
		};
	});
}

function IdleLines({width}: {width: number}) {
	const {services, theme, glyphs} = useUiContext();
	const plans = services.actions.filter(a => a.startsPlan);
	const lines: string[] = ['No plan running.'];
	if (plans.length) {
		lines.push(`Start one on the selected cluster: ${plans.map(a => `${a.key} ${a.title}`).join(` ${glyphs.dot} `)}`);
		if (services.readOnly) lines.push('Read-only: plans are refused; start without --read-only to change clusters.');
		// The first frame comes before the workflows' keys are loaded (a frame or two later): no hint rather than a wrong one.
	} else if (!services.loading) lines.push('Plans run with `calico-mcm run <plan>` in another terminal; ? lists every key.');
	return (
		<>
			{lines.map((l, i) => (
				<Text key={i} wrap="truncate" color={theme.tone(i === 0 ? 'normal' : 'muted')}>
					{fit(l, width, glyphs.ellipsis)}
				</Text>
			))}
		</>
	);
}

export function StepsPane({width, height, focused}: {width: number; height: number; focused: boolean}) {
	const {theme, glyphs, services} = useUiContext();
	const runs = useAppState(s => s.runs);
	const runOrder = useAppState(s => s.runOrder);
	const shownRun = useAppState(s => s.shownRun);
	const stepsTop = useUiState(s => s.stepsTop);
	const stepsFollow = useUiState(s => s.stepsFollow);
	const run = selectShownRun(runs, runOrder, shownRun);
	const members = run?.batch ? selectBatchRuns(runs, runOrder, run.batch) : [];
	// A batch of one (e.g. the one interrupted run of a batch, resumed) reads best as a plain run.
	const batch = members.length > 1 ? members : undefined;
	const running = batch ? batch.some(r => r.state === 'running') : run?.state === 'running';
	// Spinner and running elapsed time at 8 frames a second only while a step runs; else the
	// pane does not tick at all (done steps show fixed times).
	const tick = useNow(running ? 125 : 3_600_000);
	let size = Math.max(0, height - 1);
	let note: StepLine | undefined;
	const parts: TitlePart[] = [];
	let body: StepLine[] = [];
	let top = 0;
	if (run) {
		const others = selectRunningCount(runs) - (running ? 1 : 0);
		const end = run.endedAt ?? (running ? tick : run.startedAt);
		const spin = Math.floor(tick / 125);
		let focusIndex = -1;
		if (batch) {
			const count = (state: RunProgress['state']) => batch.filter(r => r.state === state).length;
			const inBatch = count('running');
			// A run waiting for its turn (3 at a time) is queued, not running: the rows say so, the title too.
			const queued = batch.filter(isQueued).length;
			const working = inBatch - queued;
			parts.push({text: `${run.plan} on ${batch.length} clusters`});
			parts.push({text: [`${count('done')} done`, working ? `${working} running` : '', queued ? `${queued} queued` : '', count('failed') ? `${count('failed')} failed` : '', count('cancelled') ? `${count('cancelled')} cancelled` : ''].filter(Boolean).join(', '), tone: count('failed') ? 'bad' : inBatch ? 'accent' : 'good'});
			const outside = selectRunningCount(runs) - inBatch;
			if (outside > 0) parts.push({text: `${outside} more running`, tone: 'accent'});
			body = batchLines(batch, tick, glyphs, spin);
		} else {
			parts.push({text: `${run.title} @ ${run.cluster}`});
			parts.push({text: `${run.state} ${elapsed(end - run.startedAt)}`, tone: stepTone[run.state === 'done' ? 'done' : run.state]});
			if (others > 0) parts.push({text: `${others} more running`, tone: 'accent'});
			const shown = stepLines(run, tick, glyphs, spin);
			body = shown.lines;
			focusIndex = shown.focusIndex;
		}
		// The note stays on top while the steps scroll under it.
		if (run.note) {
			note = {text: run.note, tone: 'warn', bold: true};
			size = Math.max(0, size - 1);
		}
		if (services.actions.length) {
			const all = batch ?? [run];
			if (running) parts.push({text: focused ? 'esc cancels' : '3 then esc cancels', tone: 'muted'});
			else if (all.some(r => r.state === 'failed')) parts.push({text: 'r retries', tone: 'muted'});
			else if (all.some(r => r.state === 'cancelled')) parts.push({text: 'r resumes', tone: 'muted'});
		}
		const maxTop = Math.max(0, body.length - size);
		if (stepsFollow && focusIndex >= 0) top = Math.min(maxTop, Math.max(0, focusIndex - Math.max(0, size - 4)));
		else if (stepsFollow) top = 0;
		else top = Math.min(stepsTop, maxTop);
	}
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<PaneTitle label="Steps" parts={parts} width={width} focused={focused} />
			{note ? (
				<Text wrap="truncate" bold color={theme.tone('warn')}>
					{fit(note.text, width, glyphs.ellipsis)}
				</Text>
			) : null}
			{run ? (
				body.slice(top, top + size).map((l, i) => (
					<Text key={i} wrap="truncate" bold={l.bold}>
						{l.glyph !== undefined ? <Text color={theme.tone(l.glyphTone ?? 'normal')}>{l.glyph} </Text> : null}
						<Text color={theme.tone(l.tone)}>{fit(l.text, Math.max(0, width - (l.glyph !== undefined ? 2 : 0)), glyphs.ellipsis)}</Text>
					</Text>
				))
			) : (
				<IdleLines width={width} />
			)}
		</Box>
	);
}
