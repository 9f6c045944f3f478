import {TextInput} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useEffect, useState} from 'react';
import {useUiContext} from '../context.js';
import {useUiState} from '../use-store.js';
import {Frame, scrollKey, type FrameLine, useOverlayKeys} from './frame.js';
import type {PreparedRun} from '../../app/workflow-types.js';

// Step 2 of every action: what will run, step by step with the equivalent kubectl command, and the
// question. y (or enter) starts it; an action that undoes a cluster's role asks for the cluster's
// name instead. d shows the YAML that will be applied.

export function confirmLines(run: PreparedRun): FrameLine[] {
	const lines: FrameLine[] = [{text: run.question, bold: true}];
	if (run.clusters.length > 1) lines.push({text: `On ${run.clusters.length} clusters (3 at a time): ${run.clusters.join(', ')}`});
	lines.push({text: ''}, {text: `Steps${run.clusters.length > 1 ? ' (for each cluster)' : ''}, with the equivalent kubectl commands:`, tone: 'accent'});
	for (const [i, step] of run.steps.entries()) {
		lines.push({text: `${String(i + 1).padStart(2)}. ${step.title}${step.skippable ? ' (skippable)' : ''}`});
		const commands = step.kubectl.split('\n');
		const heredoc = commands[0]!.includes("<<'EOF'");
		lines.push({text: `      $ ${commands[0]}`, tone: 'muted'});
		if (heredoc) lines.push({text: '        (the YAML: press d)', tone: 'muted'});
		else for (const more of commands.slice(1)) lines.push({text: `        ${more}`, tone: 'muted'});
	}
	return lines;
}

export function ConfirmView({run, width, height, onConfirm, onCancel, onYaml}: {run: PreparedRun; width: number; height: number; onConfirm: () => void; onCancel: () => void; onYaml: () => void}) {
	const {glyphs, theme} = useUiContext();
	const confirmQuit = useUiState(s => s.confirmQuit);
	const [top, setTop] = useState(0);
	const [mismatch, setMismatch] = useState(false);
	const typed = run.typeToConfirm;
	useOverlayKeys((input, key) => {
		if (key.escape) return onCancel();
		if (typed) {
			// The name prompt has the printable keys; arrows still scroll.
			if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) setTop(scrollKey('', key, top, height - 5) ?? top);
			return;
		}
		if (input === 'y' || key.return) return onConfirm();
		if (input === 'n' || input === 'q') return onCancel();
		if (input === 'd') return onYaml();
		const next = scrollKey(input, key, top, height - 3);
		if (next !== undefined) setTop(Math.min(next, Math.max(0, lines.length - 1)));
	});
	const lines = confirmLines(run);
	const title = `Confirm ${glyphs.dot} ${run.title}`;
	if (!typed) return <Frame title={title} width={width} height={height} lines={lines} top={top} footer={`y or enter runs it ${glyphs.dot} d shows the YAML ${glyphs.dot} j/k scroll ${glyphs.dot} esc or n leaves, nothing is changed`} />;
	return (
		<Frame
			title={title}
			parts={[{text: 'changes the cluster type', tone: 'warn'}]}
			width={width}
			height={height}
			lines={lines}
			top={top}
			belowRows={2}
			below={
				<>
					<Text color={theme.tone(mismatch ? 'bad' : 'warn')} wrap="truncate">
						{mismatch ? `That is not "${typed}". Type the cluster's name exactly to go on:` : `Type the cluster's name (${typed}) and press enter to go on:`}
					</Text>
					<Box>
						<Text>{glyphs.cursor} </Text>
						<TextInput isDisabled={confirmQuit} onSubmit={value => (value.trim() === typed ? onConfirm() : setMismatch(true))} />
					</Box>
				</>
			}
			footer={`enter confirms ${glyphs.dot} up/down scroll ${glyphs.dot} esc leaves, nothing is changed`}
		/>
	);
}

export function YamlView({run, width, height, onBack}: {run: PreparedRun; width: number; height: number; onBack: () => void}) {
	const {glyphs} = useUiContext();
	const [text, setText] = useState<string | undefined>();
	const [top, setTop] = useState(0);
	useEffect(() => {
		const controller = new AbortController();
		run.preview(controller.signal).then(
			t => !controller.signal.aborted && setText(t),
			(error: unknown) => !controller.signal.aborted && setText(`# the preview failed: ${error instanceof Error ? error.message : String(error)}`),
		);
		return () => controller.abort();
	}, [run]);
	const lines: FrameLine[] = (text ?? `loading${glyphs.ellipsis}`).split('\n').map(l => ({text: l}));
	useOverlayKeys((input, key) => {
		if (key.escape || input === 'd' || input === 'q') return onBack();
		const next = scrollKey(input, key, top, height - 3);
		if (next !== undefined) setTop(Math.min(next, Math.max(0, lines.length - 1)));
	});
	return <Frame title={`YAML to apply ${glyphs.dot} ${run.title}`} parts={[{text: 'secrets masked', tone: 'muted'}]} width={width} height={height} lines={lines} top={top} footer={`j/k PgUp/PgDn scroll ${glyphs.dot} esc or d goes back`} />;
}
