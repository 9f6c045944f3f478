import {Spinner} from '@inkjs/ui';
import {useEffect, useState} from 'react';
import {ConfirmView, YamlView} from './confirm-view.js';
import {Frame, useOverlayKeys} from './frame.js';
import {PreflightView} from './preflight-view.js';
import {PromptView} from './prompt-view.js';
import type {FormField, PreparedRun, Workflow} from '../../app/workflow-types.js';

// One action from key to run: the prompts, the preflight checklist, the confirmation (and its YAML),
// then start. The overlay closes when the run starts: the steps pane shows it from there while the
// user goes on working.

type Phase = {name: 'loading'} | {name: 'form'; error?: string} | {name: 'preflight'; run: PreparedRun} | {name: 'confirm'; run: PreparedRun} | {name: 'yaml'; run: PreparedRun} | {name: 'failed'; message: string};

/** With nothing to ask, straight to the preflight. */
function afterFields(workflow: Workflow, fields: FormField[]): Phase {
	if (fields.length > 0) return {name: 'form'};
	const run = workflow.prepare({});
	return typeof run === 'string' ? {name: 'failed', message: run} : {name: 'preflight', run};
}

export function WorkflowView({workflow, width, height, close}: {workflow: Workflow; width: number; height: number; close: () => void}) {
	const [fields, setFields] = useState<FormField[] | undefined>(Array.isArray(workflow.fields) ? workflow.fields : undefined);
	const [phase, setPhase] = useState<Phase>(() => (fields ? afterFields(workflow, fields) : {name: 'loading'}));
	useEffect(() => {
		if (Array.isArray(workflow.fields)) return;
		const controller = new AbortController();
		workflow.fields(controller.signal).then(
			f => {
				if (controller.signal.aborted) return;
				setFields(f);
				setPhase(afterFields(workflow, f));
			},
			(error: unknown) => !controller.signal.aborted && setPhase({name: 'failed', message: error instanceof Error ? error.message : String(error)}),
		);
		return () => controller.abort();
	}, [workflow]);
	useOverlayKeys((_input, key) => {
		if (key.escape) close();
	}, {isActive: phase.name === 'loading' || phase.name === 'failed'});

	switch (phase.name) {
		case 'loading':
			return (
				<Frame title={workflow.title} width={width} height={height} footer="esc leaves">
					<Spinner label="reading the cluster for suggestions…" />
				</Frame>
			);
		case 'failed':
			return <Frame title={workflow.title} width={width} height={height} lines={[{text: phase.message, tone: 'bad'}, {text: 'Nothing was changed.'}]} footer="esc leaves" />;
		case 'form':
			return (
				<PromptView
					title={workflow.title}
					fields={fields ?? []}
					width={width}
					height={height}
					error={phase.error}
					onCancel={close}
					onSubmit={values => {
						const run = workflow.prepare(values);
						setPhase(typeof run === 'string' ? {name: 'form', error: run} : {name: 'preflight', run});
					}}
				/>
			);
		case 'preflight':
			return <PreflightView run={phase.run} width={width} height={height} onCancel={close} onContinue={() => setPhase({name: 'confirm', run: phase.run})} />;
		case 'confirm':
			return (
				<ConfirmView
					run={phase.run}
					width={width}
					height={height}
					onCancel={close}
					onYaml={() => setPhase({name: 'yaml', run: phase.run})}
					onConfirm={() => {
						close();
						phase.run.start();
					}}
				/>
			);
		case 'yaml':
			return <YamlView run={phase.run} width={width} height={height} onBack={() => setPhase({name: 'confirm', run: phase.run})} />;
	}
}
