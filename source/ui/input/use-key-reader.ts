import {useStdin} from 'ink';
import {useEffect, useRef} from 'react';
import {createKeyReader, type KeyPress} from './keys.js';

/**
 * Reads the terminal for the whole console: every chunk ink reads (it splits escape sequences off,
 * nothing more) becomes single key presses, and `onPress` gets each one; ink's useInput would pass a
 * run of characters as one "key". React 19 renders a state change in a microtask, not at once, so
 * keys are handed over one per turn of the event loop: each key's change is drawn, and the handlers
 * it mounts (a prompt's next field) are listening, before the next key arrives.
 */
export function useKeyReader(onPress: (press: KeyPress) => void, options: {active?: boolean} = {}): void {
	// Inactive (the terminal lent to a login prompt): raw mode off and nothing read.
	const active = options.active ?? true;
	const latest = useRef(onPress);
	latest.current = onPress;
	const {internal_eventEmitter: input, setRawMode, isRawModeSupported} = useStdin();
	useEffect(() => {
		if (!isRawModeSupported || !active) return;
		setRawMode(true);
		return () => setRawMode(false);
	}, [isRawModeSupported, setRawMode, active]);
	useEffect(() => {
		if (!active) return;
		const reader = createKeyReader();
		const queue: KeyPress[] = [];
		let timer: NodeJS.Immediate | undefined;
		const next = () => {
			timer = undefined;
			const press = queue.shift();
			if (press) latest.current(press);
			if (queue.length > 0) timer = setImmediate(next);
		};
		const onInput = (data: string) => {
			queue.push(...reader.read(data));
			timer ??= setImmediate(next);
		};
		input.on('input', onInput);
		return () => {
			input.off('input', onInput);
			if (timer) clearImmediate(timer);
		};
	}, [input, active]);
}
