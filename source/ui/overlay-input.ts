import {useInput, type Key} from 'ink';
import {useUiState} from './use-store.js';

/**
 * useInput for overlays (services.actions' prompts and confirmations): quiet while the console asks
 * "quit?", so the answer does not also reach the overlay. ctrl-c never reaches it.
 */
export function useOverlayInput(handler: (input: string, key: Key) => void, options: {isActive?: boolean} = {}): void {
	const confirmQuit = useUiState(s => s.confirmQuit);
	const lent = useUiState(s => s.terminalLent);
	useInput(
		(input, key) => {
			if (key.ctrl && input === 'c') return;
			handler(input, key);
		},
		{isActive: (options.isActive ?? true) && !confirmQuit && !lent},
	);
}
