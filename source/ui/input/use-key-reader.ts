import {useStdin} from 'ink';
import {useEffect, useRef} from 'react';
import {createKeyReader, type KeyPress} from './keys.js';

/**
 * Reads the terminal for the whole console: every chunk ink reads (it splits escape sequences off,
 * nothing more) becomes single key presses, and `onPress` gets each one; each is handled, and drawn,
 * before the next. ink's useInput would pass a run of characters as one "key".
 */
export function useKeyReader(onPress: (press: KeyPress) => void): void {
	const latest = useRef(onPress);
	latest.current = onPress;
	const {internal_eventEmitter: input, setRawMode, isRawModeSupported} = useStdin();
	useEffect(() => {
		if (!isRawModeSupported) return;
		setRawMode(true);
		return () => setRawMode(false);
	}, [isRawModeSupported, setRawMode]);
	useEffect(() => {
		const reader = createKeyReader();
		const onInput = (data: string) => {
			for (const press of reader.read(data)) latest.current(press);
		};
		input.on('input', onInput);
		return () => {
			input.off('input', onInput);
		};
	}, [input]);
}
