import {Spinner} from '@inkjs/ui';
import {Box} from 'ink';
import {useEffect, useState} from 'react';
import {useUiContext} from '../context.js';
import {Frame, scrollKey, type FrameLine, useOverlayKeys} from './frame.js';
import type {ChecklistItem, PreparedRun} from '../../app/workflow-types.js';

// Step 1 of every action: the plan's preflight as a checklist (reachability, permissions, inputs,
// role). Nothing has changed yet; enter goes on to the confirmation only when every item is ok.

export function checklistLines(items: ChecklistItem[], glyphs: {step: {done: string; failed: string}}): FrameLine[] {
	const lines: FrameLine[] = [];
	for (const item of items) {
		lines.push({text: `${item.ok ? glyphs.step.done : glyphs.step.failed} ${item.label}: ${item.message}`, tone: item.ok ? 'good' : 'bad'});
		if (!item.ok && item.fix) lines.push({text: `    fix: ${item.fix}`, tone: 'warn'});
	}
	return lines;
}

export function PreflightView({run, width, height, onContinue, onCancel}: {run: PreparedRun; width: number; height: number; onContinue: () => void; onCancel: () => void}) {
	const {glyphs} = useUiContext();
	const [result, setResult] = useState<{ok: boolean; items: ChecklistItem[]} | undefined>();
	const [top, setTop] = useState(0);
	useEffect(() => {
		const controller = new AbortController();
		run.preflight(controller.signal).then(
			r => !controller.signal.aborted && setResult(r),
			(error: unknown) => !controller.signal.aborted && setResult({ok: false, items: [{label: 'preflight', ok: false, message: error instanceof Error ? error.message : String(error)}]}),
		);
		return () => controller.abort();
	}, [run]);
	useOverlayKeys((input, key) => {
		if (key.escape || input === 'q') return onCancel();
		if (key.return && result?.ok) return onContinue();
		const next = scrollKey(input, key, top, height - 3);
		if (next !== undefined) setTop(next);
	});
	const title = `Preflight ${glyphs.dot} ${run.title}`;
	if (!result) {
		return (
			<Frame title={title} width={width} height={height} footer="esc leaves">
				<Box>
					<Spinner label={`checking ${run.clusters.join(', ')}: reachability, permissions, inputs, role${glyphs.ellipsis}`} />
				</Box>
			</Frame>
		);
	}
	// The verdict first and the failed items before the passed ones: on a batch the list is long.
	const failed = result.items.filter(i => !i.ok);
	const lines: FrameLine[] = [
		result.ok
			? {text: `All checks passed (${result.items.length}). Nothing has been changed yet.`, bold: true, tone: 'good'}
			: {text: `Preflight failed (${failed.length} of ${result.items.length}): nothing was changed. Fix what is marked, then start the action again.`, tone: 'bad', bold: true},
		...checklistLines([...failed, ...result.items.filter(i => i.ok)], glyphs),
	];
	return (
		<Frame title={title} parts={[{text: result.ok ? 'ok' : 'failed', tone: result.ok ? 'good' : 'bad'}]} width={width} height={height} lines={lines} top={top} footer={result.ok ? 'enter continues to the confirmation · esc leaves' : 'esc leaves'} />
	);
}
