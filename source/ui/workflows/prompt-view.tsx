import {Select, TextInput} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useCallback, useMemo, useState} from 'react';
import {useUiContext} from '../context.js';
import {fit} from '../format.js';
import {useUiState} from '../use-store.js';
import {Frame, useOverlayKeys, type FrameLine} from './frame.js';
import type {FormField, FormValues} from '../../app/workflow-types.js';

// The prompts of a workflow, one field at a time (@inkjs/ui TextInput and Select): enter takes the
// value and moves on, esc leaves without changing anything. Answered fields stay listed above.

export function initialValues(fields: FormField[]): FormValues {
	const values: FormValues = {};
	for (const f of fields) values[f.key] = f.initial ?? (f.kind === 'select' ? f.options[0]?.value ?? '' : '');
	return values;
}

function visible(fields: FormField[], values: FormValues): FormField[] {
	return fields.filter(f => !f.when || f.when(values));
}

export function PromptView({title, fields, width, height, error, onSubmit, onCancel}: {title: string; fields: FormField[]; width: number; height: number; error?: string; onSubmit: (values: FormValues) => void; onCancel: () => void}) {
	const {theme, glyphs} = useUiContext();
	const confirmQuit = useUiState(s => s.confirmQuit);
	const [values, setValues] = useState<FormValues>(() => initialValues(fields));
	const [index, setIndex] = useState(0);
	const [problem, setProblem] = useState<string | undefined>();
	const shown = visible(fields, values);
	const field = shown[index];

	useOverlayKeys((_input, key) => {
		if (key.escape) onCancel();
	});

	const accept = useCallback(
		(value: string) => {
			if (!field) return;
			const next = {...values, [field.key]: value.trim()};
			const why = field.kind === 'text' ? field.validate?.(next[field.key]!, next) : undefined;
			if (why) {
				setProblem(`${field.label}: ${why}`);
				return;
			}
			setProblem(undefined);
			setValues(next);
			const after = visible(fields, next);
			if (index + 1 >= after.length) onSubmit(next);
			else setIndex(index + 1);
		},
		[field, values, fields, index, onSubmit],
	);

	// Select fires only on a change of value: put the current choice first so enter on it counts.
	const options = useMemo(() => {
		if (field?.kind !== 'select') return [];
		const current = values[field.key];
		return [...field.options.filter(o => o.value === current), ...field.options.filter(o => o.value !== current)];
	}, [field, values]);

	const done: FrameLine[] = shown.slice(0, index).map(f => ({text: `${glyphs.step.done} ${f.label}: ${(f.kind === 'select' ? f.options.find(o => o.value === values[f.key])?.label : values[f.key]) || '(none)'}`, tone: 'muted'}));
	const message = problem ?? error;
	const suggestions = field?.kind === 'text' ? field.suggestions ?? [] : [];
	return (
		<Frame title={title} width={width} height={height} footer={`enter ${field?.kind === 'select' ? 'chooses (up/down to move)' : 'takes the value'} ${glyphs.dot} esc leaves, nothing is changed`}>
			<Box flexDirection="column">
				{done.map((l, i) => (
					<Text key={i} wrap="truncate" color={theme.tone('muted')}>
						{fit(l.text, width, glyphs.ellipsis)}
					</Text>
				))}
				{field ? (
					<Box flexDirection="column">
						<Text wrap="truncate" bold>
							{fit(`${field.label}${field.hint ? `  (${field.hint})` : ''}`, width, glyphs.ellipsis)}
						</Text>
						{field.kind === 'text' ? (
							<Box>
								<Text>{glyphs.cursor} </Text>
								<TextInput key={field.key} defaultValue={values[field.key]} suggestions={suggestions} isDisabled={confirmQuit} onSubmit={accept} />
							</Box>
						) : (
							<Select key={field.key} options={options} visibleOptionCount={Math.max(2, Math.min(options.length, height - done.length - 6))} isDisabled={confirmQuit} onChange={accept} />
						)}
						{suggestions.length > 1
							? suggestions.slice(0, Math.max(0, height - done.length - 7)).map((s, i) => (
									<Text key={i} wrap="truncate" color={theme.tone('muted')}>
										{fit(`   ${i === 0 ? 'suggested' : '         '}: ${s}`, width, glyphs.ellipsis)}
									</Text>
								))
							: null}
					</Box>
				) : null}
				{message ? (
					<Text wrap="truncate" color={theme.tone('bad')}>
						{fit(message, width, glyphs.ellipsis)}
					</Text>
				) : null}
			</Box>
		</Frame>
	);
}
