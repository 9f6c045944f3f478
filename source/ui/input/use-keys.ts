import {useLayoutEffect, useReducer, useRef} from 'react';
import {useUiContext} from '../context.js';
import {editLine, lineAt, type LineResult, type LineState} from './line-edit.js';
import type {KeyPress} from './keys.js';

/**
 * Keys for an overlay, one key press at a time, from the App's router (see key-router.ts). It
 * registers in a layout effect, as the overlay is committed, and the router hands it the keys typed
 * while it was being drawn; `ready: false` (still loading) makes keys wait for it. ctrl-c and the
 * answer to "quit?" never reach it: the App takes those.
 */
export function useKeys(handler: (press: KeyPress) => void, options: {isActive?: boolean; ready?: boolean} = {}): KeysControl {
	const {keys} = useUiContext();
	const isActive = options.isActive ?? true;
	const ready = options.ready ?? true;
	// Keys are dispatched outside React (each one re-renders before the next), so the latest
	// closure is the one rendered for the previous key.
	const latest = useRef(handler);
	latest.current = handler;
	const readyRef = useRef(ready);
	readyRef.current = ready;
	const held = useRef<NodeJS.Timeout | undefined>(undefined);
	const release = () => {
		if (held.current === undefined) return;
		clearTimeout(held.current);
		held.current = undefined;
		keys.flushSoon();
	};
	useLayoutEffect(() => {
		if (!isActive) return;
		return keys.register({handle: press => latest.current(press), ready: () => readyRef.current && held.current === undefined});
	}, [keys, isActive]);
	useLayoutEffect(() => {
		if (ready && isActive) keys.flushSoon();
	}, [keys, ready, isActive]);
	// Every commit of the component ends a hold: what the key changed is on screen and listening.
	useLayoutEffect(release);
	useLayoutEffect(() => () => clearTimeout(held.current), []);
	return {
		hold() {
			clearTimeout(held.current);
			// Only a safety net: the commit that follows the key releases it long before.
			held.current = setTimeout(release, 1000);
		},
	};
}

export type KeysControl = {
	/**
	 * The key just handled moves the overlay on (enter took a field's value, a view gives way to the
	 * next): the keys after it wait until React has drawn what comes next. React may commit after the
	 * next key is read (seen over tmux: ctrl-w right after enter reached the field that had just been
	 * submitted), so the next field, not the old one, must get them.
	 */
	hold: () => void;
};

/**
 * A text input's line (value and cursor), edited by `edit` with the shared line editing keys. The
 * state lives in a ref so that keys arriving faster than frames each see the previous key's edit.
 */
export function useLine(initial: string): {line: LineState; edit: (press: KeyPress) => LineResult; reset: (value: string) => void} {
	const ref = useRef<LineState | undefined>(undefined);
	ref.current ??= lineAt(initial);
	const [, redraw] = useReducer((n: number) => n + 1, 0);
	return {
		line: ref.current,
		edit(press) {
			const result = editLine(ref.current!, press);
			if (result.state.value !== ref.current!.value || result.state.cursor !== ref.current!.cursor) {
				ref.current = result.state;
				redraw();
			}
			return result;
		},
		reset(value) {
			ref.current = lineAt(value);
			redraw();
		},
	};
}
