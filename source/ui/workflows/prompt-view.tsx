import {Box, Text} from 'ink';
import {useMemo, useRef, useState} from 'react';
import {useUiContext} from '../context.js';
import {fit} from '../format.js';
import {LineInput} from '../input/line-input.js';
import {useLine} from '../input/use-keys.js';
import {Frame, useOverlayKeys, type FrameLine} from './frame.js';
import type {FormField, FormValues} from '../../app/workflow-types.js';

// The prompts of a workflow, one field at a time (a line input with the shared line editing, or a
// list to choose from): enter takes the value and moves on, esc leaves without changing anything. Answered fields stay listed above.

export function initialValues(fields: FormField[]): FormValues {
	const values: FormValues = {};
	for (const f of fields) values[f.key] = f.initial ?? (f.kind === 'select' ? f.options[0]?.value ?? '' : '');
	return values;
}

function visible(fields: FormField[], values: FormValues): FormField[] {
	return fields.filter(f => !f.when || f.when(values));
}

/** The first suggestion that goes on from what is typed (offered dimmed; tab takes it). */
export function completion(value: string, suggestions: string[]): string {
	const s = value ? suggestions.find(x => x.startsWith(value) && x !== value) : undefined;
	return s ? s.slice(value.length) : '';
}

// One sink of keys per prompt (useKeys stacks them): the field's, which also takes esc.

function TextField({initial, suggestions, width, onSubmit, onCancel}: {initial: string; suggestions: string[]; width: number; onSubmit: (value: string) => void; onCancel: () => void}) {
	const {glyphs, theme} = useUiContext();
	const {line, edit, reset} = useLine(initial);
	const keys = useOverlayKeys((_input, key, press) => {
		if (key.escape && !press.paste) return onCancel();
		const rest = completion(line.value, suggestions);
		if (rest && (key.tab || (key.rightArrow && line.cursor >= [...line.value].length))) return reset(line.value + rest);
		const result = edit(press);
		// What is submitted is what is shown: the dimmed completion only counts once taken.
		if (result.submit) {
			// The next field (or the next view) gets the keys after enter, once it is drawn.
			keys.hold();
			onSubmit(result.state.value);
		}
	});
	const rest = line.cursor >= [...line.value].length ? completion(line.value, suggestions) : '';
	return (
		<Box>
			<Text>{glyphs.cursor} </Text>
			<LineInput line={line} width={Math.max(4, width - 2 - rest.length)} />
			{rest ? <Text color={theme.tone('muted')}>{fit(rest, Math.max(0, width - 3 - [...line.value].length), glyphs.ellipsis)}</Text> : null}
		</Box>
	);
}

function SelectField({options, visibleCount, onChoose, onCancel}: {options: Array<{label: string; value: string}>; visibleCount: number; onChoose: (value: string) => void; onCancel: () => void}) {
	const {glyphs, theme} = useUiContext();
	const [at, setAt] = useState(0);
	const pos = useRef(0);
	const keys = useOverlayKeys((input, key) => {
		if (key.escape) return onCancel();
		const plain = !key.ctrl && !key.meta;
		let next = pos.current;
		if (key.downArrow || (plain && input === 'j') || key.tab) next = Math.min(options.length - 1, next + 1);
		else if (key.upArrow || (plain && input === 'k')) next = Math.max(0, next - 1);
		else if (key.home || (plain && input === 'g')) next = 0;
		else if (key.end || (plain && input === 'G')) next = options.length - 1;
		else if (key.return && options[next]) {
			keys.hold();
			return onChoose(options[next].value);
		}
		pos.current = next;
		setAt(next);
	});
	const first = Math.max(0, Math.min(at - visibleCount + 1, options.length - visibleCount));
	return (
		<Box flexDirection="column">
			{options.slice(first, first + visibleCount).map((o, i) => (
				<Text key={o.value} wrap="truncate" color={first + i === at ? theme.tone('accent') : undefined} bold={first + i === at}>
					{`${first + i === at ? glyphs.cursor : ' '} ${o.label}`}
				</Text>
			))}
		</Box>
	);
}

export function PromptView({title, fields, width, height, error, onSubmit, onCancel}: {title: string; fields: FormField[]; width: number; height: number; error?: string; onSubmit: (values: FormValues) => void; onCancel: () => void}) {
	const {theme, glyphs} = useUiContext();
	const [values, setValues] = useState<FormValues>(() => initialValues(fields));
	const [index, setIndex] = useState(0);
	const [problem, setProblem] = useState<string | undefined>();
	const shown = visible(fields, values);
	const field = shown[index];

	const accept = (value: string) => {
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
	};

	// The current choice first, so that enter at once keeps it.
	const options = useMemo(() => {
		if (field?.kind !== 'select') return [];
		const current = values[field.key];
		return [...field.options.filter(o => o.value === current), ...field.options.filter(o => o.value !== current)];
	}, [field, values]);

	const done: FrameLine[] = shown.slice(0, index).map(f => ({text: `${glyphs.step.done} ${f.label}: ${(f.kind === 'select' ? f.options.find(o => o.value === values[f.key])?.label : values[f.key]) || '(none)'}`, tone: 'muted'}));
	const message = problem ?? error;
	const suggestions = field?.kind === 'text' ? field.suggestions ?? [] : [];
	const footer =
		field?.kind === 'select'
			? `enter chooses (up/down to move) ${glyphs.dot} esc leaves, nothing is changed`
			: `enter takes the value ${glyphs.dot} ctrl-u clears ${glyphs.dot} ctrl-w a word ${glyphs.dot} ctrl-a/e start/end${suggestions.length ? ` ${glyphs.dot} tab completes` : ''} ${glyphs.dot} esc leaves, nothing is changed`;
	return (
		<Frame title={title} width={width} height={height} footer={footer}>
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
							<TextField key={field.key} initial={values[field.key] ?? ''} suggestions={suggestions} width={width} onSubmit={accept} onCancel={onCancel} />
						) : (
							<SelectField key={field.key} options={options} visibleCount={Math.max(2, Math.min(options.length, height - done.length - 6))} onChoose={accept} onCancel={onCancel} />
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
