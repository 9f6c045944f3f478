import {Box, Text} from 'ink';
import {useState} from 'react';
import {useUiContext} from '../context.js';
import {LineInput} from '../input/line-input.js';
import {useLine} from '../input/use-keys.js';
import {Frame, type FrameLine, useOverlayKeys} from './frame.js';
import type {TokenHandle} from '../../app/workflow-types.js';

// The admin user's login token, masked. c copies it to the clipboard of the terminal the user sits
// at (OSC 52, through SSH and tmux), w writes it to a file with mode 0600. The clear text stays in
// the handle: this view never has it.

export function TokenView({token, width, height, onClose}: {token: TokenHandle; width: number; height: number; onClose: () => void}) {
	const {glyphs, theme} = useUiContext();
	const [writing, setWriting] = useState(false);
	const [said, setSaid] = useState<{text: string; bad?: boolean} | undefined>();
	const {line, edit, reset} = useLine(token.defaultPath);
	// A file that exists already: asked about before it is replaced (it may hold another token).
	const [existing, setExisting] = useState<string | undefined>();
	// w opens the file prompt and enter or esc closes it: the keys after them wait for the change.
	const keys = useOverlayKeys((input, key, press) => {
		if (existing) {
			// y/n/esc change what the overlay shows: the keys after them wait for the change too.
			if (input === 'y') {
				keys.hold();
				setExisting(undefined);
				attempt(existing, true);
			} else if (input === 'n' || key.escape) {
				keys.hold();
				setExisting(undefined);
				setSaid({text: `${existing} left as it was: w writes to another path`});
			}
			return;
		}
		if (writing) {
			const result = edit(press);
			if (result.cancel || result.submit) keys.hold();
			if (result.cancel) setWriting(false);
			if (result.submit) write(result.state.value);
			return;
		}
		if (press.paste) return;
		if (key.escape || input === 'q' || key.return) return onClose();
		if (input === 'c') setSaid(token.copy());
		if (input === 'w') {
			keys.hold();
			setSaid(undefined);
			reset(token.defaultPath);
			setWriting(true);
		}
	});
	const lines: FrameLine[] = [
		{text: `User ${token.user} on ${token.cluster}: log in to the Manager UI with this token.`, bold: true},
		{text: `token    ${token.masked}`},
		...(token.expires ? [{text: `expires  ${token.expires}`}] : []),
		...(token.savedTo ? [{text: `saved    ${token.savedTo} (mode 0600)`}] : []),
		{text: ''},
		{text: 'c  send it to your clipboard (OSC 52: works over SSH; inside tmux only with set-clipboard on)', tone: 'muted'},
		{text: 'w  write it to a file (mode 0600)', tone: 'muted'},
	];
	if (said) lines.push({text: ''}, {text: said.text, tone: said.bad ? 'bad' : 'good'});
	const attempt = (file: string, overwrite: boolean) => {
		try {
			setSaid({text: token.write(file, {overwrite})});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST' && !overwrite) {
				setSaid(undefined);
				setExisting(file);
				return;
			}
			setSaid({text: error instanceof Error ? error.message : String(error), bad: true});
		}
	};
	const write = (file: string) => {
		setWriting(false);
		attempt(file.trim() || token.defaultPath, false);
	};
	if (existing) lines.push({text: ''}, {text: `${existing} exists already: y replaces it, n keeps it`, tone: 'warn'});
	return (
		<Frame
			title={`Login token ${glyphs.dot} ${token.cluster}`}
			parts={[{text: 'masked', tone: 'muted'}]}
			width={width}
			height={height}
			lines={lines}
			belowRows={writing ? 2 : 0}
			below={
				writing ? (
					<>
						<Text color={theme.tone('accent')}>Write the token to (enter writes, mode 0600; esc goes back):</Text>
						<Box>
							<Text>{glyphs.cursor} </Text>
							<LineInput line={line} width={width - 2} />
						</Box>
					</>
				) : undefined
			}
			footer={existing ? `y replace ${glyphs.dot} n keep` : writing ? 'enter writes · esc goes back' : `c copy ${glyphs.dot} w write to a file ${glyphs.dot} esc closes`}
		/>
	);
}
